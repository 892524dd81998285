"""Run the questions against a backend and collect outcomes per mode."""

from __future__ import annotations

from dataclasses import dataclass

from evals.backends import Backend, Response
from evals.dataset import Question
from evals.matching import matched_evidence
from evals.metrics import Outcome

K = 10


@dataclass(frozen=True)
class QuestionRun:
    question: Question
    outcome: Outcome
    response: Response

    @property
    def candidate_correct(self) -> bool:
        """The chosen sentence, shown or not, holds the evidence (what the confidence is fitted on)."""
        return answer_holds_evidence(self.question, self.response.candidate)


def answer_holds_evidence(question: Question, answer: str | None) -> bool:
    """True when `answer` holds most of one evidence string of an answerable question."""
    return question.answerable and bool(answer) and bool(matched_evidence(question.evidence, answer or ""))


def judge(question: Question, response: Response, answered: bool, answer: str | None) -> Outcome:
    first: int | None = None
    seen: set[int] = set()
    gains: list[int] = []
    for rank, passage in enumerate(response.passages[:K], start=1):
        found = set()
        if question.answerable and passage.document_id == question.document_id:
            found = matched_evidence(question.evidence, passage.text)
        new = found - seen
        gains.append(1 if new else 0)
        seen |= found
        if found and first is None:
            first = rank
    return Outcome(
        question.id,
        question.type,
        question.answerable,
        first,
        tuple(gains),
        len(question.evidence),
        answered,
        answer_holds_evidence(question, answer),
        response.latency_ms,
        question.kind,
        response.no_answer_reason,
        response.confidence,
    )


def run_questions(backend: Backend, questions: list[Question], mode: str) -> list[QuestionRun]:
    """One search per question; in hybrid mode the `ask` call gives both passages and answer."""
    runs = []
    for q in questions:
        if mode == "hybrid":
            response = backend.ask(q.question, K)
            outcome = judge(q, response, response.answer is not None, response.answer)
        else:
            response = backend.search(q.question, K, mode)
            outcome = judge(q, response, False, None)
        runs.append(QuestionRun(q, outcome, response))
    return runs
