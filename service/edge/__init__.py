"""The edge: nginx in front of the service, for what an ASGI server in Python does not bound.

uvicorn never closes a connection that sends nothing or sends its headers slowly, and its only cap
counts idle connections too. nginx closes idle, slow-header and slow-body clients, caps the
requests in progress per client and in all (503 with Retry-After beyond), answers its own errors
in JSON and French, and sets X-Forwarded-For so that the service rate-limits each client.

`render(settings, workdir)` writes the configuration (`nginx.conf` beside this file, with the
`edge_*` settings); `Edge` runs nginx with it. `python -m service.edge` runs both processes.
"""

from __future__ import annotations

import os
import pwd
import resource
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from string import Template

from rapporteur.processes import stop_process
from service.settings import ServiceSettings

TEMPLATE = Path(__file__).with_name("nginx.conf")
INSTALL_HINT = "nginx is not installed (Debian: apt-get install nginx), or set RAPPORTEUR_NGINX"


class EdgeError(RuntimeError):
    """nginx is missing or refuses its configuration."""


def nginx_binary(settings: ServiceSettings) -> str:
    """Path of the nginx executable, or EdgeError with an install hint."""
    found = shutil.which(settings.nginx) or shutil.which(settings.nginx, path="/usr/sbin:/usr/local/sbin:/sbin")
    if found is None:
        raise EdgeError(INSTALL_HINT)
    return found


def _listen(host: str, port: int) -> str:
    if host in ("0.0.0.0", "*"):
        return str(port)
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def render(settings: ServiceSettings, workdir: Path, upstream_port: int | None = None) -> Path:
    """Write nginx's configuration for `settings` into `workdir` (temporary paths included)."""
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (workdir / sub).mkdir(parents=True, exist_ok=True)
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    connections = settings.edge_worker_connections
    wanted_files = 2 * connections + 64  # a client and an upstream socket per connection, and logs
    values = {
        "user_line": f"user {pwd.getpwuid(0).pw_name};" if os.geteuid() == 0 else "",
        "rlimit_nofile": wanted_files if hard == resource.RLIM_INFINITY else min(hard, wanted_files),
        "workdir": str(workdir),
        "worker_connections": connections,
        "header_timeout": _seconds(settings.edge_header_timeout_s),
        "body_timeout": _seconds(settings.edge_body_timeout_s),
        "keepalive_timeout": _seconds(settings.edge_keepalive_timeout_s),
        "upstream_keepalive": _seconds(max(settings.edge_keepalive_timeout_s - 1, 1)),
        "read_timeout": _seconds(settings.request_timeout_s + 5),
        "max_body_bytes": settings.max_body_bytes,
        "max_body_kb": settings.max_body_bytes // 1024,
        "max_upload_bytes": settings.max_upload_bytes,
        "upload_timeout": _seconds(settings.upload_timeout_s + 5),
        "upstream_port": upstream_port or settings.edge_upstream_port,
        "listen": _listen(settings.host, settings.port),
        "max_per_client": settings.edge_max_requests_per_client,
        "max_requests": settings.edge_max_requests,
    }
    config = workdir / "nginx.conf"
    config.write_text(Template(TEMPLATE.read_text(encoding="utf-8")).substitute(values), encoding="utf-8")
    return config


def _seconds(value: float) -> int:
    return max(1, round(value))


@dataclass
class Edge:
    """nginx running with a rendered configuration; a context manager that stops it."""

    process: subprocess.Popen[bytes]
    config: Path

    @classmethod
    def start(
        cls, settings: ServiceSettings, workdir: Path, upstream_port: int | None = None, log: Path | None = None
    ) -> Edge:
        """Render the configuration for `settings` into `workdir`, check it, and start nginx."""
        binary = nginx_binary(settings)
        config = render(settings, workdir, upstream_port)
        check = subprocess.run([binary, "-t", "-c", str(config), "-p", str(workdir)], capture_output=True, text=True)
        if check.returncode != 0:
            raise EdgeError(f"nginx refuses its configuration: {check.stderr.strip()}")
        out = log.open("wb") if log else None
        try:
            process = subprocess.Popen(
                [binary, "-c", str(config), "-p", str(workdir)], stdout=out, stderr=subprocess.STDOUT if out else None
            )
        finally:
            if out:
                out.close()
        return cls(process, config)

    def stop(self, timeout: float = 10.0) -> None:
        stop_process(self.process, timeout)

    def __enter__(self) -> Edge:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
