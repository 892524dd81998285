"""Typed dependencies of the routers: settings, the index snapshot, the engine runner, admin auth."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Annotated, TypeVar

import anyio
import anyio.to_thread
from fastapi import Depends, HTTPException, Query, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from rapporteur.embedders import Embedder
from service.api.admin_key import admin_key_matches
from service.api.metrics import Metrics
from service.api.schemas import FilterText, Year
from service.corpus_jobs import CorpusJobs
from service.search.results import Filters
from service.search.threads import ThreadBudget
from service.serving import BundleSlot, LoadedBundle
from service.settings import ServiceSettings

T = TypeVar("T")

NOT_READY = "Le service démarre : l'index de recherche n'est pas encore chargé. Réessayez dans quelques secondes."


def get_settings(request: Request) -> ServiceSettings:
    return request.app.state.settings


def get_slot(request: Request) -> BundleSlot:
    return request.app.state.slot


def get_corpus_jobs(request: Request) -> CorpusJobs:
    return request.app.state.corpus_jobs


def get_metrics(request: Request) -> Metrics:
    return request.app.state.metrics


def get_loaded_bundle(request: Request) -> LoadedBundle:
    """The bundle in service when the request arrived (the whole request uses this one)."""
    loaded = getattr(request.state, "loaded", None)
    if loaded is None:
        raise HTTPException(503, NOT_READY, headers={"Retry-After": "5"})
    return loaded


SettingsDep = Annotated[ServiceSettings, Depends(get_settings)]
SlotDep = Annotated[BundleSlot, Depends(get_slot)]
CorpusJobsDep = Annotated[CorpusJobs, Depends(get_corpus_jobs)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
LoadedBundleDep = Annotated[LoadedBundle, Depends(get_loaded_bundle)]


class EngineRunner:
    """Runs blocking engine work in the worker pool, within the request's deadline.

    Past the deadline the request gets 503 when the work had not started yet (the service is
    overloaded) and 504 when it had (the search itself is too slow); the worker thread is left to
    finish on its own, work that had not started is skipped.
    """

    def __init__(
        self,
        limiter: anyio.CapacityLimiter,
        deadline: float,
        state: object | None = None,
        threads: ThreadBudget | None = None,
        embedder: Embedder | None = None,
    ) -> None:
        self.limiter = limiter
        self.deadline = deadline
        self.state = state  # the request's state: the work time is recorded there (rate limit by cost)
        self.threads = threads or ThreadBudget(1)
        self.embedder = embedder  # told how many threads it may use for this request's query

    async def __call__(self, fn: Callable[..., T], *args: object) -> T:
        started = threading.Event()
        abandoned = threading.Event()

        def work() -> T | None:
            if abandoned.is_set():
                return None
            started.set()
            began = time.perf_counter()
            try:
                with self.threads.claim() as threads:
                    if self.embedder is not None:
                        self.embedder.use_threads(threads)
                    return fn(*args)
            finally:
                if self.state is not None:
                    spent = getattr(self.state, "engine_seconds", 0.0) + time.perf_counter() - began
                    self.state.engine_seconds = spent

        remaining = self.deadline - time.monotonic()
        try:
            with anyio.fail_after(max(remaining, 0.0)):
                result = await anyio.to_thread.run_sync(work, abandon_on_cancel=True, limiter=self.limiter)
        except TimeoutError:
            abandoned.set()
            if started.is_set():
                raise HTTPException(
                    504, "La recherche a dépassé le délai imparti ; reformulez ou réessayez plus tard."
                ) from None
            raise HTTPException(
                503, "Le service est surchargé ; réessayez dans quelques secondes.", headers={"Retry-After": "2"}
            ) from None
        return result  # type: ignore[return-value]


def get_runner(request: Request) -> EngineRunner:
    deadline = getattr(request.state, "deadline", None) or (
        time.monotonic() + request.app.state.settings.request_timeout_s
    )
    loaded = getattr(request.state, "loaded", None)
    return EngineRunner(
        request.app.state.engine_limiter,
        deadline,
        request.state,
        getattr(request.app.state, "thread_budget", None),
        None if loaded is None else loaded.engine.embedder,
    )


RunnerDep = Annotated[EngineRunner, Depends(get_runner)]


def get_filters(
    organisation: Annotated[FilterText, Query(description="Filtre : organisation.")] = None,
    year: Annotated[Year, Query(description="Filtre : année du document.")] = None,
    kind: Annotated[FilterText, Query(description="Filtre : type de document.")] = None,
) -> Filters:
    return Filters(organisation=organisation, year=year, kind=kind)


FiltersDep = Annotated[Filters, Depends(get_filters)]

_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="Clé d'administration.")
_bearer = HTTPBearer(auto_error=False, description="Clé d'administration (Authorization: Bearer …).")


def require_admin(
    settings: SettingsDep,
    api_key: Annotated[str | None, Security(_api_key_header)] = None,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
) -> None:
    """401 unless the request carries the admin key (X-API-Key or Authorization: Bearer)."""
    expected = settings.admin_api_key.get_secret_value() if settings.admin_api_key else None
    if not admin_key_matches(api_key, bearer.credentials if bearer else None, expected):
        raise HTTPException(401, "Clé d'administration absente ou invalide.", headers={"WWW-Authenticate": "Bearer"})


AdminDep = Annotated[None, Depends(require_admin)]
