"""Quality gate: retrieval on the held-out test split must not fall below what was measured.

Measured on 2026-11-23 (evals/report.md, e5-small-q4): hybrid hit@5 0.862, MRR@10 0.740,
hit@10 0.897, lexical hit@5 0.793, dense hit@5 0.707; answer rate 0.948 and abstention recall
0.556 with the confidence fitted on the 153 dev questions. The floors below are those figures
minus a small margin (about one question of the split).
"""

from pathlib import Path

import pytest

from evals.backends import InProcessBackend
from evals.cli import evaluate

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def results(corpus_index: Path) -> dict:
    metrics, _ = evaluate(InProcessBackend(corpus_index), "test", ("lexical", "dense", "hybrid"))
    return {mode: data["overall"] for mode, data in metrics.items()}


def test_hybrid_ranking_holds(results: dict):
    hybrid = results["hybrid"]
    assert hybrid["hit@5"] >= 0.84
    assert hybrid["mrr@10"] >= 0.72
    assert hybrid["hit@10"] >= 0.87


def test_hybrid_beats_each_retriever_alone(results: dict):
    for mode in ("lexical", "dense"):
        assert results["hybrid"]["hit@5"] > results[mode]["hit@5"]
        assert results["hybrid"]["mrr@10"] > results[mode]["mrr@10"]


def test_answers_and_abstention_hold(results: dict):
    hybrid = results["hybrid"]
    assert hybrid["answer_rate"] >= 0.93
    assert hybrid["abstention_recall"] >= 0.44
