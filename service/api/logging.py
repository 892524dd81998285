"""Structured logs: one JSON object per line on stderr, with floods of the same message cut short."""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has; anything else passed with `extra=` becomes a JSON field.
_RESERVED = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """Formats a record as a JSON line with its `extra` fields."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


class FloodFilter(logging.Filter):
    """Lets through `burst` records of one kind (logger, message template, exception type) per
    `window_s` seconds; the rest are dropped and counted in a line when the window ends.

    With its file limit reached, asyncio logs a traceback for every failed accept(): 168,000 of them
    (88 MB) in 17 seconds were seen. Access logs have their own template per route and status, so a
    normal rate of requests is never cut.
    """

    def __init__(self, burst: int = 20, window_s: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.burst = burst
        self.window_s = window_s
        self.clock = clock
        self._counts: dict[tuple[str, str, str], tuple[float, int]] = {}
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True  # access lines and information are not floods
        exc_type = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else ""
        key = (record.name, str(record.msg), exc_type)
        now = self.clock()
        with self._lock:
            started, seen = self._counts.get(key, (now, 0))
            if now - started >= self.window_s:
                if seen > self.burst:
                    record.suppressed_before = seen - self.burst  # reported on the first line let through
                started, seen = now, 0
            self._counts[key] = (started, seen + 1)
            if len(self._counts) > 10_000:
                self._counts.clear()
        return seen < self.burst


def configure_logging(level: str = "INFO") -> None:
    """Route the root, uvicorn and library loggers through one JSON handler on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(FloodFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # its lines carry the raw query string
