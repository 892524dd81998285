"""Extractive answers: the sentence of the top passages that best answers, and a confidence."""

from __future__ import annotations

import json
import logging
import math
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from indexer.analyzer import fold, tokens
from service.search.models import Answer, Hit

if TYPE_CHECKING:
    from service.search.engine import SearchEngine
    from service.search.query import QueryPlan

log = logging.getLogger(__name__)

ANSWER_PASSAGES = 3
MIN_ANSWER_CHARS = 80
FEATURES = (
    "sentence_similarity",
    "similarity_margin",
    "sentence_coverage",
    "passage_coverage",
    "answer_type_match",
    "missing_key_term",
    "place_conflict",
)

# What kind of answer a question expects (matched on folded text), and what a sentence that gives
# it contains. Order matters: "combien coute" is a price before it is a count.
_ANSWER_TYPES: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...] = (
    (
        "price",
        re.compile(r"\b(combien (?:ca |cela )?cout|prix|tarif|how much (?:does|is|do)\b.*\bcost|price|fee)"),
        re.compile(r"€|\beuros?\b|gratuit|\bfree\b"),
    ),
    (
        "hours",
        re.compile(r"\b(horaires?|heures? d'ouverture|opening hours|what time)\b"),
        re.compile(r"\b\d{1,2} ?h(?: ?\d{2})?\b|\bheures?\b|\blundi\b|\bmardi\b|\bsamedi\b"),
    ),
    ("age", re.compile(r"\b(quel age|how old|age minimum|age limite)\b"), re.compile(r"\b\d{1,3} ans\b")),
    (
        "duration",
        re.compile(r"\b(combien de temps|quel delai|how long)\b"),
        re.compile(r"\b\d+ ?(?:jours?|semaines?|mois|ans|heures?|minutes?)\b"),
    ),
    (
        "date",
        re.compile(r"\b(quand|quelle date|jusqu'a quand|a quelle date|when|what date)\b"),
        re.compile(
            r"\b(?:19|20)\d\d\b|\b(?:janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|"
            r"novembre|decembre)\b|\b\d{1,2}/\d{1,2}\b"
        ),
    ),
    ("count", re.compile(r"\b(combien|nombre de|how many)\b"), re.compile(r"\d")),
)


def expected_answer_type(question: str) -> tuple[str, re.Pattern[str]] | None:
    """The kind of answer `question` asks for (price, hours, age, duration, date, count), if any."""
    folded = fold(question)
    for name, asks, gives in _ANSWER_TYPES:
        if asks.search(folded):
            return name, gives
    return None


def answer_type_match(question: str, sentence: str) -> float:
    """1.0 when the sentence holds the kind of answer the question expects (or it expects none)."""
    expected = expected_answer_type(question)
    return 1.0 if expected is None or expected[1].search(fold(sentence)) else 0.0


@dataclass(frozen=True)
class Candidate:
    """The chosen sentence (document offsets) and the features the confidence is computed from."""

    chunk_index: int
    start: int
    end: int
    features: np.ndarray


@dataclass(frozen=True)
class Calibration:
    """Logistic model of "the reports answer this", fitted on the dev split by `python -m evals calibrate`.

    A fit holds for one embedder (similarities differ across models). Without a fit for the
    bundle's embedder, the defaults use only embedder-independent features: an answer needs the
    sentence to hold most of the query's rare terms and the kind of answer asked for.
    """

    weights: tuple[float, ...] = (0.0, 0.0, 4.0, 2.0, 2.0, -2.0, -3.0)
    bias: float = -5.0
    threshold: float = 0.5
    embedder: str | None = None
    fitted_on: dict = field(default_factory=dict)

    @property
    def calibrated(self) -> bool:
        return self.embedder is not None

    @classmethod
    def load(cls, embedder: str, path: Path | None = None) -> Calibration:
        """The fit for `embedder` from `path` (default: the packaged file), else the defaults."""
        try:
            if path is None:
                text = resources.files("service.search").joinpath("data/calibration.json").read_text()
            else:
                text = path.read_text()
            data = json.loads(text)
        except (FileNotFoundError, OSError, ValueError):
            log.warning("no answer calibration found; using the uncalibrated defaults")
            return cls()
        if data.get("embedder") != embedder:
            log.warning(
                "answer calibration was fitted for %s, not %s; using the uncalibrated defaults",
                data.get("embedder"),
                embedder,
            )
            return cls()
        if tuple(data.get("features", ())) != FEATURES or len(data.get("weights", ())) != len(FEATURES):
            log.warning("calibration file is for other features; using the defaults (run python -m evals calibrate)")
            return cls()
        return cls(
            tuple(data["weights"]), float(data["bias"]), float(data["threshold"]), embedder, data.get("fitted_on", {})
        )

    def confidence(self, features: np.ndarray) -> float:
        z = float(np.dot(self.weights, features) + self.bias)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def _coverage(terms: list[str], idf: dict[str, float], text: str) -> float:
    """IDF-weighted share of the query terms present in `text`."""
    unique = set(terms)
    if not unique:
        return 0.0
    present = {t.term for t in tokens(text)} & unique
    total = sum(idf.get(t, 0.0) for t in unique)
    return sum(idf.get(t, 0.0) for t in present) / total if total else 0.0


