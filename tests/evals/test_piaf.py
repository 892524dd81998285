"""PIAF held-out scoring: the corpus written from the held-out part, the outcomes judged per question."""

from pathlib import Path

import numpy as np

from evals.piaf import PiafQuestion, bootstrap_difference, judge, summarize, write_corpus
from training.data import piaf_paragraphs, piaf_part


def test_the_corpus_holds_only_held_out_articles(tmp_path: Path):
    questions = write_corpus(tmp_path)
    files = sorted(p.name for p in tmp_path.glob("*.md"))
    titles = {p.article for p in piaf_paragraphs("heldout")}
    assert len(files) == len(titles) > 20 and all(piaf_part(t) == "heldout" for t in titles)
    assert len(questions) > 400 and (tmp_path / "manifest.toml").read_text().count("[documents.") == len(files)
    trained = {q for p in piaf_paragraphs("train") for q, _, _ in p.questions}
    assert not trained & {q.question for q in questions}


def _body(texts: list[str], answer: str | None = None, best: tuple[int, int] | None = None) -> dict:
    passages = [{"text": t, "citation": {"document_id": "doc"}, "best_sentence": None} for t in texts]
    if best is not None:
        passages[0]["best_sentence"] = list(best)
    return {"passages": passages, "answer": {"text": answer} if answer else None}


def test_outcomes_and_baselines_are_judged_on_the_same_passages():
    q = PiafQuestion("En quelle année le lavoir a-t-il été classé par la commission ?", "1987", "doc")
    text = "Le lavoir communal est un bâtiment ancien du village. Il a été classé en 1987 par la commission."
    shown = judge(q, _body([text], answer="Il a été classé en 1987 par la commission."))
    assert shown == {
        "hit@5": True,
        "selection": True,
        "answered": True,
        "answer_right": True,
        "first_sentence": False,
        "word_overlap": True,
    }
    silent = judge(q, _body([text], best=(0, 52)))
    assert silent["selection"] is False and silent["answered"] is False and silent["answer_right"] is False


def test_the_margin_comes_with_a_bootstrap_interval():
    a = np.array([1, 1, 1, 0] * 50, dtype=bool)
    b = np.array([1, 0, 0, 0] * 50, dtype=bool)
    mean, low, high = bootstrap_difference(a, b)
    assert mean == 0.5 and low < 0.5 < high and low > 0.35
    result = summarize(
        {
            "old": [
                {
                    "hit@5": True,
                    "selection": bool(x),
                    "answered": False,
                    "answer_right": False,
                    "first_sentence": False,
                    "word_overlap": bool(x),
                }
                for x in b
            ],
            "new": [
                {
                    "hit@5": True,
                    "selection": bool(x),
                    "answered": True,
                    "answer_right": bool(x),
                    "first_sentence": False,
                    "word_overlap": False,
                }
                for x in a
            ],
        },
        3,
    )
    assert result["systems"]["new"]["selection"] == 0.75 and result["systems"]["old"]["answer_precision"] is None
    assert result["margins"]["new selection - old selection"][0] == 0.5
