"""Lifespan of the app: first load in the background, reloads on demand, SIGHUP, CURRENT polling."""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Literal

import anyio
import anyio.abc
import anyio.to_thread
from anyio.streams.memory import MemoryObjectReceiveStream
from fastapi import FastAPI

from rapporteur.errors import RapporteurError
from service.search.threads import ThreadBudget
from service.serving import BundleSlot, ReloadOutcome

log = logging.getLogger(__name__)

Reason = Literal["startup", "admin", "sighup", "poll"]


async def reload_in_worker(app: FastAPI, reason: Reason, force: bool = False) -> ReloadOutcome:
    """Run `BundleSlot.reload` in a worker thread; raises RapporteurError when the bundle is refused."""
    slot: BundleSlot = app.state.slot
    metrics = app.state.metrics
    try:
        outcome = await anyio.to_thread.run_sync(slot.reload, force, abandon_on_cancel=True)
    except RapporteurError:
        metrics.reloads.labels("refused").inc()
        raise
    metrics.reloads.labels(outcome.status).inc()
    log.info("reload (%s): %s", reason, outcome.status, extra={"event": "reload", "reason": reason, **vars(outcome)})
    return outcome


async def _reload_quietly(app: FastAPI, reason: Reason) -> None:
    """A reload nobody waits for: a refused bundle is logged (by the slot), not raised."""
    with suppress(RapporteurError):
        await reload_in_worker(app, reason)


WAIT_FOR_INDEX_POLL_S = 5.0


async def _first_load(app: FastAPI) -> None:
    """Load the index at start. Without one, stop the server with an error (exit status 1), or, with
    `wait_for_index`, keep serving 503 and try again every few seconds until a bundle loads."""
    settings = app.state.settings
    while True:
        try:
            await reload_in_worker(app, "startup")
            return
        except RapporteurError as exc:
            if not settings.wait_for_index:
                stop_with_error(app, f"no loadable index in {settings.index_dir}: {exc}")
                return
        await anyio.sleep(WAIT_FOR_INDEX_POLL_S)


def stop_with_error(app: FastAPI, message: str) -> None:
    """Log `message` as one line and ask the server running `app` to stop; `python -m service` exits 1."""
    log.error(message, extra={"event": "fatal"})
    app.state.exit_code = 1
    server = getattr(app.state, "server", None)
    if server is not None:
        server.should_exit = True


async def _poll(app: FastAPI, every_s: float) -> None:
    """Reload when CURRENT names another bundle than the one in service (once per failed bundle)."""
    slot: BundleSlot = app.state.slot
    failed: str | None = None
    while True:
        await anyio.sleep(every_s)
        pending = await anyio.to_thread.run_sync(slot.pending_build_id)
        current = slot.current.build_id if slot.current else None
        if pending is None or pending in (current, failed):
            continue
        try:
            await reload_in_worker(app, "poll")
            failed = None
        except RapporteurError:
            failed = pending


async def _reload_on_signal(app: FastAPI, signals: MemoryObjectReceiveStream[None]) -> None:
    async with signals:
        async for _ in signals:
            await _reload_quietly(app, "sighup")


def _install_sighup(app: FastAPI, tg: anyio.abc.TaskGroup) -> bool:
    """Reload on SIGHUP; only possible from the main thread (uvicorn), not under a test client.

    The handler only posts to a one-slot stream (signals arriving during a reload coalesce); a task
    of the lifespan's task group does the reloads.
    """
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGHUP"):
        return False
    send, receive = anyio.create_memory_object_stream[None](1)

    def on_sighup() -> None:
        with suppress(anyio.WouldBlock, anyio.BrokenResourceError, anyio.ClosedResourceError):
            send.send_nowait(None)

    try:
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, on_sighup)
    except (RuntimeError, NotImplementedError, ValueError):
        return False
    tg.start_soon(_reload_on_signal, app, receive)
    return True


def _remove_sighup() -> None:
    with suppress(RuntimeError, NotImplementedError, ValueError):
        asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start serving at once (/healthz answers) and load the index in the background; /readyz turns
    200 when it is loaded and warmed up. With `load_in_background=False`, load first, then serve.
    With no loadable index the server stops, unless `wait_for_index` keeps it polling for one."""
    settings = app.state.settings
    app.state.engine_limiter = anyio.CapacityLimiter(settings.engine_concurrency)
    app.state.thread_budget = ThreadBudget(settings.solo_threads)
    if not settings.load_in_background:
        await _first_load(app)
    async with anyio.create_task_group() as tg:
        if settings.load_in_background:
            tg.start_soon(_first_load, app)
        sighup = settings.handle_sighup and _install_sighup(app, tg)
        if settings.reload_poll_s > 0:
            tg.start_soon(_poll, app, settings.reload_poll_s)
        try:
            yield
        finally:
            if sighup:
                _remove_sighup()
            await app.state.corpus_jobs.close()
            tg.cancel_scope.cancel()