def _missing_key_term(terms: list[str], idf: dict[str, float], text: str) -> float:
    """Rarity (relative IDF) of the rarest query term that the passage lacks; 0 when none is missing."""
    if not terms:
        return 0.0
    present = {t.term for t in tokens(text)}
    top = max(idf.values(), default=1.0)
    missing = [idf.get(t, top) for t in set(terms) if t not in present]
    return max(missing, default=0.0) / top


def place_conflict(asked: frozenset[str], territory: str | None) -> float:
    """1.0 when the question names places and the answer's authority covers none of them.

    A commune's authority also covers a question naming its département ("com:61001" ~ "dep:61").
    """
    if not asked or not territory:
        return 0.0
    covered = {territory}
    if territory.startswith("com:"):
        covered.add(f"dep:{territory[4:6]}")
    return 0.0 if covered & asked else 1.0


def extract(
    engine: SearchEngine, plan: QueryPlan, hits: list[Hit], sentence_sims: np.ndarray | None
) -> Candidate | None:
    """Best answering sentence among the sentences of the top passages."""
    if not hits or sentence_sims is None:
        return None
    bundle = engine.bundle
    flat, offsets = engine._chunk_sentences
    idf = engine.idf
    best: tuple[float, int, int] | None = None
    for hit in hits[:ANSWER_PASSAGES]:
        for s in flat[offsets[hit.chunk_index] : offsets[hit.chunk_index + 1]]:
            doc, start, end = bundle.sentences[s]
            text = bundle.documents[doc].text[start:end]
            # Weights chosen on the dev split (answer accuracy); the length term slightly prefers
            # whole statements over fragments.
            score = (
                sentence_sims[s]
                + 0.3 * _coverage(plan.terms, idf, text)
                - 0.05 * (hit.rank - 1)
                + 0.1 * answer_type_match(plan.text, text)
                + 0.01 * math.log(max(len(text), 1))
            )
            if best is None or score > best[0]:
                best = (score, int(s), hit.chunk_index)
    if best is None:
        return None
    _, s, chunk_index = best
    doc, start, end = (int(v) for v in bundle.sentences[s])
    chunk = bundle.chunks[chunk_index]
    if end - start < MIN_ANSWER_CHARS and s + 1 < len(bundle.sentences):
        next_doc, next_start, next_end = bundle.sentences[s + 1]
        text = bundle.documents[doc].text
        # Only a directly following sentence: never read a heading out as part of the answer.
        if next_doc == doc and next_end <= chunk.end and not text[end:next_start].strip():
            end = int(next_end)
    text = bundle.documents[doc].text
    top = np.sort(sentence_sims)[-50:]
    features = np.array(
        [
            sentence_sims[s],
            sentence_sims[s] - float(np.median(top)),
            _coverage(plan.terms, idf, text[start:end]),
            _coverage(plan.terms, idf, hits[0].text),
            answer_type_match(plan.text, text[start:end]),
            _missing_key_term(plan.terms, idf, hits[0].text),
            place_conflict(plan.territories, bundle.documents[doc].meta.territory),
        ]
    )
    return Candidate(chunk_index, start, end, features)


def to_answer(engine: SearchEngine, candidate: Candidate, confidence: float) -> Answer:
    text = engine.bundle.documents[engine.bundle.chunk_doc[candidate.chunk_index]].text
    return Answer(
        text[candidate.start : candidate.end],
        engine.citation(candidate.chunk_index, candidate.start, candidate.end),
        confidence,
    )
