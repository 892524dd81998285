"""The red-team battery (issue « Hardening »): each defect it found, as a test that fails without its fix.

Expensive queries, surrogates and bad input are in test_api_bad_input.py; build and bundle faults in
tests/indexer/test_build_faults.py; slow and idle clients at the edge in test_edge.py.
"""

from __future__ import annotations

import json
import random
import socket
import string
import subprocess
import sys
import threading
import time
from pathlib import Path

import anyio
import httpx
import pytest
from apitools import ADMIN_KEY, READY_WAIT_S, ROOT, live_server
from fastapi.testclient import TestClient
from pydantic import ValidationError

from evals.live_server import free_port
from service.api.metrics import Metrics
from service.api.middleware import RateLimitMiddleware, route_template
from service.settings import ServiceSettings

# -- 1. expensive requests pay for what they cost --------------------------------------------------------


def test_a_request_that_made_the_engine_work_longer_takes_more_tokens() -> None:
    async def app(scope, receive, send) -> None:
        scope["state"]["engine_seconds"] = scope["path_cost"] * 0.05

    limiter = RateLimitMiddleware(app, 60, 10, True, 100, Metrics(), clock=lambda: 0.0)

    async def call(client: str, cost: float) -> None:
        scope = {"type": "http", "path": "/v1/search", "client": (client, 1), "state": {}, "path_cost": cost}
        await limiter(scope, None, None)  # type: ignore[arg-type]

    async def run() -> None:
        for _ in range(3):
            await call("198.51.100.1", 1.0)  # normal searches: one token each
            await call("198.51.100.2", 3.0)  # three normal searches' worth each

    runner = threading.Thread(target=anyio.run, args=(run,))  # its own loop, whatever this thread runs
    runner.start()
    runner.join(30)
    normal = limiter.store.buckets.tokens("198.51.100.1")  # type: ignore[attr-defined]
    expensive = limiter.store.buckets.tokens("198.51.100.2")  # type: ignore[attr-defined]
    assert normal == pytest.approx(7.0, abs=0.1)
    assert expensive == pytest.approx(1.0, abs=0.1)


def test_pages_and_static_files_are_rate_limited_too(make_client) -> None:
    """Files read from disk take a tenth of a token: a page load is cheap, a flood of them is not."""
    with make_client(rate_limit_per_minute=6, rate_limit_burst=2) as client:
        statuses = [client.get("/static/style.css").status_code for _ in range(25)]
        assert statuses[:20] == [200] * 20 and 429 in statuses
        assert client.get("/metrics").status_code == 429
        assert client.get("/healthz").status_code == 200 and client.get("/readyz").status_code == 200


# -- 2. a body shorter than its Content-Length ------------------------------------------------------------


