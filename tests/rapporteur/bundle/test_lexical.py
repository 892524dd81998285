"""BM25 postings written while streaming, read memory-mapped: the scores bm25s computes."""

from __future__ import annotations

from pathlib import Path

import bm25s
import numpy as np
import pytest

from rapporteur.bundle.lexical import LexicalIndex, LexicalIndexWriter, top_ids
from rapporteur.text.analyzer import analyze

PASSAGES = [
    "la sécurité routière et la sécurité des collèges",
    "aide aux personnes âgées à domicile",
    "",
    "les personnes handicapées et les personnes âgées : aide sociale",
    "collèges numériques",
]


def _index(tmp_path: Path, passages: list[str]) -> LexicalIndex:
    writer = LexicalIndexWriter(tmp_path / "lexical")
    for passage in passages:
        writer.add(analyze(passage))
    writer.finish(block=3)  # several blocks, as on a large corpus
    assert not (tmp_path / "lexical" / ".postings.tmp").exists()
    return LexicalIndex.load(tmp_path / "lexical")


def test_scores_are_those_of_bm25s_lucene(tmp_path: Path) -> None:
    index = _index(tmp_path, PASSAGES)
    reference = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
    reference.index([analyze(p) or ["\u2205"] for p in PASSAGES], show_progress=False)
    for query in ("personnes âgées", "sécurité sécurité collèges", "aide", "inconnu du corpus"):
        terms = analyze(query)
        known = [t for t in terms if t in reference.vocab_dict]
        expected = np.asarray(reference.get_scores(known), np.float32) if known else np.zeros(len(PASSAGES))
        assert np.allclose(index.scores(terms), expected, atol=1e-5), query
    assert index.size == len(PASSAGES) and index.check() is None
    assert index.document_frequency(analyze("personnes")[0]) == 2


def test_weighted_accumulation_and_idf(tmp_path: Path) -> None:
    index = _index(tmp_path, PASSAGES)
    out = np.zeros(index.size)
    index.accumulate(out, analyze("collèges"), weight=0.5)
    assert np.allclose(out, 0.5 * index.scores(analyze("collèges")))
    idf = index.idf()
    assert idf[analyze("numériques")[0]] > idf[analyze("collèges")[0]] > 0


@pytest.mark.parametrize("n", [1, 7, 199, 200, 201, 5_000, 300_001])
def test_top_ids_is_a_stable_top_k(n: int) -> None:
    rng = np.random.default_rng(n)
    scores = np.round(rng.random(n), 2)
    scores[rng.random(n) < 0.8] = 0.0  # many ties
    for k in (1, 10, 200):
        expected = np.sort(np.argsort(-scores, kind="stable")[:k])
        assert np.array_equal(top_ids(scores, k), expected)


def test_top_ids_when_fewer_than_k_scores_are_positive() -> None:
    rng = np.random.default_rng(0)
    scores = np.zeros(300_000, dtype=np.float32)
    scores[rng.choice(300_000, size=50, replace=False)] = rng.random(50).astype(np.float32) + 0.1
    for k in (10, 50, 200):
        expected = np.sort(np.argsort(-scores, kind="stable")[:k])
        assert np.array_equal(top_ids(scores, k), expected)
