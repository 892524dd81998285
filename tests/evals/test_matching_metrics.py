import difflib

from evals.dataset import TRAINING_PATH, TYPES, UNANSWERABLE_KINDS, load_questions
from evals.matching import evidence_coverage, holds_answer, matched_evidence
from evals.metrics import Outcome, abstention_by_kind, ndcg, summarize
from rapporteur.text.analyzer import fold


def test_evidence_survives_typography_and_rechunking():
    evidence = "Le Département a choisi de faire appel au CEREMA pour définir sa stratégie."
    passage = "… collectivité. Le Département a choisi de faire appel au CEREMA pour définir sa"
    assert evidence_coverage(evidence, passage) >= 0.6
    assert evidence_coverage(evidence.replace("'", "’"), passage) >= 0.6
    assert evidence_coverage(evidence, "Le Département agit pour les routes.") < 0.2
    assert matched_evidence((evidence, "Autre chose entièrement différente ici"), passage) == {0}


def _outcome(rank, answerable=True, answered=True, qtype="factoid", correct=None, kind=None, reason=None):
    gains = tuple(1 if rank == i else 0 for i in range(1, 11)) if rank else (0,) * 10
    right = answered and answerable if correct is None else correct
    return Outcome("q", qtype, answerable, rank, gains, 1, answered, right, 10.0, kind, reason)


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


def test_answer_metrics():
    outcomes = [
        _outcome(1, answered=True, correct=True),
        _outcome(1, answered=True, correct=False),
        _outcome(2, answered=False),
        _outcome(None, answered=False),
        _outcome(None, answerable=False, answered=True, qtype="unanswerable", kind="near_miss"),
        _outcome(None, answerable=False, answered=False, qtype="unanswerable", kind="chitchat", reason="no_question"),
    ]
    m = summarize(outcomes)
    assert m["answer_rate"] == 0.5  # 2 of the 4 answerable questions got an answer line
    assert m["answer_precision"] == 0.5  # 1 of those 2 is right
    assert m["answer_accuracy"] == 0.25
    assert m["abstention_recall"] == 0.5
    by_kind = abstention_by_kind(outcomes)
    assert by_kind["near_miss"]["abstention_recall"] == 0.0
    assert by_kind["chitchat"] == {"questions": 1.0, "abstained": 1.0, "no_question": 1.0, "abstention_recall": 1.0}


def test_question_set_is_well_formed():
    questions = load_questions()
    assert len(questions) >= 120
    assert {q.type for q in questions} == set(TYPES)
    assert {q.split for q in questions} == {"dev", "test"}
    assert len({q.id for q in questions}) == len(questions)
    for q in questions:
        assert q.answerable == bool(q.evidence) == (q.document_id is not None)
        assert (q.kind in UNANSWERABLE_KINDS) == (not q.answerable)
    for split, floor in (("dev", 60), ("test", 25)):
        unanswerable = [q for q in questions if q.split == split and not q.answerable]
        assert len(unanswerable) >= floor
        assert {q.kind for q in unanswerable} == set(UNANSWERABLE_KINDS)


def test_training_questions_stay_clear_of_the_test_split():
    """The confidence is fitted on them: none may share an evidence passage or its wording with test."""
    training = load_questions(TRAINING_PATH)
    assert len(training) >= 150 and all(q.split == "train" and q.answerable for q in training)
    test = [q for q in load_questions(split="test")]
    test_evidence = [e for q in test for e in q.evidence]
    for q in training:
        for evidence in q.evidence:
            assert all(evidence_coverage(e, evidence) < 0.3 for e in test_evidence), q.id
        assert all(difflib.SequenceMatcher(None, fold(q.question), fold(t.question)).ratio() <= 0.6 for t in test), q.id


def test_a_short_answer_is_found_as_the_indexer_normalised_the_text():
    indexed = "Il consomme quatre litres d'essence aux angles et un fossé."
    assert holds_answer("quatre litres d’essence", indexed)  # typographic apostrophe in the answer
    assert holds_answer("aux angles  et un fossé", indexed)  # double space in the answer
    assert holds_answer("QUATRE LITRES", indexed)
    assert not holds_answer("cinq litres", indexed)
    assert not holds_answer("", indexed)
    assert not holds_answer("quatre", None)
