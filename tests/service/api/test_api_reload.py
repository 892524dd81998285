"""Reload: atomic swap under load (admin route and SIGHUP), broken bundles refused, the old one kept."""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from apitools import ADMIN_KEY, READY_WAIT_S, live_server

from indexer.build import build_index
from rapporteur.bundle.store import load_bundle
from rapporteur.embedders.hashing import HashingEmbedder

ADMIN = {"X-API-Key": ADMIN_KEY}
CLIENTS = 8
MAX_REQUESTS_PER_CLIENT = 3000  # a bound on the loop, never reached in practice


def _build(corpus: Path, index: Path) -> tuple[str, dict[str, str]]:
    """Build the corpus into `index`; the new build id and its document texts."""
    report = build_index(corpus, index, HashingEmbedder())
    bundle = load_bundle(index)
    assert bundle.build_id == report.build_id
    return report.build_id, {d.meta.id: d.text for d in bundle.documents}


def _edit(corpus: Path, old: str, new: str) -> None:
    path = corpus / "ville.md"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def corpus_and_index(tiny_corpus: Path, tmp_path: Path) -> tuple[Path, Path]:
    return tiny_corpus, tmp_path / "index"


# -- under load, on a live server ----------------------------------------------------------------------


@dataclass
class Seen:
    statuses: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    builds: Counter = field(default_factory=Counter)
    count: int = 0


def _check_consistent(kind: str, body: dict, texts: dict[str, str]) -> str | None:
    """None when every cited span of `body` is the text of the bundle named by the build header."""
    hits = body["results"] if kind == "search" else body["passages"]
    for hit in hits:
        c = hit["citation"]
        if texts.get(c["document_id"], "")[c["start"] : c["end"]] != hit["text"]:
            return f"{kind}: {c['document_id']} {c['start']}-{c['end']} does not match its bundle"
    answer = body.get("answer")
    if answer:
        c = answer["citation"]
        if not texts.get(c["document_id"]):
            return "answer cites an unknown document"
    return None


def test_reload_while_eight_clients_query(corpus_and_index: tuple[Path, Path], tmp_path: Path) -> None:
    corpus, index = corpus_and_index
    builds: dict[str, dict[str, str]] = {}
    first, texts = _build(corpus, index)
    builds[first] = texts
    stop = threading.Event()
    seen = [Seen() for _ in range(CLIENTS)]
    lock = threading.Lock()

    with live_server(index, tmp_path / "server.log") as server:

        def client(n: int) -> None:
            mine = seen[n]
            with httpx.Client(base_url=server.url, timeout=60) as http:
                for i in range(MAX_REQUESTS_PER_CLIENT):
                    if stop.is_set():
                        return
                    kind = ("search", "ask", "documents")[(i + n) % 3]
                    try:
                        if kind == "search":
                            r = http.get("/v1/search", params={"q": "police municipale interventions", "k": 3})
                        elif kind == "ask":
                            r = http.post("/v1/ask", json={"question": "Combien d'interventions de la police ?"})
                        else:
                            r = http.get("/v1/documents/ville-test-2023")
                    except httpx.HTTPError as exc:
                        mine.failures.append(f"{kind}: {exc!r}")
                        continue
                    mine.statuses[r.status_code] += 1
                    build = r.headers.get("X-Index-Build", "")
                    mine.builds[build] += 1
                    mine.count += 1
                    if r.status_code != 200:
                        mine.failures.append(f"{kind}: HTTP {r.status_code} {r.text[:200]}")
                        continue
                    with lock:
                        known = builds.get(build)
                    try:
                        if known is None:
                            mine.mismatches.append(f"{kind}: unknown build {build!r}")
                        elif kind == "documents":
                            if r.json()["text"] != known["ville-test-2023"]:
                                mine.mismatches.append(f"documents: text is not the one of build {build}")
                        elif problem := _check_consistent(kind, r.json(), known):
                            mine.mismatches.append(f"{problem} (build {build})")
                    except (KeyError, TypeError, ValueError) as exc:  # a malformed body
                        mine.mismatches.append(f"{kind}: {exc!r}")

        def wait_for_traffic(at_least: int) -> None:
            deadline = time.monotonic() + READY_WAIT_S
            while min(s.count for s in seen) < at_least and time.monotonic() < deadline:
                time.sleep(0.05)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        try:
            wait_for_traffic(5)
            # v2 through the admin route: offsets after the edit shift, so a mixed response would show.
            _edit(corpus, "1 250 interventions", "1 250 interventions et 300 patrouilles de nuit")
            second, texts = _build(corpus, index)
            with lock:
                builds[second] = texts
            with httpx.Client(base_url=server.url, timeout=120) as http:
                reload = http.post("/v1/admin/reload", headers=ADMIN)
                assert reload.status_code == 200, reload.text
                assert reload.json()["status"] == "reloaded"
                assert reload.json()["build_id"] == second
                assert reload.json()["previous_build_id"] == first
            before = sum(s.count for s in seen)
            wait_for_traffic(min(s.count for s in seen) + 5)
            # v3 through SIGHUP.
            _edit(corpus, "La police municipale", "Depuis janvier, la police municipale")
            third, texts = _build(corpus, index)
            with lock:
                builds[third] = texts
            os.kill(server.process.pid, signal.SIGHUP)
            with httpx.Client(base_url=server.url, timeout=30) as http:
                deadline = time.monotonic() + READY_WAIT_S
                while http.get("/readyz").json().get("build_id") != third:
                    assert time.monotonic() < deadline, server.log_text()[-2000:]
                    time.sleep(0.05)
            wait_for_traffic(min(s.count for s in seen) + 5)
        finally:
            stop.set()
            for t in threads:
                t.join(120)

        assert sum(s.count for s in seen) > before
        failures = [f for s in seen for f in s.failures]
        mismatches = [m for s in seen for m in s.mismatches]
        assert failures == [], failures[:5]
        assert mismatches == [], mismatches[:5]
        served = Counter()
        for s in seen:
            served.update(s.builds)
        assert set(served) == {first, second, third}, served
        assert all(s.statuses == Counter({200: s.count}) for s in seen)
        log_lines = [json.loads(line) for line in server.log_text().splitlines() if line.startswith("{")]
        reloads = [line for line in log_lines if line.get("event") == "reload"]
        assert [r["reason"] for r in reloads if r["status"] == "reloaded"] == ["startup", "admin", "sighup"]


