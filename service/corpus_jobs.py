"""Corpus changes made over the admin API, and the builds they start: one at a time.

The service never imports the build pipeline: it runs the indexer's command line in child processes
(`python -m indexer add|remove`, then `python -m indexer build --progress-json`), follows the build's
JSON lines (stage, progress, per-file warnings) and, when the build succeeds, swaps the new bundle in.
A crash of a build cannot take the service down; a failed build leaves the bundle in service, and the
search keeps serving throughout.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import signal
import sys
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from rapporteur.errors import IndexerExit, RapporteurError
from service.settings import ServiceSettings

log = logging.getLogger(__name__)

KEEP_JOBS = 50
LINE_LIMIT = 1 << 20  # bytes of one line of the build's output; longer lines are skipped
STEP_TIMEOUT_S = 300.0  # checking and copying one file
INDEXER = (sys.executable, "-m", "indexer")  # the command line of the indexer
STDERR_GRACE_S = 5.0  # reading the rest of a finished build's stderr


class BuildBusyError(RapporteurError):
    """A corpus change or a build is already under way."""


class CorpusChangeRefused(RapporteurError):
    """The indexer refused a file or an id; `reason` is its code (type, bomb, pages, name, missing…)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass
class Job:
    """One corpus change and the build that follows it."""

    id: str
    action: Literal["add", "remove", "build"]
    document_id: str | None
    status: Literal["running", "succeeded", "failed"] = "running"
    stage: str = "en attente"
    done: int = 0
    total: int = 0
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    build_id: str | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None


class CorpusJobs:
    """Runs corpus changes and their builds, one at a time; keeps the last `KEEP_JOBS` jobs."""

    def __init__(self, settings: ServiceSettings, swap_in: Callable[[], Awaitable[str]]) -> None:
        self.settings = settings
        self.swap_in = swap_in  # loads the new bundle and returns its build id
        self.unavailable: str | None = None  # why changes are refused here (replicas), if they are
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._busy = False
        self._task: asyncio.Task[None] | None = None
        self._process: asyncio.subprocess.Process | None = None

    @property
    def busy(self) -> bool:
        return self._busy

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def recent(self) -> list[Job]:
        return list(reversed(self._jobs.values()))

    async def add(self, upload: Path, declared_name: str, meta: dict[str, object]) -> Job:
        """Check and copy `upload` into the corpus, then build in the background."""
        # --flag=value: a value that starts with "-" stays a value.
        args = ["add", str(upload), f"--corpus={self.settings.corpus_dir}", f"--name={declared_name}"]
        args.append(f"--max-pages={self.settings.max_upload_pages}")
        for key, value in meta.items():
            if value not in (None, ""):
                args.append(f"--{key.replace('_', '-')}={value}")
        return await self._change("add", args)

    async def remove(self, document_id: str) -> Job:
        """Remove a document from the corpus, then build in the background."""
        return await self._change("remove", ["remove", f"--corpus={self.settings.corpus_dir}", "--", document_id])

    async def rebuild(self) -> Job:
        """Build the corpus as it is (after a failed build, or files changed by hand), then swap."""
        return await self._change("build", None)

    async def _change(self, action: Literal["add", "remove", "build"], args: list[str] | None) -> Job:
        if self.unavailable:
            raise CorpusChangeRefused("unavailable", self.unavailable)
        if self._busy:
            raise BuildBusyError("a corpus change or a build is under way")
        self._busy = True
        result: dict[str, object] = {}
        try:
            if args is not None:
                code, out, err = await self._run(args, STEP_TIMEOUT_S)
                result = _last_json(out)
                if code in (IndexerExit.REJECTED, IndexerExit.NOT_FOUND):
                    reason, error = str(result.get("reason", "refused")), str(result.get("error", "Refusé."))
                    raise CorpusChangeRefused(reason, error)
                if code != 0 or "id" not in result:
                    raise RapporteurError(f"indexer {args[0]} failed ({code}): {err[-500:]}", public=_FAILED)
        except BaseException:
            self._busy = False
            raise
        job = Job(secrets.token_hex(8), action, str(result["id"]) if "id" in result else None)
        self._jobs[job.id] = job
        while len(self._jobs) > KEEP_JOBS:
            self._jobs.popitem(last=False)
        self._task = asyncio.create_task(self._build(job))
        return job

    async def _build(self, job: Job) -> None:
        try:
            await self._follow_build(job)
            if job.status == "running":
                job.stage = "mise en service"
                job.build_id = await self.swap_in()
                job.status = "succeeded"
                job.stage = "terminé"
        except RapporteurError as exc:
            job.status, job.error = "failed", exc.public
        except Exception as exc:  # the job must end, whatever happened
            log.exception("corpus job failed", extra={"event": "corpus_job", "job": job.id})
            job.status, job.error = "failed", f"{_FAILED} ({type(exc).__name__})"
        finally:
            job.finished_at = datetime.now(UTC)
            self._busy = False
            log.info(
                "corpus job %s: %s",
                job.id,
                job.status,
                extra={"event": "corpus_job", "job": job.id, "status": job.status, "build_id": job.build_id},
            )

    async def _follow_build(self, job: Job) -> None:
        """Run the build and follow its JSON lines; leaves `job` running when the bundle it built
        can be taken (the build said `done`, or exited with 0), failed otherwise."""
        settings = self.settings
        args = ["build", str(settings.corpus_dir), "--out", str(settings.index_dir)]
        args += ["--embedder", settings.embedder, "--progress-json"]
        job.stage = "construction de l'index"
        finished = False  # the build's `done` event was read: its bundle is in CURRENT
        code: int | None = None
        failure: str | None = None
        async with _indexer(args) as process:
            self._process = process
            errors = asyncio.create_task(_read_tail(process.stderr))
            try:
                assert process.stdout is not None
                async with asyncio.timeout(settings.build_timeout_s):
                    while raw := await _next_line(process.stdout):
                        finished = _apply(job, raw) == "done" or finished
                    code = await process.wait()
            except TimeoutError:
                failure = "La construction de l'index a dépassé le temps permis ; l'index en service reste."
            except Exception:
                log.exception("following the build failed", extra={"event": "corpus_job", "job": job.id})
                failure = f"{_FAILED_BUILD} ; l'index en service reste."
            finally:
                self._process = None
        # The child is gone (killed and waited for if it was still running): its stderr ends.
        try:
            tail = await asyncio.wait_for(errors, STDERR_GRACE_S)
        except TimeoutError:  # a process of its own session still holds the pipe
            tail = ""
        if finished or code == 0:
            return
        if failure is not None:
            job.status, job.error = "failed", failure
        elif code == IndexerExit.BUSY:
            job.status, job.error = "failed", "Une autre construction de l'index est en cours ; réessayez plus tard."
        else:
            detail = tail.strip().splitlines()[-1] if tail.strip() else f"code {code}"
            job.status, job.error = (
                "failed",
                f"{_FAILED_BUILD} ({detail[:300]}) ; l'index en service reste.",
            )

    async def close(self) -> None:
        """Stop a build in progress (the service is stopping): its partial bundle is never used."""
        if self._process is not None and self._process.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._process.pid, signal.SIGTERM)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def _run(self, args: list[str], timeout: float) -> tuple[int, str, str]:
        async with _indexer(args) as process:
            try:
                out, err = await asyncio.wait_for(process.communicate(), timeout)
            except TimeoutError:
                raise RapporteurError(f"indexer {args[0]} timed out", public=_FAILED) from None
        return int(process.returncode or 0), out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


