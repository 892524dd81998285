"""`python -m service.edge`: nginx on RAPPORTEUR_HOST:RAPPORTEUR_PORT in front of `python -m service`
on 127.0.0.1:RAPPORTEUR_EDGE_UPSTREAM_PORT, for production (the Docker image runs this).

Both processes run as children: SIGHUP goes to the service (reload the index), SIGTERM and SIGINT to
both; when either exits, the other is stopped and its exit status is returned.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pydantic import ValidationError

from rapporteur.processes import stop_process
from service.edge import Edge, EdgeError
from service.settings import ServiceSettings

POLL_S = 0.2
SERVICE_STOP_S = 30.0  # a search in flight finishes well within this


def main() -> int:
    try:
        settings = ServiceSettings()
    except ValidationError as exc:
        print(f"error: invalid settings:\n{exc}", file=sys.stderr)
        return 2
    env = {
        **os.environ,
        "RAPPORTEUR_HOST": "127.0.0.1",
        "RAPPORTEUR_PORT": str(settings.edge_upstream_port),
        "RAPPORTEUR_FORWARDED_ALLOW_IPS": "127.0.0.1",  # the client address comes from nginx
    }
    with tempfile.TemporaryDirectory(prefix="rapporteur-edge-") as workdir:
        service = subprocess.Popen([sys.executable, "-m", "service"], env=env)
        try:
            edge = Edge.start(settings, Path(workdir))
        except EdgeError as exc:
            print(f"error: {exc}", file=sys.stderr)
            stop_process(service, SERVICE_STOP_S)
            return 1

        def forward(signum: int, _frame: object) -> None:
            if signum == signal.SIGHUP:
                service.send_signal(signal.SIGHUP)
            else:
                for process in (edge.process, service):
                    if process.poll() is None:
                        process.send_signal(signal.SIGTERM)

        for signum in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, forward)
        while service.poll() is None and edge.process.poll() is None:
            time.sleep(POLL_S)
        first = service if service.poll() is not None else edge.process
        edge.stop()
        stop_process(service, SERVICE_STOP_S)
        return int(first.returncode or 0)


if __name__ == "__main__":
    sys.exit(main())
