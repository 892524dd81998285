"""Extractive answers: pick the sentence that answers, verify it, and say how likely it is right.

1. **Selection.** Among the sentences of the top passages, the best by sentence similarity, query
   term coverage, passage rank and length; when the question asks for a kind of answer (an amount,
   a phone number, a date…), a sentence that gives that kind beats one that does not.
2. **Verification.** The sentence must give the kind of answer asked for, and the sentence with
   its passage must hold enough of the question's key terms (or their lexicon equivalents),
   weighted by rarity. Otherwise there is no answer.
3. **Confidence.** A logistic model of « this sentence answers the question » (it holds the gold
   evidence), fitted on the dev split by `python -m evals calibrate`; its threshold is chosen for
   precision. Below it, no answer: the page shows the best sentence of each passage instead.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from rapporteur.text.analyzer import analyze, tokens
from service.search.answer_kinds import AnswerKind, expected_kind, gives
from service.search.display import display_text
from service.search.models import Answer, Hit

if TYPE_CHECKING:
    from service.search.engine import SearchEngine
    from service.search.query import QueryPlan

log = logging.getLogger(__name__)

ANSWER_PASSAGES = 3  # sentences are taken from this many top passages
MIN_ANSWER_CHARS = 80  # a shorter sentence is read with the one that follows it
# Selection weights, chosen on the dev split (answer accuracy).
COVERAGE_WEIGHT = 0.3
RANK_WEIGHT = 0.05
KIND_WEIGHT = 0.5  # a sentence of the kind asked for wins over one without
LENGTH_WEIGHT = 0.01
TOP_SENTENCES = 50  # the similarity margin is taken against the median of the top sentences
# Verification: share (by rarity) of the key terms that the sentence and its passage must hold.
MIN_KEY_COVERAGE = 0.2

FEATURES = (
    "sentence_similarity",
    "similarity_margin",
    "selection_margin",
    "key_coverage",
    "sentence_key_coverage",
    "kind_asked",
    "passage_rank",
    "missing_key_term",
)


@dataclass(frozen=True)
class Candidate:
    """The chosen sentence (document offsets), whether it passed verification, and its features."""

    chunk_index: int
    sentence: int
    start: int
    end: int
    verified: bool
    features: np.ndarray
    kind: str | None = None


@dataclass(frozen=True)
class Calibration:
    """Logistic model of « the chosen sentence answers the question », and its threshold.

    A fit holds for one embedder (similarities differ across models). Without a fit for the
    bundle's embedder, the defaults use only embedder-independent features.
    """

    weights: tuple[float, ...] = (0.0, 0.0, 0.0, 4.0, 2.0, 0.0, -0.5, -2.0)
    bias: float = -3.5
    threshold: float = 0.5
    embedder: str | None = None
    fitted_on: dict = field(default_factory=dict)

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


@dataclass(frozen=True)
class KeyTerms:
    """The question's terms that an answer must hold, with their weights and lexicon equivalents."""

    terms: tuple[str, ...]
    weights: tuple[float, ...]
    equivalents: tuple[frozenset[str], ...]

    @classmethod
    def of(cls, plan: QueryPlan, idf: dict[str, float]) -> KeyTerms:
        """Terms of the question minus those of the places it names (the scope checks handle places)."""
        place_terms = {t for p in plan.located for t in analyze(p.name)}
        top = max(idf.values(), default=1.0)
        terms, weights, equivalents = [], [], []
        equivalents_of = plan.equivalents or tuple(frozenset() for _ in plan.terms)
        for term, equivalent in zip(plan.terms, equivalents_of, strict=True):
            if term in place_terms or term in terms:
                continue
            terms.append(term)
            weights.append(idf.get(term, top))  # a term the corpus lacks is as rare as the rarest
            equivalents.append(equivalent)
        return cls(tuple(terms), tuple(weights), tuple(equivalents))

    def coverage(self, present: set[str]) -> float:
        """Rarity-weighted share of the key terms held by `present` (directly or by an equivalent)."""
        total = sum(self.weights)
        if not total:
            return 1.0
        held = sum(
            w
            for t, w, eq in zip(self.terms, self.weights, self.equivalents, strict=True)
            if t in present or eq & present
        )
        return held / total

    def missing_rarity(self, present: set[str]) -> float:
        """Rarity of the rarest key term that `present` lacks, relative to the rarest weight; 0 if none."""
        top = max(self.weights, default=1.0) or 1.0
        missing = [
            w
            for t, w, eq in zip(self.terms, self.weights, self.equivalents, strict=True)
            if t not in present and not eq & present
        ]
        return max(missing, default=0.0) / top


def _coverage(terms: list[str], idf: dict[str, float], present: set[str]) -> float:
    """IDF-weighted share of the query terms present (the selection score's lexical part)."""
    unique = set(terms)
    total = sum(idf.get(t, 0.0) for t in unique)
    return sum(idf.get(t, 0.0) for t in unique & present) / total if total else 0.0


