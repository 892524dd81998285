from evals.dataset import TYPES, load_questions
from evals.matching import evidence_coverage, matched_evidence
from evals.metrics import Outcome, ndcg, summarize


def test_evidence_survives_typography_and_rechunking():
    evidence = "Le Département a choisi de faire appel au CEREMA pour définir sa stratégie."
    passage = "… collectivité. Le Département a choisi de faire appel au CEREMA pour définir sa"
    assert evidence_coverage(evidence, passage) >= 0.6
    assert evidence_coverage(evidence.replace("'", "’"), passage) >= 0.6
    assert evidence_coverage(evidence, "Le Département agit pour les routes.") < 0.2
    assert matched_evidence((evidence, "Autre chose entièrement différente ici"), passage) == {0}


def _outcome(rank, answerable=True, answered=True, qtype="factoid"):
    gains = tuple(1 if rank == i else 0 for i in range(1, 11)) if rank else (0,) * 10
    return Outcome("q", qtype, answerable, rank, gains, 1, answered, answered and answerable, 10.0)


def test_summary_metrics():
    outcomes = [
        _outcome(1),
        _outcome(3),
        _outcome(None, answered=False),
        _outcome(None, answerable=False, answered=False, qtype="unanswerable"),
    ]
    m = summarize(outcomes)
    assert m["hit@1"] == 1 / 3 and m["hit@3"] == 2 / 3 and m["hit@10"] == 2 / 3
    assert abs(m["mrr@10"] - (1 + 1 / 3) / 3) < 1e-9
    assert m["abstention_recall"] == 1.0
    assert m["abstention_precision"] == 0.5  # the unanswered answerable one counts against it
    assert ndcg((1,) + (0,) * 9, 1) == 1.0


def test_question_set_is_well_formed():
    questions = load_questions()
    assert len(questions) >= 120
    assert {q.type for q in questions} == set(TYPES)
    assert {q.split for q in questions} == {"dev", "test"}
    assert len({q.id for q in questions}) == len(questions)
    for q in questions:
        assert q.answerable == bool(q.evidence) == (q.document_id is not None)
