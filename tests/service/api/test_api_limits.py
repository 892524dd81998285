"""Body cap (counted as bytes arrive), per-client rate limit, per-request deadline, threadpool offload."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from apitools import live_server
from fastapi.testclient import TestClient

from service.api.metrics import Metrics
from service.api.middleware import RateLimitMiddleware
from service.api.rate_limits import TokenBuckets

CAP = 64 * 1024


def _chunks(total: int, size: int = 4096) -> Iterator[bytes]:
    yield b'{"question": "'
    sent = 0
    while sent < total:
        yield b"a" * size
        sent += size
    yield b'"}'


# -- body cap -------------------------------------------------------------------------------------------


def test_body_over_the_cap_with_content_length(client: TestClient) -> None:
    response = client.post("/v1/ask", content=b"x" * (CAP + 1), headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["detail"] == "Requête trop volumineuse : le corps est limité à 64 Ko."


def test_chunked_body_without_content_length_is_cut_at_the_cap(client: TestClient) -> None:
    response = client.post("/v1/ask", content=_chunks(CAP * 4), headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert client.post("/v1/ask", json={"question": "routes"}).status_code == 200


def test_chunked_body_under_the_cap_is_read_whole(client: TestClient) -> None:
    body = [b'{"question": ', b'"routes d\xc3\xa9partementales"', b', "k": 2}']
    response = client.post("/v1/ask", content=iter(body), headers={"Content-Type": "application/json"})
    assert response.status_code == 200
    assert response.json()["question"] == "routes départementales"


def _raw_request(port: int, payload: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(payload)
        received = b""
        try:
            while b"\r\n\r\n" not in received or not received.endswith(b"}"):
                data = sock.recv(65536)
                if not data:
                    break
                received += data
        except (ConnectionResetError, TimeoutError):
            pass
        return received


def test_live_server_cuts_a_chunked_upload_and_keeps_serving(tiny_index: Path, tmp_path: Path) -> None:
    """Over a real socket: Transfer-Encoding chunked, no Content-Length, 256 KB sent in 4 KB chunks."""
    with live_server(tiny_index, tmp_path / "server.log") as server:
        head = (
            b"POST /v1/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in _chunks(CAP * 4)) + b"0\r\n\r\n"
        answer = _raw_request(server.port, head + body)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert "64 Ko" in json.loads(answer.split(b"\r\n\r\n", 1)[1])["detail"]
        declared = (
            b"POST /v1/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 10000000\r\n\r\n{"
        )
        assert _raw_request(server.port, declared).startswith(b"HTTP/1.1 413")
        with httpx.Client(base_url=server.url, timeout=30) as http:
            assert http.get("/healthz").status_code == 200
            assert http.post("/v1/ask", json={"question": "routes"}).status_code == 200


# -- rate limit -----------------------------------------------------------------------------------------


def test_rate_limit_answers_429_with_retry_after(make_client) -> None:
    # TestClient's address ("testclient") is not loopback: it is limited like any remote client.
    with make_client(rate_limit_per_minute=6, rate_limit_burst=3) as client:
        statuses = [client.get("/v1/search", params={"q": "route"}).status_code for _ in range(3)]
        assert statuses == [200, 200, 200]
        limited = client.get("/v1/search", params={"q": "route"})
        assert limited.status_code == 429
        assert int(limited.headers["Retry-After"]) >= 1
        assert limited.json()["detail"].startswith("Trop de requêtes : réessayez dans")
        assert client.get("/healthz").status_code == 200  # operations routes are not limited
        assert client.get("/readyz").status_code == 200


def test_rate_limit_refills_and_skips_loopback() -> None:
    now = [0.0]
    buckets = TokenBuckets(per_minute=60, burst=2, max_clients=100, clock=lambda: now[0])
    assert buckets.take("203.0.113.7") is None
    assert buckets.take("203.0.113.7") is None
    wait = buckets.take("203.0.113.7")
    assert wait == pytest.approx(1.0)
    assert buckets.take("198.51.100.1") is None  # buckets are per client
    now[0] += 1.0
    assert buckets.take("203.0.113.7") is None
    limiter = RateLimitMiddleware(None, 60, 2, False, 100, Metrics())  # type: ignore[arg-type]
    assert limiter._is_loopback("127.0.0.1") and limiter._is_loopback("::1")
    assert not limiter._is_loopback("10.0.0.1") and not limiter._is_loopback("testclient")


def test_rate_limit_forgets_the_oldest_clients() -> None:
    buckets = TokenBuckets(60, 1, 100)
    for i in range(250):
        buckets.take(f"192.0.2.{i % 256}-{i}")
    assert len(buckets) == 100


# -- deadline -------------------------------------------------------------------------------------------


def test_search_past_the_deadline_gets_504(make_client, monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    with make_client(request_timeout_s=0.2) as client:
        engine = client.app.state.slot.current.engine

        def stuck(*args: object, **kwargs: object) -> None:
            release.wait(30)

        monkeypatch.setattr(engine, "search", stuck)
        try:
            response = client.get("/v1/search", params={"q": "route"})
        finally:
            release.set()
        assert response.status_code == 504
        assert "délai" in response.json()["detail"]
        assert client.get("/healthz").status_code == 200


def test_overloaded_service_gets_503(make_client) -> None:
    # A deadline already gone when the request reaches the engine pool: the work never starts.
    with make_client(request_timeout_s=1e-9) as client:
        response = client.get("/v1/search", params={"q": "route"})
        assert response.status_code == 503
        assert response.headers["Retry-After"]
        assert "surchargé" in response.json()["detail"]


def test_healthz_answers_while_a_search_runs(make_client, monkeypatch: pytest.MonkeyPatch) -> None:
    """Heavy work runs in the worker pool: the event loop stays free for /healthz."""
    entered, release = threading.Event(), threading.Event()
    with make_client() as client:
        engine = client.app.state.slot.current.engine
        original = engine.search

        def slow(*args: object, **kwargs: object):
            entered.set()
            release.wait(30)
            return original(*args, **kwargs)

        monkeypatch.setattr(engine, "search", slow)
        result: dict[str, int] = {}
        worker = threading.Thread(
            target=lambda: result.update(status=client.get("/v1/search", params={"q": "route"}).status_code)
        )
        worker.start()
        try:
            assert entered.wait(30)
            assert client.get("/healthz").status_code == 200  # answered while the search is blocked
            assert not release.is_set()
        finally:
            release.set()
            worker.join(30)
        assert result["status"] == 200


def test_not_ready_yet_gets_503(make_client, tmp_path: Path) -> None:
    with make_client(index_dir=tmp_path / "missing", ready=False) as client:
        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["status"] in ("loading", "unavailable")
        search = client.get("/v1/search", params={"q": "route"})
        assert search.status_code == 503 and search.headers["Retry-After"]
        assert "pas encore chargé" in search.json()["detail"]
        assert "X-Index-Build" not in search.headers
