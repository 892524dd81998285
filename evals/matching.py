"""Does a passage contain an evidence string? Tolerant of re-chunking and typography."""

from __future__ import annotations

from indexer.cleaning import normalize_text
from rapporteur.text.analyzer import fold, words

MIN_COVERAGE = 0.6


def _words(text: str) -> list[str]:
    return [fold(w) for w in words(text)]


def evidence_coverage(evidence: str, passage: str) -> float:
    """Share of the evidence's word trigrams (words, if shorter) found in the passage."""
    ev = _words(evidence)
    if not ev:
        return 0.0
    pw = _words(passage)
    if len(ev) < 3:
        return sum(w in set(pw) for w in ev) / len(ev)
    grams = [tuple(ev[i : i + 3]) for i in range(len(ev) - 2)]
    passage_grams = {tuple(pw[i : i + 3]) for i in range(len(pw) - 2)}
    return sum(g in passage_grams for g in grams) / len(grams)


def matched_evidence(evidence: tuple[str, ...], passage: str) -> set[int]:
    """Indices of the evidence strings that the passage contains (mostly)."""
    return {i for i, ev in enumerate(evidence) if evidence_coverage(ev, passage) >= MIN_COVERAGE}


def _plain(text: str) -> str:
    return " ".join(normalize_text(text).split()).casefold()


def holds_answer(answer: str, text: str | None) -> bool:
    """Whether `text` holds the short answer `answer` (PIAF's answer spans), both read as the
    indexer normalises text (apostrophes, spaces), whatever their case."""
    return text is not None and bool(answer.strip()) and _plain(answer) in _plain(text)
