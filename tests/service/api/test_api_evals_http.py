"""`python -m evals run --url` scores a running service over HTTP, with the same metrics as in process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from apitools import ROOT, live_server

LATENCY = ("latency_p50_ms", "latency_p95_ms")


def _evals(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "evals", "run", "--split", "dev", "--json", "--no-report", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def _without_latency(results: dict) -> dict:
    return {
        mode: {
            "overall": {k: v for k, v in data["overall"].items() if k not in LATENCY},
            "by_type": {t: {k: v for k, v in m.items() if k not in LATENCY} for t, m in data["by_type"].items()},
        }
        for mode, data in results.items()
    }


@pytest.mark.parametrize("mode", ["lexical", "hybrid"])
def test_evals_run_over_http(tiny_index: Path, tmp_path: Path, mode: str) -> None:
    """Against the tiny index the scores are low; what matters is that every call goes through."""
    with live_server(tiny_index, tmp_path / "server.log") as server:
        results = _evals("--url", server.url, "--mode", mode)
        assert results[mode]["overall"]["questions"] > 0
        assert results[mode]["overall"]["latency_p50_ms"] > 0
        log = server.log_text()
    requests = [json.loads(line) for line in log.splitlines() if '"event": "request"' in line]
    route = "/v1/ask" if mode == "hybrid" else "/v1/search"
    calls = [r for r in requests if r["route"] == route]
    assert calls and all(r["status"] == 200 for r in calls)
    assert all("query" not in r for r in requests)  # questions are not logged by default


@pytest.mark.slow
def test_http_scores_equal_in_process_scores(corpus_index: Path, tmp_path: Path) -> None:
    with live_server(corpus_index, tmp_path / "server.log") as server:
        over_http = _evals("--url", server.url, "--mode", "hybrid")
    in_process = _evals("--index", str(corpus_index), "--mode", "hybrid")
    assert _without_latency(over_http) == _without_latency(in_process)
