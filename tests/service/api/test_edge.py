"""The edge (nginx in front of the service): slow and idle clients are closed, requests in progress
are capped with a 503 and Retry-After, errors are JSON in French, the client address is not spoofable.

Timeouts are shortened to one second so that each probe takes a few seconds; every wait is bounded.
"""

from __future__ import annotations

import json
import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from apitools import ADMIN_KEY, live_server

from evals.live_server import free_port
from service.edge import Edge, EdgeError, nginx_binary, render
from service.settings import ServiceSettings

WAIT_CAP_S = 15.0


def _edge_settings(port: int, upstream: int) -> ServiceSettings:
    return ServiceSettings(
        index_dir=Path("unused"),
        host="127.0.0.1",
        port=port,
        edge_upstream_port=upstream,
        edge_header_timeout_s=1,
        edge_body_timeout_s=1,
        edge_keepalive_timeout_s=1,
        edge_max_requests_per_client=4,
        edge_max_requests=64,
        edge_worker_connections=512,
    )


try:
    nginx_binary(ServiceSettings(index_dir=Path("unused")))
    NGINX_MISSING = None
except EdgeError as exc:
    NGINX_MISSING = str(exc)

pytestmark = pytest.mark.skipif(NGINX_MISSING is not None, reason=NGINX_MISSING or "")


@pytest.fixture(scope="module")
def edge(tiny_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, object]]:
    base = tmp_path_factory.mktemp("edge")
    env = {
        "RAPPORTEUR_FORWARDED_ALLOW_IPS": "127.0.0.1",
        "RAPPORTEUR_RATE_LIMIT_LOOPBACK": "true",
        "RAPPORTEUR_CORPUS_DIR": str(base / "corpus"),
    }
    with live_server(tiny_index, base / "service.log", env) as server:
        port = free_port()
        settings = _edge_settings(port, server.port)
        with Edge.start(settings, base / "nginx", log=base / "nginx.log"):
            deadline = time.monotonic() + WAIT_CAP_S
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            yield port, server


def _connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=WAIT_CAP_S)


def _closed_after(sock: socket.socket) -> tuple[float | None, bytes]:
    """Seconds until the server closes (or resets) the connection, and what it sent; None if still open."""
    started = time.monotonic()
    data = b""
    while time.monotonic() - started < WAIT_CAP_S:
        ready, _, _ = select.select([sock], [], [], WAIT_CAP_S - (time.monotonic() - started))
        if not ready:
            break
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return time.monotonic() - started, data
        if not chunk:
            return time.monotonic() - started, data
        data += chunk
    return None, data


def test_an_idle_connection_is_closed(edge) -> None:
    port, _ = edge
    with _connect(port) as sock:
        waited, _ = _closed_after(sock)
    assert waited is not None and waited < 5


def test_slow_headers_are_cut(edge) -> None:
    port, _ = edge
    with _connect(port) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        started = time.monotonic()
        for _ in range(20):  # one byte every 0.3 s: never a whole header block
            try:
                sock.sendall(b"X")
            except OSError:
                break
            time.sleep(0.3)
            if select.select([sock], [], [], 0)[0]:
                break
        waited, data = _closed_after(sock)
    assert (waited is not None or data) and time.monotonic() - started < 8
    assert not data.startswith(b"HTTP/1.1 200")


def test_a_body_shorter_than_announced_never_reaches_the_service(edge) -> None:
    port, server = edge
    before = server.log_text().count('"route": "/v1/ask"')
    with _connect(port) as sock:
        sock.sendall(
            b"POST /v1/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 200\r\n\r\n" + b'{"question": "rou'
        )
        waited, _ = _closed_after(sock)
    assert waited is not None and waited < 5
    assert server.log_text().count('"route": "/v1/ask"') == before


def test_many_idle_sockets_do_not_lock_others_out(edge) -> None:
    port, _ = edge
    idle = [_connect(port) for _ in range(100)]
    try:
        started = time.monotonic()
        response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
        assert response.status_code == 200 and time.monotonic() - started < 2
    finally:
        for sock in idle:
            sock.close()


def test_requests_in_progress_are_capped_with_503_and_retry_after(edge) -> None:
    port, _ = edge
    stalled = []
    try:
        for _ in range(4):  # the per-client cap: four requests whose body never comes
            sock = _connect(port)
            sock.sendall(
                b"POST /v1/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b"Content-Length: 100\r\n\r\n{"
            )
            stalled.append(sock)
        time.sleep(0.2)
        over = httpx.get(f"http://127.0.0.1:{port}/v1/search", params={"q": "route"}, timeout=5)
        assert over.status_code == 503
        assert over.headers["Retry-After"] == "5"
        assert over.json()["detail"].startswith("Service surchargé")
    finally:
        for sock in stalled:
            sock.close()
    time.sleep(1.5)  # the stalled bodies time out
    assert httpx.get(f"http://127.0.0.1:{port}/v1/search", params={"q": "route"}, timeout=5).status_code == 200


def test_errors_of_the_edge_are_json_in_french(edge) -> None:
    port, _ = edge
    too_large = httpx.post(
        f"http://127.0.0.1:{port}/v1/ask", content=b"x" * (70 * 1024), headers={"Content-Type": "application/json"}
    )
    assert too_large.status_code == 413 and "64 Ko" in too_large.json()["detail"]
    assert too_large.headers["content-type"].startswith("application/json")


def test_a_document_upload_passes_the_edge_with_the_key_only(edge) -> None:
    """The upload route has its own cap at the edge; the service buffers it only for the admin key."""
    port, _ = edge
    body = b"\x7fELF" + bytes(range(256)) * 4096  # 1 MiB, not a document
    url = f"http://127.0.0.1:{port}/v1/admin/documents"
    checked = httpx.post(url, params={"filename": "r.pdf"}, content=body, headers={"X-API-Key": ADMIN_KEY}, timeout=60)
    assert checked.status_code == 415, checked.text  # reached the service, which read its type
    anonymous = httpx.post(url, params={"filename": "r.pdf"}, content=body, timeout=60)
    assert anonymous.status_code == 401 and "Clé d'administration" in anonymous.json()["detail"]


def test_the_client_address_comes_from_the_edge_not_the_client(edge) -> None:
    """With the rate limit on for every address, a forged X-Forwarded-For does not get a fresh bucket."""
    port, server = edge
    statuses = [
        httpx.get(
            f"http://127.0.0.1:{port}/v1/suggest", params={"q": "ro"}, headers={"X-Forwarded-For": f"203.0.113.{i}"}
        ).status_code
        for i in range(40)
    ]
    assert 429 in statuses  # all 40 counted against 127.0.0.1, the real client, past the burst of 30
    del server


def test_render_is_valid_nginx(tmp_path: Path) -> None:
    config = render(_edge_settings(free_port(), free_port()), tmp_path)
    text = config.read_text()
    assert "client_header_timeout 1s;" in text and "limit_conn per_client 4;" in text
    assert "access_log off;" in text  # query strings hold the questions
    json.dumps(text)  # plain text, no template placeholder left
    assert "$workdir" not in text and "${" not in text
