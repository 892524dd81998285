"""The service as replicas on Ray Serve: `python -m service --replicas 2 [--ray-address ADDRESS]`.

Each replica is the FastAPI app of `create_app`, built on its replica (a process, possibly on another
node) and loading the bundle of the index directory in its lifespan. The bundle is read-only and
memory-mapped: replicas on one node share its pages in the page cache, and on several nodes the
index directory lives on shared storage. Serve's HTTP proxy is the ingress: it balances requests
over the replicas that are up.

- Readiness: a replica takes traffic once its bundle is loaded and warmed up (the lifespan loads
  it before the replica reports ready), and Serve's health check asks it whether it still holds one.
- A new bundle is rolled out replica by replica: each one polls CURRENT and swaps atomically when it
  has loaded the new bundle (requests in flight finish on the old one), so no request fails and
  each answer comes from one bundle (`X-Index-Build`).
- The rate limit holds across replicas: the buckets live in one named actor that every replica asks
  (`SharedBuckets`). Should that actor be unreachable, a replica lets the request through and logs
  it: the limit protects the service, and must not stop it.
- `/readyz` and `/metrics` answer for the replica the request reached; `X-Replica` names it.

Needs the optional extra: pip install 'rapporteur[ray]'.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.rate_limits import TokenBuckets
from service.settings import ServiceSettings

log = logging.getLogger(__name__)

INSTALL_HINT = "replicas on Ray Serve need the optional extra: pip install 'rapporteur[ray]'"
APP_NAME = "rapporteur"
NAMESPACE = "rapporteur"
BUCKETS_ACTOR = "rapporteur-rate-limits"
REPLICA_HEADER = b"x-replica"
STORE_TIMEOUT_S = 0.5  # a rate-limit answer slower than this lets the request through
REPLICAS_REFUSE_CHANGES = (
    "Ajout et retrait de documents indisponibles quand le service tourne en répliques : utilisez "
    "« python -m indexer add » puis « python -m indexer build » ; les répliques chargent le nouvel index d'elles-mêmes."
)
# The replicas poll CURRENT this often unless the settings say otherwise (a swap needs it).
DEFAULT_POLL_S = 2.0


def _ray() -> Any:
    try:
        import ray
        from ray import serve  # noqa: F401 - checks the serve extra is there too
    except ImportError as exc:
        raise RuntimeError(INSTALL_HINT) from exc
    return ray


class _BucketsActor:
    """The rate limit's buckets, held by one actor for every replica."""

    def __init__(self) -> None:
        self.buckets: TokenBuckets | None = None
        self.limits: tuple[float, int, int] | None = None

    def configure(self, per_minute: float, burst: int, max_clients: int) -> None:
        """Set the limits (a replica of a new deployment may bring new ones: they start afresh)."""
        if self.limits != (per_minute, burst, max_clients):
            self.limits = (per_minute, burst, max_clients)
            self.buckets = TokenBuckets(per_minute, burst, max_clients)

    def take(self, client: str, cost: float) -> float | None:
        return None if self.buckets is None else self.buckets.take(client, cost)

    def charge(self, client: str, tokens: float) -> None:
        if self.buckets is not None:
            self.buckets.charge(client, tokens)


class SharedBuckets:
    """A `BucketStore` in the named actor `BUCKETS_ACTOR` (created by the first replica that needs it)."""

    def __init__(self, settings: ServiceSettings) -> None:
        ray = _ray()
        self._actor = (
            ray.remote(_BucketsActor)
            .options(
                name=BUCKETS_ACTOR,
                namespace=NAMESPACE,
                get_if_exists=True,
                lifetime="detached",
                num_cpus=0,
                max_restarts=-1,  # restarted (its buckets empty) if its process dies
                max_task_retries=0,
            )
            .remote()
        )
        limits = (settings.rate_limit_per_minute, settings.rate_limit_burst, settings.rate_limit_max_clients)
        ray.get(self._actor.configure.remote(*limits))

    async def take(self, client: str, cost: float) -> float | None:
        try:
            return await asyncio.wait_for(self._actor.take.remote(client, cost), STORE_TIMEOUT_S)
        except Exception:  # the actor is slow, died or moved: let the request through, say so
            log.warning("rate limit store unreachable: request let through", extra={"event": "rate_limit_store"})
            return None

    async def charge(self, client: str, tokens: float) -> None:
        try:
            await asyncio.wait_for(self._actor.charge.remote(client, tokens), STORE_TIMEOUT_S)
        except Exception:
            log.warning("rate limit store unreachable: charge dropped", extra={"event": "rate_limit_store"})


