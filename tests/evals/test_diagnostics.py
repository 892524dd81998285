from pathlib import Path

import numpy as np
import pytest

from evals import diagnostics
from evals.backends import InProcessBackend
from evals.cli import main
from evals.dataset import load_questions
from evals.metrics import summarize
from evals.runner import run_questions

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def backend(corpus_index: Path) -> InProcessBackend:
    return InProcessBackend(corpus_index)


def test_first_rank_is_one_based_and_takes_the_best_gold():
    scores = np.array([0.1, 0.9, 0.5, 0.7])
    assert diagnostics._first_rank(scores, np.array([2, 0])) == 3
    assert diagnostics._first_rank(scores, np.array([1])) == 1
    assert diagnostics._first_rank(scores, np.array([], dtype=np.int64)) is None


def test_fused_column_agrees_with_the_evaluation_run(backend: InProcessBackend):
    questions = [q for q in load_questions(split="dev") if q.answerable][:25]
    found = diagnostics.diagnose(backend.engine, questions)
    runs = run_questions(backend, questions, "hybrid")
    rates = diagnostics.hit_rates(found)
    expected = summarize([r.outcome for r in runs])
    for k in (1, 5, 10):
        assert rates["fused"][k] == pytest.approx(expected[f"hit@{k}"])
    for d in found:
        present = [d.ranks[s] for s in diagnostics.SIGNALS if d.ranks[s] is not None]
        assert d.ranks["oracle"] == (min(present) if present else None)
    for k in diagnostics.CUTOFFS:
        assert rates["oracle"][k] >= max(rates[s][k] for s in diagnostics.SIGNALS)
    assert "fusion losses" in diagnostics.render(found)


def test_cli_diagnose_reports_a_missing_index(tmp_path: Path, capsys):
    assert main(["diagnose", "--index", str(tmp_path / "nowhere")]) == 1
    assert "error" in capsys.readouterr().err
