"""Extractive answers: pick the sentence that answers, verify it, and say how likely it is right.

1. **Selection.** Among the sentences of the top passages, the best by sentence similarity, query
   term coverage, passage rank and length; when the question asks for a kind of answer (an amount,
   a phone number, a date…), a sentence that gives that kind beats one that does not.
2. **Verification.** The sentence must give the kind of answer asked for, and the sentence with
   its passage must hold enough of the question's key terms (or their lexicon equivalents),
   weighted by rarity. Otherwise there is no answer.
3. **Confidence.** A logistic model of « this sentence answers the question » (it holds the gold
   evidence), fitted by `python -m evals calibrate`
   (`service.search.calibration`); its threshold is chosen for
   precision. Below it, no answer: the page shows the best sentence of each passage instead.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, fields

import numpy as np

from rapporteur.bundle.store import Bundle
from rapporteur.parameters import ANSWER, AnswerParams
from rapporteur.text.analyzer import analyze
from service.search.answer_kinds import AnswerKind, asking_words, expected_kind, gives
from service.search.display import display_text
from service.search.query import QueryPlan
from service.search.results import Answer, Hit
from service.search.retrievers import SentenceScores


@dataclass(frozen=True)
class AnswerContext:
    """What answering needs of a loaded bundle: the bundle itself, the IDF of its terms, the parameters."""

    bundle: Bundle
    idf: dict[str, float]
    params: AnswerParams = ANSWER


@dataclass(frozen=True)
class AnswerFeatures:
    """The inputs of the answer confidence, by name: a calibration file stores these names and is
    refused when they differ (`service.search.calibration`)."""

    sentence_similarity: float  # the question's embedding against the sentence's
    similarity_margin: float  # that similarity minus the median of the best sentences of the candidates
    selection_margin: float  # the sentence's selection score minus the runner-up's
    key_coverage: float  # rarity-weighted share of the key terms held by the sentence and its passage
    sentence_key_coverage: float  # the same, by the sentence alone
    kind_asked: float  # 1 when the question asks for a kind of answer (an amount, a date…)
    passage_rank: float  # rank of the sentence's passage
    missing_key_term: float  # rarity of the rarest key term the sentence and passage lack

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def as_dict(self) -> dict[str, float]:
        return {name: float(getattr(self, name)) for name in self.names()}


@dataclass(frozen=True)
class Candidate:
    """The chosen sentence (document offsets), whether it passed verification, and its features."""

    chunk_index: int
    sentence: int
    start: int
    end: int
    text: str  # the raw text of [start, end)
    verified: bool
    features: AnswerFeatures
    kind: str | None = None


@dataclass(frozen=True)
class Extraction:
    """What one pass over the sentences of the top passages gives: the candidate answer (or None)
    and the document span of each passage's best sentence."""

    candidate: Candidate | None
    best_sentences: dict[int, tuple[int, int]]


@dataclass(frozen=True)
class KeyTerms:
    """The question's terms that an answer must hold, with their weights and lexicon equivalents."""

    terms: tuple[str, ...]
    weights: tuple[float, ...]
    equivalents: tuple[tuple[frozenset[str], ...], ...]  # per term: expansions, each a set of terms

    @classmethod
    def of(cls, plan: QueryPlan, idf: dict[str, float], kind: AnswerKind | None = None) -> KeyTerms:
        """Terms of the question minus those of the places it names (the scope checks handle places)
        and those that ask for the `kind` of answer (« numéro », « horaires »: the kind check handles them)."""
        left_out = {t for p in plan.located for t in analyze(p.name)} | set(analyze(asking_words(kind, plan.text)))
        top = max(idf.values(), default=1.0)
        terms, weights, equivalents = [], [], []
        equivalents_of = plan.equivalents or tuple(() for _ in plan.terms)
        for term, equivalent in zip(plan.terms, equivalents_of, strict=True):
            if term in left_out or term in terms:
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
            w for t, w, eq in zip(self.terms, self.weights, self.equivalents, strict=True) if _held(t, eq, present)
        )
        return held / total

    def missing_rarity(self, present: set[str]) -> float:
        """Rarity of the rarest key term that `present` lacks, relative to the rarest weight; 0 if none."""
        top = max(self.weights, default=1.0) or 1.0
        missing = [
            w for t, w, eq in zip(self.terms, self.weights, self.equivalents, strict=True) if not _held(t, eq, present)
        ]
        return max(missing, default=0.0) / top


def _held(term: str, expansions: tuple[frozenset[str], ...], present: set[str]) -> bool:
    """Whether `present` holds `term` itself or all the terms of one of its expansions."""
    return term in present or any(expansion <= present for expansion in expansions)


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
    context: AnswerContext, plan: QueryPlan, hits: list[Hit], sentence_sims: dict[int, float], kind: AnswerKind | None
) -> list[_Scored]:
    """Every sentence of `hits` with its selection score."""
    bundle, p = context.bundle, context.params
    scored = []
    for hit in hits:
        for s in bundle.sentences_of(hit.chunk_index):
            text = bundle.sentence_text(int(s))
            present = set(analyze(text))
            has_kind = kind is not None and gives(kind, text, plan.text)
            score = (
                sentence_sims[s]
                + p.coverage_weight * _coverage(plan.terms, context.idf, present)
                - p.rank_weight * (hit.rank - 1)
                + (p.kind_weight if has_kind else 0.0)
                + p.length_weight * math.log(max(len(text), 1))
            )
            scored.append(_Scored(float(score), int(s), hit.chunk_index, hit.rank, has_kind))
    return scored


