"""Passage vectors searched exactly on small bundles, through an approximate index on large ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rapporteur.bundle.dense import ANN, VECTORS, DenseIndex
from rapporteur.embedders.base import normalize_rows


def _vectors(n: int, dim: int = 16, seed: int = 0) -> np.ndarray:
    return normalize_rows(np.random.default_rng(seed).normal(size=(n, dim)))


def _bundle_dir(tmp_path: Path, vectors: np.ndarray, ann: bool) -> Path:
    np.save(tmp_path / VECTORS, vectors)
    if ann:
        DenseIndex.build_ann(np.load(tmp_path / VECTORS, mmap_mode="r"), tmp_path / ANN, batch=100)
    return tmp_path


def test_exact_search_on_small_bundles(tmp_path: Path) -> None:
    vectors = _vectors(50)
    index = DenseIndex.load(_bundle_dir(tmp_path, vectors, ann=False))
    assert index.kind == "exact" and index.size == 50
    ids, scores = index.search(vectors[7], k=3)
    assert 7 in ids and abs(scores[list(ids).index(7)] - 1.0) < 1e-5
    ids, _ = index.search(vectors[7], k=3, allowed=np.arange(20, 50))
    assert len(ids) == 3 and all(20 <= i < 50 for i in ids)


def test_approximate_index_with_exact_scores_and_filters(tmp_path: Path, monkeypatch) -> None:
    from dataclasses import replace

    from rapporteur.bundle import dense

    monkeypatch.setattr(dense, "DENSE", replace(dense.DENSE, exact_max_filtered=100))  # 1,000 allowed: the index
    vectors = _vectors(2000)
    index = DenseIndex.load(_bundle_dir(tmp_path, vectors, ann=True))
    assert index.ann is not None
    ids, scores = index.search(vectors[42], k=5)
    assert 42 in ids
    assert np.allclose(scores, vectors[ids] @ vectors[42], atol=1e-5)  # exact, not approximate, scores
    allowed = np.arange(1000, 2000)
    ids, _ = index.search(vectors[42], k=5, allowed=allowed)
    assert len(ids) == 5 and all(1000 <= i < 2000 for i in ids)
    ids, _ = index.search(vectors[1500], k=5, allowed=np.array([3, 1500, 1999]))  # few allowed: exact
    assert sorted(ids.tolist()) == [3, 1500, 1999]


def test_scores_of_any_passages_in_any_order(tmp_path: Path) -> None:
    vectors = _vectors(300)
    index = DenseIndex.load(_bundle_dir(tmp_path, vectors, ann=True))
    ids = np.array([250, 3, 77, 3])
    assert np.allclose(index.scores_of(ids, vectors[3]), vectors[ids] @ vectors[3], atol=1e-5)


def test_ties_go_to_the_lower_id_and_scores_follow_the_ids_given(tmp_path: Path) -> None:
    vectors = np.repeat(_vectors(1), 300, axis=0)  # 300 identical passages
    index = DenseIndex.load(_bundle_dir(tmp_path, vectors, ann=False))
    ids, _ = index.search(vectors[0], k=10)
    assert ids.tolist() == list(range(10))
    ids, _ = index.search(vectors[0], k=3, allowed=np.array([250, 7, 7, 120]))
    assert ids.tolist() == [7, 120, 250]
    distinct = (
        DenseIndex.load(_bundle_dir(tmp_path / "d", _vectors(3), ann=False))
        if (tmp_path / "d").mkdir() is None
        else None
    )
    q = distinct.vectors[2]
    assert np.allclose(distinct.scores_of(np.array([2, 1, 0]), q), distinct.vectors[[2, 1, 0]] @ q)


def test_a_filter_whose_passages_lie_far_from_the_query_still_gets_k_results(tmp_path: Path, monkeypatch) -> None:
    from dataclasses import replace

    from rapporteur.bundle import dense

    monkeypatch.setattr(dense, "DENSE", replace(dense.DENSE, exact_max_filtered=10))
    vectors = _vectors(3000)
    index = DenseIndex.load(_bundle_dir(tmp_path, vectors, ann=True))
    index.ann.nprobe = 1
    query = vectors[0]
    far = np.argsort(vectors @ query)[:300]  # the 300 passages least like the query
    ids, scores = index.search(query, k=50, allowed=far)
    assert len(ids) == 50 and set(ids.tolist()) <= set(far.tolist())
    assert np.allclose(scores, vectors[ids] @ query, atol=1e-5)
