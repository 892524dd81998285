"""The bundle in service and its atomic replacement (admin reload, SIGHUP, CURRENT polling).

`BundleSlot` holds the `LoadedBundle` in service. Requests take it when they start and use it to the
end, so a reload never mixes two bundles in one response: requests in flight finish on the old
one, which is garbage collected once the last of them is done.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from rapporteur.bundle.store import Bundle, Verification, resolve_bundle
from rapporteur.errors import RapporteurError
from service.search.documents import DocumentCatalog
from service.search.engine import SearchEngine
from service.search.suggest import Suggester
from service.search.threads import limit_threads

log = logging.getLogger(__name__)


@dataclass(eq=False)
class LoadedBundle:
    """One loaded bundle with everything derived from it; read-only once published."""

    engine: SearchEngine
    suggester: Suggester
    documents: DocumentCatalog
    loaded_at: datetime
    load_seconds: float
    size_bytes: int

    @property
    def bundle(self) -> Bundle:
        return self.engine.bundle

    @property
    def build_id(self) -> str:
        return self.engine.bundle.build_id


@dataclass(frozen=True)
class ReloadOutcome:
    """What a reload did."""

    status: Literal["reloaded", "unchanged"]
    build_id: str
    previous_build_id: str | None
    seconds: float


def bundle_size(path: Path) -> int:
    """Bytes on disk of the files of a bundle."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def warm_up(engine: SearchEngine, query: str) -> None:
    """Run one query of each kind so that lazy initialisation happens before traffic arrives."""
    engine.search(query, k=3, mode="lexical")
    engine.ask(query, k=3)


class BundleSlot:
    """Holds the bundle in service; `reload` loads a new one off to the side, then swaps it in."""

    def __init__(
        self,
        index_dir: Path,
        verify: Verification = "sampled",
        warmup_query: str = "aide à domicile",
        on_swap: Callable[[LoadedBundle], None] | None = None,
        query_cache: int = 0,
    ) -> None:
        self.index_dir = index_dir
        self.query_cache = query_cache
        self.verify = verify
        self.warmup_query = warmup_query
        self._on_swap = on_swap
        self._current: LoadedBundle | None = None
        self._reload_lock = threading.Lock()
        self.last_error: str | None = None

    @property
    def current(self) -> LoadedBundle | None:
        """The bundle in service (a plain attribute read: atomic)."""
        return self._current

    @property
    def ready(self) -> bool:
        return self._current is not None

    def pending_build_id(self) -> str | None:
        """Build id CURRENT points at on disk, or None when it cannot be read."""
        try:
            return resolve_bundle(self.index_dir).name
        except (RapporteurError, OSError):
            return None

    def _build(self) -> LoadedBundle:
        started = time.perf_counter()
        limit_threads(1)
        current = self._current  # embedders are stateless and thread-safe: shared across bundles
        engine = SearchEngine.from_path(
            self.index_dir,
            verify=self.verify,
            query_cache=self.query_cache,
            reuse=current.engine.embedder if current is not None else None,
        )
        bundle = engine.bundle
        suggester = Suggester.from_bundle(bundle)
        warm_up(engine, self.warmup_query)
        return LoadedBundle(
            engine,
            suggester,
            DocumentCatalog(bundle),
            datetime.now(UTC),
            time.perf_counter() - started,
            bundle_size(bundle.path),
        )

    def reload(self, force: bool = False) -> ReloadOutcome:
        """Load the bundle CURRENT names and swap it in; raises RapporteurError and keeps the old one.

        Blocking (run it in a worker thread); concurrent calls are serialised.
        """
        with self._reload_lock:
            started = time.perf_counter()
            previous = self._current
            previous_id = previous.build_id if previous else None
            if not force and previous is not None and self.pending_build_id() == previous_id:
                return ReloadOutcome("unchanged", previous_id, previous_id, time.perf_counter() - started)
            try:
                loaded = self._build()
            except RapporteurError as exc:
                self.last_error = str(exc)
                log.error("index load refused: %s", exc, extra={"event": "reload_refused"})
                raise
            except Exception as exc:  # a corrupt bundle can surface as any error from a library
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.exception("index load failed", extra={"event": "reload_failed"})
                raise RapporteurError(
                    f"cannot load the index: {self.last_error}", public=f"cannot load the index ({type(exc).__name__})"
                ) from exc
            self._current = loaded
            self.last_error = None
            if self._on_swap is not None:
                self._on_swap(loaded)
            log.info(
                "index %s in service (%.1f s)",
                loaded.build_id,
                loaded.load_seconds,
                extra={"event": "index_loaded", "build_id": loaded.build_id, "previous": previous_id},
            )
            return ReloadOutcome("reloaded", loaded.build_id, previous_id, time.perf_counter() - started)
