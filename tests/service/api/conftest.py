"""Fixtures of the HTTP API tests (helpers live in apitools.py)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from apitools import api_settings, running
from fastapi.testclient import TestClient


@pytest.fixture(autouse=True)
def _no_rapporteur_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("RAPPORTEUR_") and name != "RAPPORTEUR_TEST_INDEX":
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def client(tiny_index: Path) -> Iterator[TestClient]:
    """One app over the tiny index for the whole session (read-only tests only)."""
    with running(api_settings(tiny_index)) as c:
        yield c


@pytest.fixture
def make_client(tiny_index: Path) -> Callable[..., object]:
    """`with make_client(**settings) as client:` an app of its own over the tiny index."""

    def make(index_dir: Path | None = None, ready: bool = True, **overrides: object):
        return running(api_settings(index_dir or tiny_index, **overrides), ready=ready)

    return make
