"""Hostile clients against a running service: does a normal client keep its latency?

`most_expensive_question` builds the costliest question the service accepts: just under the model
token cap, words the corpus does not know, and words that make it a question (so that `/v1/ask`
searches instead of answering « not a question »). `bench_adversaries` measures a normal client's
`/v1/search` latency alone, then while hostile clients send that question to `/v1/ask` (k=50) as
fast as they can, ignoring `Retry-After`. Each client has its own address (`X-Forwarded-For`, the
service trusting 127.0.0.1 as its proxy), so the per-client rate limit applies as in production.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import numpy as np

from evals.live_server import start_service

NORMAL_INTERVAL_S = 0.6  # a normal client: under two searches a second, within the default rate limit
SETTLE_S = 3.0  # let the hostile clients spend their burst before measuring


def most_expensive_question(count_tokens: Callable[[str], int], limit: int, max_chars: int = 500) -> str:
    """The longest question in model tokens that stays within `limit` tokens and `max_chars`."""
    rng = random.Random(13)
    question = "Bonjour, quelle aide pour les personnes âgées à domicile avec"
    syllables = ["zé", "çà", "qù", "wö", "xê", "kï", "ÿô", "ñú"]
    while True:
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        candidate = f"{question} {word}"
        if len(candidate) > max_chars or count_tokens(candidate) > limit:
            return question
        question = candidate


def accepted_question(port: int, question: str) -> str:
    """`question` shortened word by word until the service accepts it (the engine also counts the
    lexicon phrases it appends to the text it embeds)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        while " " in question:
            body = json.dumps({"question": question, "k": 50}).encode()
            if _call(conn, "POST", "/v1/ask", "10.0.2.1", body) == 200:
                return question
            question = question.rsplit(" ", 1)[0]
    finally:
        conn.close()
    return question


def _call(conn: http.client.HTTPConnection, method: str, path: str, client: str, body: bytes | None) -> int:
    headers = {"X-Forwarded-For": client}
    if body is not None:
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    return response.status


def _normal_client(port: int, questions: list[str], requests: int) -> tuple[list[float], Counter]:
    """Sequential searches at NORMAL_INTERVAL_S from one address: latencies (ms) and statuses."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    latencies: list[float] = []
    statuses: Counter = Counter()
    try:
        for i in range(requests):
            began = time.perf_counter()
            status = _call(
                conn, "GET", "/v1/search?" + urlencode({"q": questions[i % len(questions)]}), "10.0.0.1", None
            )
            elapsed = time.perf_counter() - began
            statuses[status] += 1
            if status == 200:
                latencies.append(elapsed * 1000)
            time.sleep(max(0.0, NORMAL_INTERVAL_S - elapsed))
    finally:
        conn.close()
    return latencies, statuses


def _hostile_client(port: int, address: str, question: str, stop: threading.Event, statuses: Counter) -> None:
    body = json.dumps({"question": question, "k": 50}).encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        while not stop.is_set():
            try:
                statuses[_call(conn, "POST", "/v1/ask", address, body)] += 1
            except (OSError, http.client.HTTPException):
                statuses["error"] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    finally:
        conn.close()


def bench_adversaries(
    index: Path, questions: list[str], question: str, log: Path, hostile: int = 2, requests: int = 60
) -> dict[str, object]:
    """Normal-client p50 of /v1/search alone and with `hostile` clients sending `question` to /v1/ask."""
    # No query cache: a hostile client varies its question, so each one must cost its full price.
    env = {"RAPPORTEUR_FORWARDED_ALLOW_IPS": "127.0.0.1", "RAPPORTEUR_QUERY_CACHE": "0"}
    with start_service(index, log, env_overrides=env, ready_timeout=300) as server:
        _normal_client(server.port, questions, 5)  # warm-up
        question = accepted_question(server.port, question)
        alone, alone_statuses = _normal_client(server.port, questions, requests)
        stop = threading.Event()
        hostile_statuses: list[Counter] = [Counter() for _ in range(hostile)]
        threads = [
            threading.Thread(
                target=_hostile_client, args=(server.port, f"10.0.1.{i}", question, stop, hostile_statuses[i])
            )
            for i in range(hostile)
        ]
        for t in threads:
            t.start()
        time.sleep(SETTLE_S)
        loaded, loaded_statuses = _normal_client(server.port, questions, requests)
        stop.set()
        for t in threads:
            t.join(timeout=60)
    p50_alone = float(np.percentile(alone, 50)) if alone else float("nan")
    p50_loaded = float(np.percentile(loaded, 50)) if loaded else float("nan")
    hostile_total = sum(hostile_statuses, Counter())
    return {
        "hostile_clients": hostile,
        "question_chars": len(question),
        "normal_requests": requests,
        "p50_alone_ms": p50_alone,
        "p50_with_hostile_ms": p50_loaded,
        "p99_with_hostile_ms": float(np.percentile(loaded, 99)) if loaded else float("nan"),
        "ratio": p50_loaded / p50_alone if alone and loaded else float("nan"),
        "normal_statuses": {str(k): v for k, v in (alone_statuses + loaded_statuses).items()},
        "hostile_statuses": {str(k): v for k, v in hostile_total.items()},
    }