# A sentence that opens on these words refers back to the one before it (« Elle se décline en 20
# objectifs » after « La stratégie… », « Et de 13 h 30 à 17 h » after the morning hours): read
# alone, it does not say what it is about. Impersonal « il y a », « il faut », « il est possible… »
# do not refer back.
_REFERS_BACK = re.compile(
    r"^(?:(?:elles?|ils?)\b(?! y a\b| faut\b| est (?:possible|nécessaire|important|prévu)\b)|"
    r"(?:celui|celle|ceux|celles|cela|ceci|cette|ces|ce|leurs?|son|sa|ses|dont|parmi (?:eux|elles)|ainsi|"
    r"en outre|de plus|et|mais|puis|or)\b)",
    re.IGNORECASE,
)


def refers_back(sentence: str) -> bool:
    """Whether `sentence` opens by referring to the one before it."""
    return bool(_REFERS_BACK.match(sentence.lstrip(" -–—•▶►▷*")))


def statement_span(
    bundle: Bundle, sentence: int, chunk_start: int, chunk_end: int, params: AnswerParams = ANSWER
) -> tuple[int, int, int, int]:
    """The span read out for `sentence`: (start, end, byte start, byte end) in its document.

    A sentence is read with a neighbour that belongs to the same statement, inside its passage and
    with nothing but spaces between them (never a heading): the one before when it refers back to
    it, else the one after when it is too short to carry an answer (`min_chars`) or the one after
    refers back to it. The whole stays within `max_statement_chars`."""
    rows = bundle.sentences
    doc, start, end, byte_start, byte_end = (int(v) for v in rows[sentence])

    def neighbour(other: int) -> tuple[int, int, int, int] | None:
        """(start, end, byte start, byte end) of sentence `other` when it may join `sentence`."""
        if not 0 <= other < len(rows):
            return None
        o_doc, o_start, o_end, o_byte_start, o_byte_end = (int(v) for v in rows[other])
        if o_doc != doc or o_start < chunk_start or o_end > chunk_end:
            return None
        if max(end, o_end) - min(start, o_start) > params.max_statement_chars:
            return None
        gap = (o_byte_end, byte_start) if other < sentence else (byte_end, o_byte_start)
        if bundle.texts.read(*gap).strip():
            return None
        return o_start, o_end, o_byte_start, o_byte_end

    before = neighbour(sentence - 1) if refers_back(bundle.sentence_text(sentence)) else None
    if before is not None:
        return before[0], end, before[2], byte_end
    after = neighbour(sentence + 1)
    if after is not None and (end - start < params.min_chars or refers_back(bundle.sentence_text(sentence + 1))):
        return start, after[1], byte_start, after[3]
    return start, end, byte_start, byte_end


def extract(
    context: AnswerContext,
    plan: QueryPlan,
    hits: list[Hit],
    sentences: SentenceScores | None,
    shown: int,
    with_candidate: bool = True,
) -> Extraction:
    """One pass over the sentences of `hits`: the best sentence of each of the first `shown` hits,
    and (with `with_candidate`) the best answering sentence of the top `params.passages`, verified,
    with its features.

    The similarity margin is taken against the best sentences of all the candidates scored."""
    if not hits or sentences is None:
        return Extraction(None, {})
    bundle, p = context.bundle, context.params
    kind = expected_kind(plan.text)
    sentence_sims = sentences.lookup()
    scored = _score_sentences(context, plan, hits[: max(shown, p.passages)], sentence_sims, kind)
    best_of: dict[int, _Scored] = {}
    shown_chunks = {h.chunk_index for h in hits[:shown]}
    for item in scored:
        if item.chunk_index in shown_chunks and (
            item.chunk_index not in best_of or item.score > best_of[item.chunk_index].score
        ):
            best_of[item.chunk_index] = item
    best_sentences = {
        chunk: (int(bundle.sentences[item.sentence, 1]), int(bundle.sentences[item.sentence, 2]))
        for chunk, item in best_of.items()
    }
    answering = sorted((item for item in scored if item.rank <= p.passages), key=lambda item: -item.score)
    if not answering or not with_candidate:
        return Extraction(None, best_sentences)
    best = answering[0]
    runner_up = answering[1].score if len(answering) > 1 else best.score - 1.0
    chunk = bundle.chunks[best.chunk_index]
    start, end, byte_start, byte_end = statement_span(bundle, best.sentence, chunk.start, chunk.end, p)
    answer_text = bundle.texts.read(byte_start, byte_end)
    sentence_terms = set(analyze(answer_text))
    passage_terms = sentence_terms | set(analyze(chunk.text))
    keys = KeyTerms.of(plan, context.idf, kind)
    key_coverage = keys.coverage(passage_terms)
    gives_kind = kind is None or gives(kind, answer_text, plan.text)
    top_n = p.top_sentences
    every = sentences.sims
    top = np.partition(every, -top_n)[-top_n:] if len(every) > top_n else every
    features = AnswerFeatures(
        sentence_similarity=sentence_sims[best.sentence],
        similarity_margin=sentence_sims[best.sentence] - float(np.median(top)),
        selection_margin=best.score - runner_up,
        key_coverage=key_coverage,
        sentence_key_coverage=keys.coverage(sentence_terms),
        kind_asked=0.0 if kind is None else 1.0,
        passage_rank=float(best.rank),
        missing_key_term=keys.missing_rarity(passage_terms),
    )
    verified = gives_kind and key_coverage >= p.min_key_coverage
    candidate = Candidate(
        best.chunk_index, best.sentence, start, end, answer_text, verified, features, kind.name if kind else None
    )
    return Extraction(candidate, best_sentences)


def to_answer(bundle: Bundle, candidate: Candidate, confidence: float) -> Answer:
    """The answer as shown: display text, and a citation of the exact raw span."""
    return Answer(
        display_text(candidate.text),
        bundle.citation(candidate.chunk_index, candidate.start, candidate.end),
        confidence,
    )
