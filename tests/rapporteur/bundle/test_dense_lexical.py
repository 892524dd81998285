import numpy as np

from rapporteur.bundle.dense import DenseIndex
from rapporteur.bundle.lexical import LexicalIndex
from rapporteur.embedders.base import normalize_rows
from rapporteur.text.analyzer import analyze


def _vectors(n: int, dim: int = 16, seed: int = 0) -> np.ndarray:
    return normalize_rows(np.random.default_rng(seed).normal(size=(n, dim)))


def test_exact_index_for_small_corpora_and_round_trip(tmp_path):
    vectors = _vectors(50)
    index = DenseIndex.build(vectors)
    assert index.kind == "flat" and index.size == 50
    ids, scores = index.search(vectors[7], k=3)
    assert ids[0] == 7 and abs(scores[0] - 1.0) < 1e-5
    index.save(tmp_path / "dense.faiss")
    again = DenseIndex.load(tmp_path / "dense.faiss")
    assert again.search(vectors[7], k=1)[0].tolist() == [7]


def test_ann_index_above_the_threshold_with_filters():
    vectors = _vectors(400)
    index = DenseIndex.build(vectors, exact_max=100)
    assert index.kind == "hnsw"
    ids, _ = index.search(vectors[42], k=5)
    assert ids[0] == 42
    allowed = np.arange(200, 400)
    ids, _ = index.search(vectors[42], k=5, allowed=allowed)
    assert len(ids) == 5 and all(200 <= i < 400 for i in ids)


def test_lexical_scores_and_round_trip(tmp_path):
    index = LexicalIndex.build([analyze("la sécurité routière"), analyze("aide aux personnes âgées"), []])
    scores = index.scores(analyze("securite routiere"))
    assert scores[0] > 0 and scores[1] == 0 and scores[2] == 0
    assert not index.scores(["inconnu"]).any()
    index.save(tmp_path / "lexical")
    again = LexicalIndex.load(tmp_path / "lexical")
    assert np.allclose(again.scores(analyze("personnes agees")), index.scores(analyze("personnes agees")))


def test_query_time_threads_are_capped(tiny_index):
    from threadpoolctl import threadpool_info

    from service.search.threads import limit_threads

    limit_threads(1)
    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas and all(pool["num_threads"] == 1 for pool in blas)
