"""`python -m service` in a subprocess on a free 127.0.0.1 port: start it, wait until ready, stop it.

Used by the benchmark (`python -m evals.bench`) and by the tests that need a real server (HTTP API,
browser); also a way to score a throwaway server with `python -m evals run --url`::

    from evals.live_server import start_service

    with start_service(Path("index"), Path("service.log")) as server:
        ...  # server.url is http://127.0.0.1:<port>; the server is stopped on leaving the block

The server listens on the loopback address only. Its environment is this process's without the
inherited `RAPPORTEUR_*` variables (a developer's settings must not leak into a benchmark or a test),
plus `PYTHONUNBUFFERED=1` and the variables passed in `env_overrides`. Everything it prints (JSON log
lines, tracebacks) goes to a log file. "Ready" means `GET /readyz` answers 200, i.e. the index is loaded.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from rapporteur.processes import stop_process

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
DEFAULT_READY_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 20.0
_POLL_S = 0.1
_PROBE_TIMEOUT_S = 5.0
_LOG_TAIL_CHARS = 3000

__all__ = [
    "DEFAULT_READY_TIMEOUT_S",
    "HOST",
    "LiveServer",
    "ServiceStartError",
    "free_port",
    "start_service",
]


class ServiceStartError(RuntimeError):
    """The service exited, or did not answer /readyz with 200 in time; the message ends with its log."""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 at the time of the call (chosen by the OS)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    """A running `python -m service` subprocess, listening on 127.0.0.1:`port`, writing to `log`.

    A context manager: leaving a `with` block on it stops the server.
    """

    url: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def log_text(self) -> str:
        """Everything the server has written so far (undecodable bytes replaced)."""
        return self.log.read_text(encoding="utf-8", errors="replace")

    def log_tail(self, chars: int = _LOG_TAIL_CHARS) -> str:
        """The last `chars` characters of the log, or "" when it cannot be read (for error messages)."""
        try:
            return self.log_text()[-chars:]
        except OSError:
            return ""

    def is_ready(self, probe: str = "/readyz") -> bool:
        """True when `GET probe` (/readyz: index loaded; /healthz: process up) answers 200 now."""
        conn = http.client.HTTPConnection(HOST, self.port, timeout=_PROBE_TIMEOUT_S)
        try:
            conn.request("GET", probe)
            return conn.getresponse().status == 200
        except (OSError, http.client.HTTPException):
            return False
        finally:
            conn.close()

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """Terminate the server (SIGTERM, then SIGKILL after `timeout` seconds); does nothing once it exited."""
        stop_process(self.process, timeout)

    def __enter__(self) -> LiveServer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _environment(env_overrides: Mapping[str, str] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAPPORTEUR_")}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(env_overrides or {})
    return env


def start_service(
    index: Path,
    log_path: Path,
    *,
    env_overrides: Mapping[str, str] | None = None,
    extra_args: Sequence[str] = (),
    ready_timeout: float = DEFAULT_READY_TIMEOUT_S,
    cwd: Path = ROOT,
    ready: bool = True,
) -> LiveServer:
    """Start `python -m service --index INDEX` on a free 127.0.0.1 port and wait until it is ready.

    `env_overrides` are set in the child's environment (the only `RAPPORTEUR_*` variables it gets);
    `extra_args` are more flags of `python -m service` (not --index, --host or --port). `log_path` is
    overwritten with the server's output. Raises `ServiceStartError` (after stopping the process) when
    the service exits or is not ready within `ready_timeout` seconds (with `ready=False`, it only
    waits for /healthz: the process is up, the index may not be). The caller stops the server:
    `server.stop()`, or `with start_service(...) as server:`.
    """
    port = free_port()
    command = [sys.executable, "-m", "service", "--index", str(index), "--host", HOST, "--port", str(port)]
    with log_path.open("wb") as out:
        process = subprocess.Popen(
            [*command, *extra_args], cwd=cwd, env=_environment(env_overrides), stdout=out, stderr=subprocess.STDOUT
        )
    server = LiveServer(f"http://{HOST}:{port}", port, process, log_path)
    try:
        deadline = time.monotonic() + ready_timeout
        while not server.is_ready("/readyz" if ready else "/healthz"):
            if process.poll() is not None:
                raise ServiceStartError(f"the service exited with {process.returncode}:\n{server.log_tail()}")
            if time.monotonic() > deadline:
                raise ServiceStartError(f"the service was not ready in {ready_timeout:.0f} s:\n{server.log_tail()}")
            time.sleep(_POLL_S)
    except BaseException:
        server.stop()
        raise
    return server
