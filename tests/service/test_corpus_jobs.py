"""Corpus jobs run the indexer in child processes: every line read is bounded, a finished build's
bundle is swapped in whatever happens after it, and no indexer process outlives its job."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest
from tiny_corpus import write_tiny_corpus

from indexer.build import build_index
from rapporteur.bundle.store import load_bundle
from rapporteur.embedders.hashing import HashingEmbedder
from service import corpus_jobs
from service.corpus_jobs import CorpusJobs, Job
from service.settings import ServiceSettings

NEW_REPORT = (
    "# Rapport d'activité 2024 de la Ville de Testville\n\n## Piscine\n\n"
    "La piscine municipale de Testville a rouvert ses bassins le 3 juin 2024 après onze mois de travaux.\n"
)
JOB_WAIT_S = 180.0


def _processes() -> dict[int, tuple[str, str, int]]:
    """Every process but this one: pid -> (state, command line, parent pid)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        found[int(entry.name)] = (stat.split()[2], cmdline, int(stat.rsplit(")", 1)[1].split()[1]))
    return found


_BEFORE: set[int] = set()


@pytest.fixture(autouse=True)
def _processes_before() -> None:
    """The processes that ran before the test (a session's Ray workers, say): not the job's."""
    _BEFORE.clear()
    _BEFORE.update(_processes())


def _processes_naming(marker: str) -> list[str]:
    """Processes started during the test whose command line holds `marker`, and children of this
    process started during the test (zombies included)."""
    return [
        f"{pid} ({state}): {cmdline[:200]}"
        for pid, (state, cmdline, parent) in _processes().items()
        if pid not in _BEFORE and (marker in cmdline or parent == os.getpid())
    ]


def _run_job(jobs: CorpusJobs, start) -> Job:
    """Start a job with `start(jobs)` (a coroutine) and wait for its end, in one event loop."""

    async def run() -> Job:
        job = await start(jobs)
        async with asyncio.timeout(JOB_WAIT_S):
            while job.status == "running":
                await asyncio.sleep(0.1)
        return job

    return asyncio.run(run())


class _Swaps:
    """The service's swap: loads the bundle in CURRENT, records its build id."""

    def __init__(self, index: Path) -> None:
        self.index, self.build_ids = index, []

    async def __call__(self) -> str:
        build_id = load_bundle(self.index).build_id
        self.build_ids.append(build_id)
        return build_id


def _site(tmp_path: Path, **settings: object) -> tuple[Path, Path, ServiceSettings]:
    corpus = write_tiny_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    return corpus, index, ServiceSettings(corpus_dir=corpus, index_dir=index, embedder="hashing", **settings)


def test_an_upload_whose_done_line_is_over_64_kib_is_swapped_in_and_leaves_no_indexer(tmp_path: Path) -> None:
    corpus, index, settings = _site(tmp_path)
    names = [f"{i:03d}-" + "x" * 200 + ".txt" for i in range(160)]
    for name in names:
        (corpus / name).write_bytes(b"")  # skipped by the build: named twice in its `done` line
    before = build_index(corpus, index, HashingEmbedder())
    assert len(before.skipped) == len(names)
    skipped = [{"file": path, "reason": reason} for path, reason in before.skipped]  # as the CLI prints them
    assert len(json.dumps({"event": "done", "skipped": skipped})) > 64 * 1024
    upload = tmp_path / "piscine.md"
    upload.write_text(NEW_REPORT, encoding="utf-8")
    swaps = _Swaps(index)

    job = _run_job(CorpusJobs(settings, swaps), lambda jobs: jobs.add(upload, "piscine.md", {"title": "Piscine"}))

    assert job.status == "succeeded", job
    assert swaps.build_ids == [job.build_id] and job.build_id != before.build_id
    bundle = load_bundle(index)
    assert bundle.build_id == job.build_id and "piscine" in {d.meta.id for d in bundle.documents}
    assert any(names[0] in w for w in job.warnings)  # the build's warnings were followed
    assert _processes_naming(str(corpus)) == []


