"""Timing helpers shared by the benchmarks: latency summaries, one-client-per-thread HTTP load over
keep-alive connections, and `python -m indexer build` timed from the shell."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def summary(ms: list[float]) -> dict[str, float]:
    """p50, p99 and mean of latencies in milliseconds."""
    if not ms:
        return {"n": 0, "p50": float("nan"), "p99": float("nan"), "mean": float("nan")}
    values = np.asarray(ms, dtype=np.float64)
    return {
        "n": len(ms),
        "p50": float(np.percentile(values, 50)),
        "p99": float(np.percentile(values, 99)),
        "mean": float(values.mean()),
    }


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def timed_build(corpus: Path, index: Path, env: dict[str, str] | None, *flags: str) -> float:
    """Seconds `python -m indexer build CORPUS --out INDEX FLAGS` took (`env`: None inherits)."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "indexer", "build", str(corpus), "--out", str(index), "--quiet", *flags],
        cwd=ROOT,
        env=env,
        check=True,
    )
    return time.perf_counter() - started


@dataclass
class Calls:
    """Latencies and failures of one client."""

    ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _request(conn: http.client.HTTPConnection, endpoint: str, question: str) -> tuple[int, bytes]:
    if endpoint == "search":
        conn.request("GET", "/v1/search?" + urlencode({"q": question, "k": 10}))
    else:
        body = json.dumps({"question": question, "k": 5}).encode()
        conn.request("POST", "/v1/ask", body=body, headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    return response.status, response.read()


def _client(port: int, endpoint: str, questions: list[str], calls: Calls) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        for q in questions:
            started = time.perf_counter()
            try:
                status, _ = _request(conn, endpoint, q)
            except (OSError, http.client.HTTPException) as exc:
                calls.errors.append(repr(exc))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            if status != 200:  # a refusal is an error, not a latency (a fast 503 would flatter p50)
                calls.errors.append(f"HTTP {status}")
                continue
            calls.ms.append((time.perf_counter() - started) * 1000)
    finally:
        conn.close()


def bench_http(port: int, endpoint: str, questions: list[str], clients: int, rounds: int) -> dict[str, object]:
    """`clients` keep-alive connections, each sending every question `rounds` times (rotated order)."""
    if not questions:
        raise ValueError("no questions to send")
    per_client = [
        [q for _ in range(rounds) for q in questions[i % len(questions) :] + questions[: i % len(questions)]]
        for i in range(clients)
    ]
    calls = [Calls() for _ in range(clients)]
    threads = [threading.Thread(target=_client, args=(port, endpoint, per_client[i], calls[i])) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    ms = [m for c in calls for m in c.ms]
    errors = [e for c in calls for e in c.errors]
    return {
        "clients": clients,
        "requests": sum(len(q) for q in per_client),
        "wall_s": wall,
        "throughput": len(ms) / wall if wall else float("nan"),
        "errors": len(errors),
        "error_samples": errors[:3],
        "latency": summary(ms),
        "samples": ms,
    }
