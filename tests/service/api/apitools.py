"""Helpers of the HTTP API tests: settings, apps through TestClient with the lifespan running, and
`python -m service` started on a free 127.0.0.1 port (through evals.live_server)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from evals.live_server import LiveServer, start_service
from service.app import create_app
from service.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[3]
ADMIN_KEY = "test-admin-key-4f2b9c"
READY_WAIT_S = 120.0  # a bound for polling loops, not a performance assertion


def api_settings(index_dir: Path, **overrides: object) -> ServiceSettings:
    """ServiceSettings for tests: explicit values for everything the environment could change."""
    values: dict[str, object] = {
        "index_dir": index_dir,
        "admin_api_key": ADMIN_KEY,
        "cors_origins": [],
        "rate_limit_per_minute": 0,
        "handle_sighup": False,
        "reload_poll_s": 0,
        "log_queries": False,
        "request_timeout_s": 30.0,
        "allowed_hosts": ["testserver", "127.0.0.1", "localhost"],
    }
    values.update(overrides)
    return ServiceSettings(**values)  # type: ignore[arg-type]


def wait_ready(client: TestClient | httpx.Client) -> httpx.Response:
    """Poll /readyz until 200 (bounded); fail with the last answer."""
    deadline = time.monotonic() + READY_WAIT_S
    while True:
        response = client.get("/readyz")
        if response.status_code == 200 or time.monotonic() > deadline:
            assert response.status_code == 200, response.text
            return response
        time.sleep(0.02)


@contextmanager
def running(settings: ServiceSettings, ready: bool = True) -> Iterator[TestClient]:
    """A TestClient with the app's lifespan running (index loaded when `ready`)."""
    app = create_app(settings)
    with TestClient(app) as client:
        if ready:
            wait_ready(client)
        yield client


# -- live servers ------------------------------------------------------------------------------------


def live_server(index_dir: Path, log: Path, env: dict[str, str] | None = None, ready: bool = True) -> LiveServer:
    """Start the service on a free loopback port and wait until ready; `with` stops it afterwards.

    Its admin key is ADMIN_KEY; `env` adds (or overrides) environment variables.
    """
    overrides = {"RAPPORTEUR_ADMIN_API_KEY": ADMIN_KEY, **(env or {})}
    return start_service(index_dir, log, env_overrides=overrides, ready_timeout=READY_WAIT_S, ready=ready)