@dataclass(frozen=True)
class _Scored:
    score: float
    sentence: int
    chunk_index: int
    rank: int
    gives_kind: bool


def _score_sentences(
    engine: SearchEngine, plan: QueryPlan, hits: list[Hit], sentence_sims: np.ndarray, kind: AnswerKind | None
) -> list[_Scored]:
    """Every sentence of `hits` with its selection score."""
    bundle = engine.bundle
    flat, offsets = engine._chunk_sentences
    scored = []
    for hit in hits:
        for s in flat[offsets[hit.chunk_index] : offsets[hit.chunk_index + 1]]:
            doc, start, end = bundle.sentences[s]
            text = bundle.documents[doc].text[start:end]
            present = {t.term for t in tokens(text)}
            has_kind = kind is not None and gives(kind, text)
            score = (
                sentence_sims[s]
                + COVERAGE_WEIGHT * _coverage(plan.terms, engine.idf, present)
                - RANK_WEIGHT * (hit.rank - 1)
                + (KIND_WEIGHT if has_kind else 0.0)
                + LENGTH_WEIGHT * math.log(max(len(text), 1))
            )
            scored.append(_Scored(float(score), int(s), hit.chunk_index, hit.rank, has_kind))
    return scored


def best_sentences(
    engine: SearchEngine, plan: QueryPlan, hits: list[Hit], sentence_sims: np.ndarray | None
) -> dict[int, tuple[int, int]]:
    """For each hit (by chunk index), the document span of its best sentence."""
    if sentence_sims is None:
        return {}
    kind = expected_kind(plan.text)
    best: dict[int, _Scored] = {}
    for item in _score_sentences(engine, plan, hits, sentence_sims, kind):
        if item.chunk_index not in best or item.score > best[item.chunk_index].score:
            best[item.chunk_index] = item
    out = {}
    for chunk_index, item in best.items():
        _, start, end = engine.bundle.sentences[item.sentence]
        out[chunk_index] = (int(start), int(end))
    return out


def extract(
    engine: SearchEngine, plan: QueryPlan, hits: list[Hit], sentence_sims: np.ndarray | None
) -> Candidate | None:
    """The best answering sentence of the top passages, verified, with its confidence features."""
    if not hits or sentence_sims is None:
        return None
    bundle = engine.bundle
    kind = expected_kind(plan.text)
    scored = _score_sentences(engine, plan, hits[:ANSWER_PASSAGES], sentence_sims, kind)
    if not scored:
        return None
    scored.sort(key=lambda item: -item.score)
    best = scored[0]
    runner_up = scored[1].score if len(scored) > 1 else best.score - 1.0
    doc, start, end = (int(v) for v in bundle.sentences[best.sentence])
    chunk = bundle.chunks[best.chunk_index]
    text = bundle.documents[doc].text
    if end - start < MIN_ANSWER_CHARS and best.sentence + 1 < len(bundle.sentences):
        next_doc, next_start, next_end = (int(v) for v in bundle.sentences[best.sentence + 1])
        # Only a directly following sentence: never read a heading out as part of the answer.
        if next_doc == doc and next_end <= chunk.end and not text[end:next_start].strip():
            end = next_end
    sentence_terms = {t.term for t in tokens(text[start:end])}
    passage_terms = sentence_terms | {t.term for t in tokens(chunk.text)}
    keys = KeyTerms.of(plan, engine.idf)
    key_coverage = keys.coverage(passage_terms)
    gives_kind = kind is None or gives(kind, text[start:end])
    top = (
        np.partition(sentence_sims, -TOP_SENTENCES)[-TOP_SENTENCES:]
        if len(sentence_sims) > TOP_SENTENCES
        else sentence_sims
    )
    features = np.array(
        [
            sentence_sims[best.sentence],
            sentence_sims[best.sentence] - float(np.median(top)),
            best.score - runner_up,
            key_coverage,
            keys.coverage(sentence_terms),
            0.0 if kind is None else 1.0,
            float(best.rank),
            keys.missing_rarity(passage_terms),
        ]
    )
    verified = gives_kind and key_coverage >= MIN_KEY_COVERAGE
    return Candidate(best.chunk_index, best.sentence, start, end, verified, features, kind.name if kind else None)


def to_answer(engine: SearchEngine, candidate: Candidate, confidence: float) -> Answer:
    """The answer as shown: display text, and a citation of the exact raw span."""
    text = engine.bundle.documents[engine.bundle.chunk_doc[candidate.chunk_index]].text
    return Answer(
        display_text(text[candidate.start : candidate.end]),
        engine.citation(candidate.chunk_index, candidate.start, candidate.end),
        confidence,
    )
