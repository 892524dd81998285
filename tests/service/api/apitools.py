"""Helpers of the HTTP API tests: settings, apps through TestClient with the lifespan running, and
`python -m service` started on a free 127.0.0.1 port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from service.app import create_app
from service.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
ADMIN_KEY = "test-admin-key-4f2b9c"
READY_WAIT_S = 120.0  # a bound for polling loops, not a performance assertion


def api_settings(index_dir: Path, **overrides: object) -> Settings:
    """Settings for tests: explicit values for everything the environment could change."""
    values: dict[str, object] = {
        "index_dir": index_dir,
        "admin_api_key": ADMIN_KEY,
        "cors_origins": [],
        "rate_limit_per_minute": 0,
        "handle_sighup": False,
        "reload_poll_s": 0,
        "log_queries": False,
        "request_timeout_s": 30.0,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


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
def running(settings: Settings, ready: bool = True) -> Iterator[TestClient]:
    """A TestClient with the app's lifespan running (index loaded when `ready`)."""
    app = create_app(settings)
    with TestClient(app) as client:
        if ready:
            wait_ready(client)
        yield client


# -- live servers ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    """`python -m service` in a subprocess, listening on 127.0.0.1."""

    url: str
    port: int
    process: subprocess.Popen
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


@contextmanager
def live_server(index_dir: Path, log: Path, env: dict[str, str] | None = None) -> Iterator[LiveServer]:
    """Start the service on a free loopback port, wait until ready, stop it afterwards."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("RAPPORTEUR_")}
    environment.update({"PYTHONUNBUFFERED": "1", "RAPPORTEUR_ADMIN_API_KEY": ADMIN_KEY, **(env or {})})
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "service", "--index", str(index_dir), "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = LiveServer(f"http://127.0.0.1:{port}", port, process, log)
    try:
        deadline = time.monotonic() + READY_WAIT_S
        with httpx.Client(base_url=server.url, timeout=5) as http:
            while True:
                assert process.poll() is None, f"the service exited:\n{server.log_text()[-3000:]}"
                try:
                    if http.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, f"not ready:\n{server.log_text()[-3000:]}"
                time.sleep(0.1)
        yield server
    finally:
        server.stop()
