"""The training set: every source's pairs, with hard negatives mined by the base model and BM25."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

from evals.dataset import QUESTIONS_PATH
from evals.matching import evidence_coverage, holds_answer
from rapporteur.bundle.store import Bundle
from rapporteur.embedders.base import Embedder
from training.data import (
    Example,
    Paragraph,
    fiche_examples,
    heading_examples,
    passage_without_heading,
    piaf_examples,
    piaf_paragraphs,
    project_examples,
)
from training.mining import mine

log = logging.getLogger(__name__)
TRAINING_QUESTIONS = QUESTIONS_PATH.with_name("training_questions.jsonl")
SOURCES = ("piaf", "fiches", "questions", "headings")


def training_examples(
    bundle: Bundle,
    fiches_dir: Path | None,
    embedder: Embedder,
    sources: tuple[str, ...] = SOURCES,
    negatives: int = 8,
) -> list[Example]:
    """The pairs of `sources`, each with up to `negatives` mined hard negatives."""
    examples: list[Example] = []
    piaf = piaf_paragraphs("train")
    if "piaf" in sources:
        examples += piaf_examples(piaf)
    if "fiches" in sources and fiches_dir is not None:
        examples += fiche_examples(fiches_dir)
    if "questions" in sources:
        examples += project_examples(bundle, TRAINING_QUESTIONS)
    if "headings" in sources:
        examples += heading_examples(bundle)
    log.info("pairs: %s", dict(Counter(f"{e.source}/{e.task}" for e in examples)))
    # Every sentence of the PIAF training articles and of the corpus can be a negative, not only
    # the positives; passages likewise.
    extra = {
        ("piaf", "sentence"): [p.sentence_text(i) for p in piaf for i in range(len(p.sentences))],
        ("piaf", "passage"): [p.text for p in piaf],
        ("questions", "sentence"): [bundle.sentence_text(i) for i in range(len(bundle.sentences))],
        ("questions", "passage"): [bundle.embedded_passage(i) for i in range(len(bundle.chunks))],
        ("headings", "passage"): [passage_without_heading(bundle, i) for i in range(len(bundle.chunks))],
    }
    return mine(examples, embedder, extra, negatives, answer_checker(piaf))


def _project_evidence() -> dict[str, tuple[str, ...]]:
    from evals.dataset import load_questions

    return {q.question: tuple(q.evidence) for q in load_questions(TRAINING_QUESTIONS, split="train")}


def answer_checker(piaf: list[Paragraph]) -> Callable[[Example, str], bool]:
    """`is_right(example, text)`: whether `text` answers the example's question too (a PIAF text
    holding its answer, a corpus text holding its evidence), so that it is never a negative."""
    answers = {q: answer for p in piaf for q, _, answer in p.questions}
    evidence = _project_evidence()

    def is_right(example: Example, text: str) -> bool:
        if example.source == "piaf":
            answer = answers.get(example.query)
            return answer is not None and holds_answer(answer, text)
        if example.source == "questions":
            return any(evidence_coverage(ev, text) >= 0.6 for ev in evidence.get(example.query, ()))
        return False

    return is_right


def sentence_siblings(piaf: list[Paragraph], bundle: Bundle) -> dict[str, tuple[str, ...]]:
    """For every sentence of the PIAF training paragraphs and of the corpus's passages, the other
    sentences of its paragraph or passage(s): the texts the answer line chooses among."""
    siblings: dict[str, dict[str, None]] = defaultdict(dict)

    def add(texts: list[str]) -> None:
        for text in texts:
            siblings[text].update(dict.fromkeys(t for t in texts if t != text))

    for paragraph in piaf:
        add([paragraph.sentence_text(i) for i in range(len(paragraph.sentences))])
    for chunk in range(len(bundle.chunks)):
        add([bundle.sentence_text(int(s)) for s in bundle.sentences_of(chunk)])
    return {text: tuple(others) for text, others in siblings.items()}