# -- refusals and no-ops, through TestClient -------------------------------------------------------------


def _break_checksum(bundle: Path) -> None:
    path = bundle / "documents.jsonl"
    path.write_text(path.read_text(encoding="utf-8").replace("ville", "villa", 1), encoding="utf-8")


def _break_manifest(bundle: Path) -> None:
    (bundle / "manifest.json").write_text("{ pas du json", encoding="utf-8")


def _remove_vectors(bundle: Path) -> None:
    (bundle / "passage_vectors.npy").unlink()


def _break_vectors(bundle: Path) -> None:
    manifest = json.loads((bundle / "manifest.json").read_text())
    (bundle / "sentence_vectors.npy").write_bytes(b"\x93NUMPY garbage")
    manifest["files"].pop("sentence_vectors.npy")
    (bundle / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize("breakage", [_break_checksum, _break_manifest, _remove_vectors, _break_vectors, None])
def test_broken_bundle_is_refused_and_the_old_one_keeps_serving(
    make_client, corpus_and_index: tuple[Path, Path], breakage
) -> None:
    corpus, index = corpus_and_index
    good, _ = _build(corpus, index)
    with make_client(index_dir=index) as client:
        bad_id = "20990101T000000-broken0"
        if breakage is None:  # CURRENT names a bundle that does not exist
            (index / "CURRENT").write_text(bad_id + "\n")
        else:
            shutil.copytree(index / "bundles" / good, index / "bundles" / bad_id)
            breakage(index / "bundles" / bad_id)
            (index / "CURRENT").write_text(bad_id + "\n")
        refused = client.post("/v1/admin/reload", headers=ADMIN)
        assert refused.status_code == 409, refused.text
        assert f"l'index {good} reste en service" in refused.json()["detail"]
        assert str(index) not in refused.text and "/bundles/" not in refused.text  # no server path
        search = client.get("/v1/search", params={"q": "police"})
        assert search.status_code == 200 and search.headers["X-Index-Build"] == good
        assert client.get("/readyz").json() == {"status": "ready", "build_id": good, "detail": None}
        assert 'rapporteur_index_reloads_total{outcome="refused"} 1.0' in client.get("/metrics").text
        # Repaired: the next reload goes through.
        (index / "CURRENT").write_text(good + "\n")
        _edit(corpus, "42 caméras", "45 caméras")
        newer, _ = _build(corpus, index)
        done = client.post("/v1/admin/reload", headers=ADMIN)
        assert done.status_code == 200 and done.json()["build_id"] == newer
        assert client.get("/v1/search", params={"q": "police"}).headers["X-Index-Build"] == newer


def test_reload_without_change_is_a_no_op_unless_forced(make_client, corpus_and_index: tuple[Path, Path]) -> None:
    corpus, index = corpus_and_index
    build, _ = _build(corpus, index)
    with make_client(index_dir=index) as client:
        same = client.post("/v1/admin/reload", headers=ADMIN).json()
        assert same["status"] == "unchanged" and same["build_id"] == build
        forced = client.post("/v1/admin/reload?force=true", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
        assert forced.status_code == 200 and forced.json()["status"] == "reloaded"


def test_admin_is_closed_when_no_key_is_configured(make_client) -> None:
    with make_client(admin_api_key=None) as client:
        assert client.post("/v1/admin/reload").status_code == 401
        assert client.post("/v1/admin/reload", headers={"X-API-Key": ""}).status_code == 401
        assert client.post("/v1/admin/reload", headers=ADMIN).status_code == 401


def test_polling_picks_up_a_new_build(make_client, corpus_and_index: tuple[Path, Path]) -> None:
    corpus, index = corpus_and_index
    _build(corpus, index)
    with make_client(index_dir=index, reload_poll_s=0.05) as client:
        _edit(corpus, "60 places", "80 places")
        newer, _ = _build(corpus, index)
        deadline = time.monotonic() + READY_WAIT_S
        while client.get("/readyz").json()["build_id"] != newer:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert client.get("/v1/search", params={"q": "crèche"}).headers["X-Index-Build"] == newer