def _fake_indexer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lines: list[dict], marker: str) -> None:
    """The indexer replaced by a script that prints `lines`, starts a process of its own, and hangs."""
    script = tmp_path / "fake_indexer.py"
    script.write_text(
        "import json, subprocess, sys, time\n"
        f"for line in {lines!r}:\n"
        "    print(json.dumps(line), flush=True)\n"
        f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)', {marker!r}])\n"
        "time.sleep(120)\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(corpus_jobs, "INDEXER", (sys.executable, str(script), marker))


def test_a_build_that_hangs_after_done_is_killed_with_its_children_and_its_bundle_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, index, settings = _site(tmp_path, build_timeout_s=3.0)
    build_index(corpus, index, HashingEmbedder())
    marker = f"hangs-after-done-{os.getpid()}"
    done = {"event": "done", "build_id": "b1", "skipped": [{"file": "vide.txt", "reason": "empty file"}]}
    _fake_indexer(
        tmp_path, monkeypatch, [{"event": "progress", "stage": "embedding", "done": 1, "total": 2}, done], marker
    )
    swaps = _Swaps(index)

    job = _run_job(CorpusJobs(settings, swaps), lambda jobs: jobs.rebuild())

    assert job.status == "succeeded" and job.error is None, job
    assert swaps.build_ids == [job.build_id]
    assert job.warnings == ["fichier ignoré : vide.txt (empty file)"]
    assert _processes_naming(marker) == []


def test_a_build_that_hangs_before_done_fails_is_killed_and_swaps_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, index, settings = _site(tmp_path, build_timeout_s=3.0)
    build_index(corpus, index, HashingEmbedder())
    marker = f"hangs-before-done-{os.getpid()}"
    _fake_indexer(tmp_path, monkeypatch, [{"event": "progress", "stage": "embedding", "done": 1, "total": 2}], marker)
    swaps = _Swaps(index)

    job = _run_job(CorpusJobs(settings, swaps), lambda jobs: jobs.rebuild())

    assert job.status == "failed" and "dépassé le temps permis" in (job.error or ""), job
    assert swaps.build_ids == [] and (job.done, job.total) == (1, 2)
    assert _processes_naming(marker) == []


def test_a_failed_build_reports_its_last_error_line_and_swaps_nothing(tmp_path: Path) -> None:
    corpus, index, settings = _site(tmp_path)
    for path in corpus.iterdir():
        path.unlink()  # nothing indexable: the build exits with 1
    swaps = _Swaps(index)

    job = _run_job(CorpusJobs(settings, swaps), lambda jobs: jobs.rebuild())

    assert job.status == "failed" and swaps.build_ids == []
    assert "nothing indexable" in (job.error or "") and job.error.endswith("l'index en service reste.")
    assert _processes_naming(str(corpus)) == []


def test_progress_warning_and_done_lines_update_the_job() -> None:
    job = Job("j", "build", None)
    kinds = [
        corpus_jobs._apply(job, raw)
        for raw in (
            b'{"event": "progress", "stage": "embedding 3 texts", "done": 2, "total": 3}\n',
            b'{"event": "warning", "message": "rapport.pdf: page 2 scanned"}\n',
            b"not json\n",
            b"[1, 2]\n",
            b'{"event": "done", "build_id": "b7", "skipped": [{"file": "a.txt", "reason": "empty"}, "odd"]}\n',
        )
    ]
    assert kinds == ["progress", "warning", None, None, "done"]
    assert (job.stage, job.done, job.total) == ("calcul des vecteurs", 2, 3)
    assert job.warnings == ["rapport.pdf: page 2 scanned", "fichier ignoré : a.txt (empty)"]
    assert job.build_id == "b7"


def test_a_line_over_the_limit_is_dropped_whole_and_the_next_ones_read() -> None:
    async def lines() -> list[bytes]:
        stream = asyncio.StreamReader(limit=64)
        stream.feed_data(b'{"event": "done", "skipped": [' + b"x" * 1000 + b"]}\n")
        stream.feed_data(b'{"event": "progress"}\n' + b"y" * 200 + b"\n" + b"last")
        stream.feed_eof()
        read = []
        while line := await corpus_jobs._next_line(stream):
            read.append(line)
        return read

    assert asyncio.run(lines()) == [b'{"event": "progress"}\n', b"last"]
