"""The benchmarks' load helpers against a tiny local HTTP server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from evals.load import bench_http, summary


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the service

    def _reply(self, status: int) -> None:
        body = b"{}"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if not self.path.startswith("/v1/search?"):
            self._reply(404)
        else:
            self._reply(503 if "q=busy" in self.path else 200)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self._reply(200 if self.path == "/v1/ask" else 404)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_summary_gives_median_and_tail() -> None:
    result = summary([float(v) for v in range(1, 101)])
    assert result["n"] == 100
    assert result["p50"] == pytest.approx(50.5)
    assert result["p99"] == pytest.approx(99.01)
    assert summary([])["n"] == 0


@pytest.mark.parametrize("endpoint", ["search", "ask"])
def test_every_client_sends_every_question_each_round(port: int, endpoint: str) -> None:
    result = bench_http(port, endpoint, ["a", "b", "c"], clients=2, rounds=2)
    assert result["requests"] == 12
    assert result["errors"] == 0
    assert len(result["samples"]) == 12
    assert result["latency"]["n"] == 12


def test_a_failed_request_counts_as_an_error_and_the_run_goes_on(port: int) -> None:
    result = bench_http(port, "search", ["busy", "ok", "ok"], clients=1, rounds=1)
    assert result["requests"] == 3
    assert result["errors"] == 1
    assert result["error_samples"] == ["HTTP 503"]
    assert len(result["samples"]) == 2  # a refusal is not a latency


def test_no_questions_is_refused():
    with pytest.raises(ValueError, match="no questions"):
        bench_http(1, "search", [], clients=1, rounds=1)
