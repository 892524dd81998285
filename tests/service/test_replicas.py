"""Two replicas on Ray Serve (local Ray, 2 CPUs): a bundle swapped under load, a rate limit they share."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote

import pytest

from indexer.build import build_index
from rapporteur.embedders.hashing import HashingEmbedder
from service.settings import ServiceSettings

pytest.importorskip("ray", reason="the [ray] extra is not installed: pip install 'rapporteur[ray]'")

CLIENTS = 8
QUERIES = ("aide à domicile", "budget du département", "collèges", "eau potable", "transport scolaire")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(port: int, path: str) -> tuple[int, dict[str, str]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()


@pytest.fixture
def serve_app(local_ray, tiny_corpus: Path, tmp_path: Path):
    """Deploys the service on 2 replicas over a tiny bundle; yields (port, corpus, index)."""
    from service import replicas

    index = tmp_path / "index"
    build_index(tiny_corpus, index, HashingEmbedder())
    port = _free_port()
    deployed: list[ServiceSettings] = []

    def deploy(**overrides: object) -> None:
        settings = ServiceSettings(index_dir=index, host="127.0.0.1", port=port, reload_poll_s=0.5, **overrides)
        deployed.append(settings)
        replicas.run(settings, replicas=2, blocking=False)

    try:
        yield deploy, port, tiny_corpus, index
    finally:
        replicas.shutdown()


def test_two_replicas_swap_bundles_under_load_without_a_failed_request(serve_app) -> None:
    deploy, port, corpus, index = serve_app
    deploy(admin_api_key="cle-des-repliques")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(
        "POST",
        "/v1/admin/documents?filename=a.md",
        body=b"# A\n\nUn texte.",
        headers={"X-API-Key": "cle-des-repliques"},
    )
    refused = conn.getresponse()
    assert refused.status == 409 and "répliques" in refused.read().decode()  # changes go through the CLI here
    conn.close()
    status, headers = _get(port, "/readyz")
    assert status == 200
    old = headers["x-index-build"]

    seen: list[tuple[float, float, int, str | None, str | None]] = []  # sent, answered, status, build, replica
    lock = threading.Lock()
    stop = threading.Event()

    def client(i: int) -> None:
        for n in range(2000):  # bounded: the swap takes seconds
            if stop.is_set():
                return
            sent = time.monotonic()
            try:
                status, headers = _get(port, f"/v1/search?q={quote(QUERIES[(i + n) % len(QUERIES)])}")
            except OSError as exc:
                status, headers = -1, {"error": str(exc)}
            with lock:
                answered = time.monotonic()
                seen.append((sent, answered, status, headers.get("x-index-build"), headers.get("x-replica")))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.0)
        (corpus / "piscine.txt").write_text(
            "PISCINE\n\nLa piscine municipale de Testville rouvre en juin 2024 après travaux.", encoding="utf-8"
        )
        new = build_index(corpus, index, HashingEmbedder()).build_id
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with lock:
                serving_new = {replica for *_, build, replica in seen if build == new}
            if len(serving_new) == 2:
                break
            time.sleep(0.2)
        time.sleep(0.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)

    assert new != old
    assert len(seen) > 50
    assert [s for s in seen if s[2] != 200] == []  # not one failed request
    assert {build for *_, build, _ in seen} == {old, new}  # each answer from one bundle, named
    by_replica: dict[str, list[tuple[float, float, str]]] = defaultdict(list)
    for sent, answered, _, build, replica in seen:
        by_replica[str(replica)].append((sent, answered, str(build)))
    assert len(by_replica) == 2
    for answers in by_replica.values():  # each replica swapped once, and never went back
        assert any(build == new for *_, build in answers)
        # Requests overlap, so order by cause: once a replica has answered from the new bundle, a request
        # sent after that answer arrived must not get the old one (one sent before may, if it was served first).
        first_new = min(answered for _, answered, build in answers if build == new)
        late_old = [sent for sent, _, build in answers if build == old and sent > first_new]
        assert late_old == [], "a replica answered from the old bundle after the new one"


def test_the_rate_limit_holds_across_replicas(serve_app) -> None:
    """Burst 6: the seventh request in a row is refused, whichever replica takes it."""
    deploy, port, _, _ = serve_app
    deploy(rate_limit_loopback=True, rate_limit_burst=6, rate_limit_per_minute=1)  # no token back within the test
    replicas_seen: set[str] = set()
    statuses: list[int] = []
    for _ in range(6):
        results: list[tuple[int, dict[str, str]]] = []

        def one(into: list[tuple[int, dict[str, str]]] = results) -> None:
            into.append(_get(port, "/v1/search?q=eau"))

        pair = [threading.Thread(target=one) for _ in range(2)]
        for thread in pair:
            thread.start()
        for thread in pair:
            thread.join(30)
        statuses += [status for status, _ in results]
        replicas_seen |= {headers["x-replica"] for status, headers in results if status == 200}
    assert statuses.count(200) == 6  # per replica, it would have been 12
    assert statuses.count(429) == 6
    assert len(replicas_seen) == 2
    assert _get(port, "/metrics")[0] == 429  # the limit covers every route but the health probes
    assert _get(port, "/readyz")[0] == 200


def test_the_shared_buckets_take_their_limits_from_the_replicas() -> None:
    """The store's logic, without a cluster: no limit until configured, a new limit starts afresh."""
    from service.replicas import _BucketsActor

    store = _BucketsActor()
    assert store.take("203.0.113.7", 1.0) is None  # not configured yet: let through
    store.configure(60, 2, 100)
    assert store.take("203.0.113.7", 1.0) is None
    assert store.take("203.0.113.7", 1.0) is None
    assert store.take("203.0.113.7", 1.0) == pytest.approx(1.0, abs=0.05)
    store.configure(60, 2, 100)  # the same limits from another replica: the buckets stay
    assert store.take("203.0.113.7", 1.0) is not None
    store.configure(60, 5, 100)
    assert store.take("203.0.113.7", 1.0) is None
