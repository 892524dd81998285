"""Shared fixtures: a tiny real corpus built with the hashing embedder, and the real corpus index."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from tiny_corpus import write_tiny_corpus

from indexer.build import build_index
from rapporteur.embedders.hashing import HashingEmbedder

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    return write_tiny_corpus(tmp_path / "corpus")


@pytest.fixture(scope="session")
def tiny_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bundle of the tiny corpus, built once with the hashing embedder."""
    base = tmp_path_factory.mktemp("tiny")
    corpus = write_tiny_corpus(base / "corpus")
    build_index(corpus, base / "index", HashingEmbedder())
    return base / "index"


@pytest.fixture(scope="session")
def corpus_index() -> Path:
    """The real corpus indexed with the default embedder (built once, then reused incrementally)."""
    from rapporteur.embedders import DEFAULT_EMBEDDER, create_embedder

    index = Path(os.environ.get("RAPPORTEUR_TEST_INDEX", ROOT / "index"))
    build_index(CORPUS, index, create_embedder(DEFAULT_EMBEDDER))
    return index


@pytest.fixture(scope="session")
def local_ray():
    """A local Ray with 2 CPUs for the tests of the Ray build and replicas (skipped without the [ray] extra)."""
    pytest.importorskip("ray", reason="the [ray] extra is not installed: pip install 'rapporteur[ray]'")
    from indexer.ray_execution import ray_cluster

    with ray_cluster(num_cpus=2) as ray:
        yield ray


@pytest.fixture
def copy_dir(tmp_path: Path):
    def _copy(src: Path, name: str) -> Path:
        dst = tmp_path / name
        shutil.copytree(src, dst)
        return dst

    return _copy
