"""`python -m service [--index index/] [--host 127.0.0.1] [--port 8000]`: serve the API with uvicorn;
with `--replicas N`, as N replicas on Ray Serve (the cluster at `--ray-address` or RAY_ADDRESS, else
a local one), Serve's HTTP proxy listening on the host and port.

Flags override `RAPPORTEUR_*` environment variables, which override the defaults of `ServiceSettings`.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from pathlib import Path

from pydantic import ValidationError

from service.settings import ServiceSettings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m service", description=__doc__)
    parser.add_argument("--index", type=Path, dest="index_dir", help="index directory (default: index/)")
    parser.add_argument("--host", help="listen address (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, help="listen port (default: 8000)")
    parser.add_argument("--log-level", choices=("DEBUG", "INFO", "WARNING", "ERROR"), type=str.upper)
    parser.add_argument(
        "--wait-for-index",
        action="store_const",
        const=True,
        help="with no loadable index, stay up (503) and poll for one instead of exiting with an error",
    )
    parser.add_argument(
        "--replicas",
        type=int,
        help="serve N replicas on Ray Serve instead of one process (needs pip install 'rapporteur[ray]')",
    )
    parser.add_argument("--ray-address", help="Ray cluster to deploy the replicas on (default: RAY_ADDRESS, or local)")
    return parser


CLUSTER_FLAGS = ("replicas", "ray_address")


def settings_from_args(argv: list[str] | None = None) -> ServiceSettings:
    """ServiceSettings from the environment, overridden by the flags given."""
    return _settings(_parser().parse_args(argv))


def _settings(args: argparse.Namespace) -> ServiceSettings:
    overrides = {k: v for k, v in vars(args).items() if v is not None and k not in CLUSTER_FLAGS}
    return ServiceSettings(**overrides)


def _raise_file_limit() -> None:
    """Allow as many open sockets as the system lets this process have (the soft limit is often 1024)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else 65536, hard))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = _settings(args)
    except ValidationError as exc:
        print(f"error: invalid settings:\n{exc}", file=sys.stderr)
        return 2
    if args.replicas is not None:
        return _serve_replicas(settings, args.replicas, args.ray_address)

    _raise_file_limit()
    if settings.omp_threads is not None:
        # Read by OpenMP when the embedder and FAISS libraries load, so set before importing them.
        os.environ["OMP_NUM_THREADS"] = str(settings.omp_threads)

    import uvicorn

    from rapporteur.bundle.store import resolve_bundle
    from rapporteur.errors import RapporteurError
    from service.api.logging import configure_logging
    from service.app import create_app

    if not settings.wait_for_index:
        try:
            resolve_bundle(settings.index_dir)
        except RapporteurError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1

    configure_logging(settings.log_level)
    logging.getLogger(__name__).info(
        "starting on %s:%d with index %s",
        settings.host,
        settings.port,
        settings.index_dir,
        extra={"event": "start", "cors_origins": settings.cors_origins, "admin": settings.admin_enabled},
    )
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        server_header=False,
        proxy_headers=settings.forwarded_allow_ips is not None,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        timeout_graceful_shutdown=10,
    )
    server = uvicorn.Server(config)
    app.state.server = server  # the lifespan stops it when no index can be loaded
    server.run()
    return int(getattr(app.state, "exit_code", 0))


def _serve_replicas(settings: ServiceSettings, replicas: int, address: str | None) -> int:
    """Deploy on Ray Serve and stay in the foreground until interrupted (the application stays on a
    cluster given by address; a local Ray stops with this process)."""
    if replicas < 1:
        print("error: --replicas must be at least 1", file=sys.stderr)
        return 2
    from rapporteur.bundle.store import resolve_bundle
    from rapporteur.errors import RapporteurError

    try:
        resolve_bundle(settings.index_dir)
        from service import replicas as serve_replicas

        print(f"deploying {replicas} replica(s) of {settings.index_dir} on http://{settings.host}:{settings.port}")
        serve_replicas.run(settings, replicas, address, blocking=True)
    except (RapporteurError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