def _read_response(sock: socket.socket) -> bytes:
    """One whole HTTP response (headers, then Content-Length bytes of body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")),
        0,
    )
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def test_a_body_shorter_than_announced_gets_408_at_the_deadline(tiny_index: Path, tmp_path: Path) -> None:
    env = {"RAPPORTEUR_REQUEST_TIMEOUT_S": "1.5"}
    with live_server(tiny_index, tmp_path / "server.log", env) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=20) as sock:
            sock.sendall(
                b"POST /v1/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b"Content-Length: 200\r\n\r\n" + b'{"question": "rou'
            )
            started = time.monotonic()
            answer = _read_response(sock)
            waited = time.monotonic() - started
        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
        assert waited < 10  # bounded by the request deadline, not by the client giving up
        assert "n'est pas arrivé en entier" in json.loads(answer.split(b"\r\n\r\n", 1)[1])["detail"]
        assert httpx.get(server.url + "/healthz", timeout=10).status_code == 200


# -- 4. metrics labels from a closed set -------------------------------------------------------------------


def test_random_methods_do_not_grow_the_metrics(client: TestClient) -> None:
    rng = random.Random(7)

    def random_methods(count: int) -> str:
        for _ in range(count):
            method = "".join(rng.choice(string.ascii_uppercase) for _ in range(8))
            assert client.request(method, "/v1/search?q=route").status_code in (400, 405)
        return client.get("/metrics").text

    client.get("/metrics")  # its own series exist from the first scrape on
    first = random_methods(20)
    assert 'method="other"' in first
    after = random_methods(300)  # the red-team run grew /metrics from 47 KB to 703 KB with 3,000
    assert len(after) - len(first) < 200  # only counter values change


def test_routes_are_labelled_even_when_refused_before_routing(client: TestClient) -> None:
    client.post("/v1/ask", content=b"x" * (70 * 1024), headers={"Content-Type": "application/json"})
    text = client.get("/metrics").text
    assert 'rapporteur_http_requests_total{method="POST",route="/v1/ask",status="413"}' in text
    routes = client.app.state  # the labels of unknown paths stay "unmatched"
    assert route_template([], {"path": "/nowhere"}) == "unmatched" and routes


# -- 5. the Host header ------------------------------------------------------------------------------------


def test_unknown_hosts_are_refused_not_reflected(make_client) -> None:
    with make_client(allowed_hosts=["rapporteur.example", "*.ma-ville.fr"]) as client:
        evil = client.get("/v1/documents/", headers={"Host": "evil.example"}, follow_redirects=False)
        assert evil.status_code == 400 and "Host" in evil.json()["detail"]
        assert "evil.example" not in evil.headers.get("location", "")
        good = client.get("/v1/documents/", headers={"Host": "rapporteur.example"}, follow_redirects=False)
        assert good.status_code == 307 and good.headers["location"].startswith("http://rapporteur.example/")
        assert client.get("/v1/documents", headers={"Host": "recherche.ma-ville.fr"}).status_code == 200
        assert client.get("/healthz", headers={"Host": "10.1.2.3:8000"}).status_code == 200  # probes by IP


def test_default_hosts_are_the_loopback_names() -> None:
    assert ServiceSettings(index_dir=Path("x")).allowed_hosts == ["localhost", "127.0.0.1", "::1"]


# -- 6. no loadable index -------------------------------------------------------------------------------


def test_without_a_loadable_index_the_service_exits_with_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "service", "--index", str(tmp_path / "none"), "--port", str(free_port())],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0 and "no index bundle" in done.stderr


def test_a_corrupt_index_stops_the_service(tiny_index: Path, tmp_path: Path, copy_dir) -> None:
    index = copy_dir(tiny_index, "broken")
    bundle = index / "bundles" / (index / "CURRENT").read_text().strip()
    (bundle / "documents.jsonl").write_text("{}\n")
    done = subprocess.run(
        [sys.executable, "-m", "service", "--index", str(index), "--port", str(free_port())],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    fatal = [json.loads(line) for line in done.stderr.splitlines() if '"fatal"' in line]
    assert len(fatal) == 1 and "no loadable index" in fatal[0]["message"]


def test_wait_for_index_stays_up_and_loads_the_index_once_built(tiny_index: Path, tmp_path: Path, copy_dir) -> None:
    index = tmp_path / "later"
    waiting = live_server(index, tmp_path / "server.log", {"RAPPORTEUR_WAIT_FOR_INDEX": "true"}, ready=False)
    with waiting as server, httpx.Client(base_url=server.url, timeout=10) as http:
        assert http.get("/healthz").status_code == 200
        assert http.get("/readyz").status_code == 503
        assert http.get("/v1/search", params={"q": "route"}).status_code == 503
        copy_dir(tiny_index, "staging")
        (tmp_path / "staging").rename(index)
        deadline = time.monotonic() + READY_WAIT_S
        while http.get("/readyz").status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert http.get("/v1/search", params={"q": "route"}).status_code == 200


# -- 10. a client that leaves is not a server error -----------------------------------------------------------


def test_a_client_leaving_mid_body_is_counted_499_not_500(tiny_index: Path, tmp_path: Path) -> None:
    with live_server(tiny_index, tmp_path / "server.log") as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=20) as sock:
            sock.sendall(
                b"POST /v1/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b"Content-Length: 500\r\n\r\n" + b'{"question": '
            )
            time.sleep(0.3)
        deadline = time.monotonic() + 20
        metrics = ""
        while 'status="499"' not in metrics and time.monotonic() < deadline:
            time.sleep(0.2)
            metrics = httpx.get(server.url + "/metrics", timeout=10).text
        assert 'rapporteur_http_requests_total{method="POST",route="/v1/ask",status="499"} 1.0' in metrics
        assert 'status="500"' not in metrics
        assert "Traceback" not in server.log_text()


# -- 11. the admin key ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["clé-été-2024", "with space", "tab\tkey"])
def test_an_admin_key_that_cannot_travel_in_a_header_is_refused_at_start(key: str) -> None:
    with pytest.raises(ValidationError, match="printable ASCII"):
        ServiceSettings(index_dir=Path("x"), admin_api_key=key)


def test_the_service_refuses_to_start_with_such_a_key(tmp_path: Path) -> None:
    env = {"RAPPORTEUR_ADMIN_API_KEY": "clé-été"}
    done = subprocess.run(
        [sys.executable, "-m", "service", "--index", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**__import__("os").environ, **env},
    )
    assert done.returncode == 2 and "printable ASCII" in done.stderr


# -- 12. HEAD, paths in messages ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/healthz", "/readyz", "/docs", "/static/js/main.js", "/v1/documents"])
def test_head_works_wherever_get_does(client: TestClient, path: str) -> None:
    get = client.get(path)
    head = client.head(path)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers.get("content-length") == get.headers.get("content-length")


def test_admin_key_still_works(client: TestClient) -> None:
    assert client.post("/v1/admin/reload", headers={"X-API-Key": ADMIN_KEY}).status_code == 200