_FAILED = "Le traitement du fichier a échoué."
_FAILED_BUILD = "La construction de l'index a échoué"
_STAGES = {
    "reading and cutting documents": "lecture et découpage des documents",
    "embedding": "calcul des vecteurs",
    "approximate index": "index approché",
}


@contextlib.asynccontextmanager
async def _indexer(args: list[str]) -> AsyncIterator[asyncio.subprocess.Process]:
    """`python -m indexer ARGS` in a child process of its own process group, its output piped (lines
    up to LINE_LIMIT). However the block ends (an error, a timeout, a cancellation), the child and
    the processes it started are killed if still running, and the child is waited for."""
    process = await asyncio.create_subprocess_exec(
        *INDEXER,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        limit=LINE_LIMIT,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
        await process.wait()


def _apply(job: Job, raw: bytes) -> str | None:
    """Update `job` from one JSON line of the build; returns the line's event, if it is one."""
    try:
        event = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(event, dict):
        return None
    kind = event.get("event")
    if kind == "progress":
        stage = str(event.get("stage", ""))
        job.stage = next((fr for en, fr in _STAGES.items() if stage.startswith(en)), stage)
        job.done, job.total = int(event.get("done", 0)), int(event.get("total", 0))
    elif kind == "warning" and len(job.warnings) < 100:
        job.warnings.append(str(event.get("message", ""))[:500])
    elif kind == "done":
        job.build_id = event.get("build_id")
        for skipped in event.get("skipped") or []:
            if isinstance(skipped, dict) and len(job.warnings) < 100:
                job.warnings.append(f"fichier ignoré : {skipped.get('file')} ({skipped.get('reason')})")
    return str(kind) if kind is not None else None


def _last_json(out: str) -> dict[str, object]:
    for line in reversed(out.strip().splitlines()):
        with contextlib.suppress(ValueError):
            value = json.loads(line)
            if isinstance(value, dict):
                return value
    return {}


async def _next_line(stream: asyncio.StreamReader) -> bytes:
    """The next line of `stream` (b"" at its end); a line over the stream's limit is dropped whole."""
    dropping = False  # inside a line over the limit
    while True:
        try:
            line = await stream.readuntil(b"\n")
        except asyncio.IncompleteReadError as exc:  # the end: a last line without its line break, or none
            return b"" if dropping else exc.partial
        except asyncio.LimitOverrunError as exc:
            await stream.readexactly(exc.consumed)
            dropping = True
            continue
        if not dropping:
            return line
        dropping = False  # that was the end of the long line


async def _read_tail(stream: asyncio.StreamReader | None, keep: int = 4000) -> str:
    """What a stream says, its last `keep` characters (read as it comes, so the pipe never fills)."""
    if stream is None:
        return ""
    tail = ""
    while line := await _next_line(stream):
        tail = (tail + line.decode("utf-8", "replace"))[-keep:]
    return tail