class _ReplicaHeader:
    """Adds `X-Replica: <replica id>` to every response."""

    def __init__(self, app: ASGIApp, replica: str) -> None:
        self.app = app
        self.replica = replica.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (REPLICA_HEADER, self.replica)]
            await send(message)

        await self.app(scope, receive, send_with_header if scope["type"] == "http" else send)


def replica_settings(settings: ServiceSettings) -> ServiceSettings:
    """What a replica runs with: the bundle loaded before it takes traffic, CURRENT polled, no
    signal handler (a replica is not the main thread of its process)."""
    return settings.model_copy(
        update={
            "load_in_background": False,
            "wait_for_index": False,
            "handle_sighup": False,
            "reload_poll_s": settings.reload_poll_s or DEFAULT_POLL_S,
        }
    )


def build_replica_app(settings: ServiceSettings) -> FastAPI:
    """The app of one replica (called on the replica)."""
    from ray import serve

    from service.app import create_app

    if settings.omp_threads is not None:
        os.environ["OMP_NUM_THREADS"] = str(settings.omp_threads)
    replica = serve.get_replica_context().replica_id.unique_id
    shared = SharedBuckets(settings) if settings.rate_limit_per_minute > 0 else None
    app = create_app(replica_settings(settings), rate_limits=shared)
    app.add_middleware(_ReplicaHeader, replica=replica)
    # Each replica would run its own jobs: one change at a time could not hold across them.
    app.state.corpus_jobs.unavailable = REPLICAS_REFUSE_CHANGES
    return app


def application(settings: ServiceSettings, replicas: int, cpus_per_replica: float = 1.0) -> Any:
    """The Serve application: `replicas` copies of the service over `settings.index_dir`."""
    _ray()
    from ray import serve

    @serve.deployment(
        name="Rapporteur",
        num_replicas=replicas,
        ray_actor_options={"num_cpus": cpus_per_replica},
        max_ongoing_requests=max(8, settings.engine_concurrency * 8),
        health_check_period_s=5,
        graceful_shutdown_timeout_s=10,
    )
    @serve.ingress()
    class Rapporteur:
        """One replica: builds its app where it runs, and is healthy while it holds a bundle."""

        def __init__(self, settings: ServiceSettings) -> None:
            self.settings = settings
            self.service: FastAPI | None = None

        def __serve_build_asgi_app__(self) -> FastAPI:
            self.service = build_replica_app(self.settings)
            return self.service

        def check_health(self) -> None:
            if self.service is not None and not self.service.state.slot.ready:
                raise RuntimeError(f"the replica holds no index: {self.service.state.slot.last_error}")

    return Rapporteur.bind(settings)


def shutdown() -> None:
    """Remove the application, Serve, and the shared buckets from the cluster."""
    ray = _ray()
    from ray import serve

    serve.shutdown()
    with contextlib.suppress(ValueError):  # ValueError: there was none
        ray.kill(ray.get_actor(BUCKETS_ACTOR, namespace=NAMESPACE))


def run(settings: ServiceSettings, replicas: int, address: str | None = None, blocking: bool = True) -> None:
    """Deploy the application on the Ray cluster at `address` (or RAY_ADDRESS, or a local one),
    with Serve's HTTP proxy on `settings.host:settings.port`."""
    ray = _ray()
    from ray import serve

    address = address or os.environ.get("RAY_ADDRESS") or None
    if not ray.is_initialized():
        ray.init(address=address, namespace=NAMESPACE, include_dashboard=False, logging_level=logging.WARNING)
    serve.start(http_options={"host": settings.host, "port": settings.port})
    serve.run(application(settings, replicas), name=APP_NAME, route_prefix="/", blocking=blocking)
