"""Thread caps of the libraries a search uses, set once per process by whoever serves searches, and
the threads one search may use for its query embedding."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import faiss
from threadpoolctl import threadpool_limits

_lock = threading.Lock()
_done = False


def limit_threads(n: int = 1) -> None:
    """Cap FAISS's OpenMP threads and numpy's BLAS threads for query-time work (once per process).

    Query-time products are small; a multi-threaded BLAS only fights the embedding engine's own
    threads for the cores (measured: hybrid search p50 81 ms with it, 46 ms without, 2 cores).
    """
    global _done
    with _lock:
        if not _done:
            faiss.omp_set_num_threads(n)
            threadpool_limits(n, user_api="blas")
            _done = True


class ThreadBudget:
    """Threads for the next engine call: all of `solo` when it is the only one in flight, one when
    others are. A call keeps what it got until it ends, so a second call arriving during a solo
    one briefly oversubscribes the cores (solo + 1 threads): cheaper than waiting for it."""

    def __init__(self, solo: int) -> None:
        self.solo = max(1, solo)
        self._in_flight = 0
        self._lock = threading.Lock()

    @contextmanager
    def claim(self) -> Iterator[int]:
        with self._lock:
            self._in_flight += 1
            threads = self.solo if self._in_flight == 1 else 1
        try:
            yield threads
        finally:
            with self._lock:
                self._in_flight -= 1
