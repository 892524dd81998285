"""The retrievers (service/search/retrievers.py) on the tiny bundle: BM25 with its expansions, the
lexical top among allowed passages, sentence similarities, and the exhaustive scores of the evals."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from rapporteur.embedders.hashing import HashingEmbedder
from rapporteur.parameters import RANKING
from service.search.engine import SearchEngine
from service.search.retrievers import full_scores, lexical_scores, lexical_top, sentence_scores


@pytest.fixture(scope="module")
def engine(tiny_index: Path) -> SearchEngine:
    return SearchEngine.from_path(tiny_index, embedder=HashingEmbedder())


def test_lexical_scores_add_a_share_of_the_expansions(engine: SearchEngine) -> None:
    bundle, plan = engine.bundle, engine.plan("les pompiers")
    assert plan.terms == ["pompi"] and "sdis" in plan.expansions
    scores = lexical_scores(bundle, plan, RANKING)
    expected = bundle.lexical.scores(plan.terms) + RANKING.expansion_weight * bundle.lexical.scores(plan.expansions)
    assert np.allclose(scores, expected)
    sdis = [i for i in range(len(bundle.chunks)) if "SDIS" in bundle.chunk_text(i)]
    assert sdis and all(scores[i] > 0 for i in sdis)  # « pompiers » is in no passage: the bridge finds it
    assert not lexical_scores(bundle, plan, dataclasses.replace(RANKING, expansion_weight=0.0)).any()


def test_lexical_top_picks_the_best_allowed_passages_by_id() -> None:
    scores = np.array([0.5, 3.0, 1.0, 3.0, 2.0, 0.0])
    assert lexical_top(scores, 2, None).tolist() == [1, 3]
    assert lexical_top(scores, 3, None).tolist() == [1, 3, 4]
    allowed = np.array([True, True, True, False, True, True])
    assert lexical_top(scores, 2, allowed).tolist() == [1, 4]
    assert lexical_top(scores, 10, allowed).tolist() == [0, 1, 2, 4, 5]
    assert lexical_top(scores, 2, np.zeros(6, dtype=bool)).tolist() == []


def test_sentence_scores_are_each_candidates_best_sentence(engine: SearchEngine) -> None:
    bundle = engine.bundle
    query = engine.query_vector(engine.plan("combien de caméras de vidéoprotection"))
    candidates = np.array([0, 2])
    best, every = sentence_scores(bundle, candidates, query)
    for position, chunk in enumerate(candidates):
        ids = bundle.sentences_of(int(chunk))
        sims = [float(np.dot(bundle.sentence_vectors[s], query)) for s in ids]
        assert best[position] == pytest.approx(max(sims), abs=1e-6)
    assert sorted(every.lookup()) == sorted(int(s) for c in candidates for s in bundle.sentences_of(int(c)))
    cameras = next(s for s in every.lookup() if "42" in bundle.sentence_text(s))
    assert every.lookup()[cameras] == pytest.approx(max(every.sims), abs=1e-6)  # the sentence that answers
    nothing, none = sentence_scores(bundle, np.zeros(0, np.int64), query)
    assert len(nothing) == 0 and none.lookup() == {}


def test_full_scores_cover_every_passage_and_agree_with_the_candidates(engine: SearchEngine) -> None:
    bundle, plan = engine.bundle, engine.plan("aide aux personnes âgées")
    query = engine.query_vector(plan)
    every = full_scores(bundle, plan, query, RANKING)
    assert {name: len(scores) for name, scores in every.items()} == dict.fromkeys(
        ("lexical", "dense", "sentence"), len(bundle.chunks)
    )
    signals = engine.signals(plan, "hybrid")
    assert np.allclose(every["lexical"][signals.candidates], signals.lexical)
    assert np.allclose(every["dense"][signals.candidates], signals.dense)
    assert np.allclose(every["sentence"][signals.candidates], signals.sentence)
    elderly = next(i for i in range(len(bundle.chunks)) if "personnes âgées" in bundle.chunk_text(i))
    assert int(np.argmax(every["lexical"])) == elderly
