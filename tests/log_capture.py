"""Warnings the indexer logs, collected by a handler on its own logger (as a build's log or an admin
job's progress receives them), for tests that count them."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def indexer_warnings() -> Iterator[list[str]]:
    """The messages of the warnings logged under `indexer` inside the block."""
    collect = _Collect()
    logger = logging.getLogger("indexer")
    logger.addHandler(collect)
    try:
        yield collect.messages
    finally:
        logger.removeHandler(collect)
