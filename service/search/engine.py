"""The search engine: loads a bundle and answers `search` and `ask` with cited passages."""

from __future__ import annotations

import dataclasses
import logging
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from rapporteur.bundle.dense import limit_threads
from rapporteur.bundle.model import Citation, page_at, passage_header, section_at
from rapporteur.bundle.store import Bundle, load_bundle
from rapporteur.embedders import Embedder, create_embedder
from rapporteur.errors import EmbedderError, QueryTooLongError
from rapporteur.text.analyzer import analyze, tokens
from rapporteur.text.places import Gazetteer
from service.search import answer as answering
from service.search.fusion import blend, rrf
from service.search.models import MODES, Filters, Hit, Mode, NoAnswer, SearchResult
from service.search.query import QueryAnalyzer, QueryPlan
from service.search.scope import NO_CLEAR_ANSWER, NO_CLEAR_ANSWER_MESSAGE, Scope
from service.search.spelling import SpellingCorrector
from service.search.synonyms import SynonymLexicon

log = logging.getLogger(__name__)

# The embedding cost grows with the tokens of the query (quadratically past a few hundred): a
# 500-character French question is 90-140 tokens, 500 accented letters or ideograms are 500.
MAX_QUERY_TOKENS = 160


@dataclass(frozen=True)
class RankingParams:
    """Knobs of the hybrid ranking, measured on the dev split (see evals/report.md)."""

    fusion: str = "rrf"  # "rrf" (weighted reciprocal rank fusion) or "blend" (min-max weighted sum)
    lexical_weight: float = 1.0
    dense_weight: float = 0.5
    sentence_weight: float = 0.5
    expansion_weight: float = 0.4
    place_boost: float = 0.3
    glossary_penalty: float = 0.5  # lists of acronyms match every expansion but answer nothing
    rrf_k: float = 10.0
    candidates: int = 200
    # A question asked in English: French BM25 matches little but names, the multilingual model
    # carries it (dev english MRR@10 0.76 -> 0.93, no French question detected as English).
    english_weights: tuple[float, float, float] = (0.5, 1.0, 1.0)  # lexical, dense, sentence


@dataclass(frozen=True)
class Signals:
    """Per-chunk scores of each retriever (None when the mode does not use it)."""

    lexical: np.ndarray | None = None
    dense: np.ndarray | None = None
    sentence: np.ndarray | None = None  # best sentence similarity inside each chunk
    sentence_sims: np.ndarray | None = None  # similarity of every sentence


class SearchEngine:
    """Read-only once built; safe to share between threads."""

    def __init__(
        self,
        bundle: Bundle,
        embedder: Embedder,
        params: RankingParams | None = None,
        gazetteer: Gazetteer | None = None,
        today: Callable[[], date] = date.today,
    ) -> None:
        expected = bundle.manifest["embedder"]
        if embedder.name != expected["name"] or embedder.dimension != expected["dimension"]:
            raise EmbedderError(
                f"bundle {bundle.build_id} was built with {expected['name']} ({expected['dimension']}d), "
                f"not {embedder.name} ({embedder.dimension}d)"
            )
        limit_threads(1)
        self.bundle = bundle
        self.embedder = embedder
        self.params = params or RankingParams()
        lexicon = SynonymLexicon.load(acronyms=bundle.acronyms)
        self.query_analyzer = QueryAnalyzer(
            SpellingCorrector(bundle.vocabulary), lexicon, gazetteer, bundle.lexical.vocabulary
        )
        n = len(bundle.chunks)
        self._n = n
        self._doc_of_chunk = bundle.chunk_doc
        self._chunk_vectors = bundle.dense.index.reconstruct_n(0, n) if bundle.dense.kind == "flat" else None
        self._chunk_sentences = _sentences_per_chunk(bundle)
        metas = [d.meta for d in bundle.documents]
        self._territory = np.array([m.territory or "" for m in metas], dtype=object)
        self._org = np.array([m.organisation or "" for m in metas], dtype=object)
        self._year = np.array([m.year if m.year is not None else -1 for m in metas])
        self._kind = np.array([m.kind or "" for m in metas], dtype=object)
        self.calibration = answering.Calibration.load(embedder.name)
        self.idf = _idf([analyze(f"{self.chunk_header(i)}\n{c.text}") for i, c in enumerate(bundle.chunks)])
        self._glossary = np.array([is_glossary(c.text) for c in bundle.chunks], dtype=bool)
        # Analysed words of each passage with their spans, for highlights without re-analysis.
        self._chunk_tokens = [[(t.term, t.start, t.end) for t in tokens(c.text)] for c in bundle.chunks]
        self._lexicon_terms = lexicon.key_terms
        reported = {d["id"]: d.get("years_reported") for d in bundle.manifest.get("documents", [])}
        self.scope = Scope.from_documents(
            (
                (
                    d.meta.organisation,
                    d.meta.territory,
                    reported.get(d.meta.id) or ([d.meta.year] if d.meta.year else []),
                    d.text,
                )
                for d in bundle.documents
            ),
            gazetteer,
            today,
        )

    @classmethod
    def from_path(
        cls,
        path: Path,
        embedder: Embedder | None = None,
        params: RankingParams | None = None,
        verify: bool = True,
    ) -> SearchEngine:
        bundle = load_bundle(path, verify=verify)
        embedder = embedder or create_embedder(bundle.manifest["embedder"]["name"])
        return cls(bundle, embedder, params, Gazetteer.load())

    # -- filters ---------------------------------------------------------------------------------

    def allowed_chunks(self, filters: Filters | None) -> np.ndarray | None:
        """Chunk ids that pass `filters`, or None when nothing is filtered."""
        if filters is None or filters.is_empty():
            return None
        docs = np.ones(len(self.bundle.documents), dtype=bool)
        if filters.organisation is not None:
            docs &= np.array([o.casefold() == filters.organisation.casefold() for o in self._org])
        if filters.year is not None:
            docs &= self._year == filters.year
        if filters.kind is not None:
            docs &= np.array([k.casefold() == filters.kind.casefold() for k in self._kind])
        return np.flatnonzero(docs[self._doc_of_chunk])

    # -- scoring ---------------------------------------------------------------------------------

    def _lexical_scores(self, plan: QueryPlan) -> np.ndarray:
        scores = self.bundle.lexical.scores(plan.terms).astype(np.float64)
        if plan.expansions and self.params.expansion_weight:
            scores += self.params.expansion_weight * self.bundle.lexical.scores(plan.expansions)
        return scores

    def _dense_scores(self, query_vector: np.ndarray, allowed: np.ndarray | None) -> np.ndarray:
        if self._chunk_vectors is not None:
            return (self._chunk_vectors @ query_vector).astype(np.float64)
        scores = np.full(self._n, -1.0)
        ids, values = self.bundle.dense.search(query_vector, self.params.candidates, allowed)
        scores[ids] = values
        return scores

    def _sentence_scores(self, query_vector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Similarity of every sentence, and of each chunk's best sentence."""
        sentence_sims = (self.bundle.sentence_vectors @ query_vector).astype(np.float64)
        flat, offsets = self._chunk_sentences
        per_chunk = np.full(self._n, -1.0)
        has = offsets[1:] > offsets[:-1]
        if len(flat):
            maxima = np.maximum.reduceat(sentence_sims[flat], offsets[:-1][has])
            per_chunk[has] = maxima
        return sentence_sims, per_chunk

    def signals(self, plan: QueryPlan, mode: Mode = "hybrid", allowed: np.ndarray | None = None) -> Signals:
        """Score of every chunk under each retriever that `mode` uses, before fusion.

        Public so that evaluations can tell a retriever's miss from a fusion's miss.
        """
        if mode == "lexical":
            return Signals(lexical=self._lexical_scores(plan))
        query_vector = self.embedder.embed_query(plan.dense_text)
        sentence_sims, per_chunk = self._sentence_scores(query_vector)
        return Signals(
            lexical=self._lexical_scores(plan) if mode == "hybrid" else None,
            dense=self._dense_scores(query_vector, allowed),
            sentence=per_chunk,
            sentence_sims=sentence_sims,
        )

    def _rank(self, plan: QueryPlan, mode: Mode, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
        """Fused scores (-inf outside `allowed`) and sentence similarities (None in lexical mode)."""
        n = self._n
        candidates = np.arange(n) if allowed is None else allowed
        mask = np.zeros(n, dtype=bool)
        mask[candidates] = True
        signals = self.signals(plan, mode, allowed)
        if signals.dense is None:
            fused = signals.lexical.copy()
        elif signals.lexical is None:
            fused = signals.dense
        else:
            p = self.params
            scores = [signals.lexical, signals.dense, signals.sentence]
            weights = (
                list(p.english_weights)
                if plan.language == "en"
                else [p.lexical_weight, p.dense_weight, p.sentence_weight]
            )
            fused = (
                rrf(scores, candidates, weights, p.rrf_k) if p.fusion == "rrf" else blend(scores, candidates, weights)
            )
            if self._glossary.any() and p.glossary_penalty:
                fused = fused * np.where(self._glossary, p.glossary_penalty, 1.0)
            if plan.territories and p.place_boost:
                local = np.isin(self._territory[self._doc_of_chunk], list(plan.territories))
                if local.any():
                    fused = fused * np.where(local, 1.0 + p.place_boost, 1.0)
        fused = np.where(mask, fused, -np.inf)
        return fused, signals.sentence_sims

    # -- public API ------------------------------------------------------------------------------

    def citation(self, chunk_index: int, start: int | None = None, end: int | None = None) -> Citation:
        chunk = self.bundle.chunks[chunk_index]
        document = self.bundle.documents[self._doc_of_chunk[chunk_index]]
        meta = document.meta
        section = chunk.section if start is None or not document.sections else section_at(document.sections, start)
        return Citation(
            meta.id,
            meta.title,
            meta.organisation,
            meta.year,
            meta.kind,
            section,
            chunk.page if start is None else page_at(document.page_starts, start),
            chunk.start if start is None else start,
            chunk.end if end is None else end,
        )

    def _hits(self, plan: QueryPlan, fused: np.ndarray, k: int) -> list[Hit]:
        finite = np.flatnonzero(np.isfinite(fused))
        order = finite[np.argsort(-fused[finite], kind="stable")][:k]
        wanted = plan.highlight_terms
        hits = []
        for rank, idx in enumerate(order, start=1):
            chunk = self.bundle.chunks[idx]
            spans = [(start, end) for term, start, end in self._chunk_tokens[idx] if term in wanted]
            hits.append(Hit(rank, float(fused[idx]), chunk.text, self.citation(int(idx)), spans, int(idx)))
        return hits

    def search(self, query: str, k: int = 10, filters: Filters | None = None, mode: Mode = "hybrid") -> SearchResult:
        """Top `k` passages for `query`."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        started = time.perf_counter()
        plan = self.query_analyzer.plan(query)
        if mode != "lexical":
            self._check_tokens(plan)
        fused, _ = self._rank(plan, mode, self.allowed_chunks(filters))
        hits = self._hits(plan, fused, k)
        return SearchResult(
            plan.text,
            mode,
            hits,
            (time.perf_counter() - started) * 1000,
            places=plan.places,
            corrections=plan.corrections,
        )

    def _check_tokens(self, plan: QueryPlan) -> None:
        """Refuse a query that would cost more than a few normal ones to embed."""
        count = self.embedder.count_tokens(plan.dense_text, "query")
        if count > MAX_QUERY_TOKENS:
            raise QueryTooLongError(count, MAX_QUERY_TOKENS)

    def is_known(self, folded_word: str) -> bool:
        """True when the corpus or the lexicon knows the word (a word that says what a caller needs)."""
        if folded_word in self.bundle.vocabulary:
            return True
        terms = analyze(folded_word)
        return bool(terms) and (terms[0] in self._lexicon_terms or terms[0] in self.bundle.lexical.vocabulary)

    def ask(self, question: str, k: int = 5, filters: Filters | None = None, mode: Mode = "hybrid") -> SearchResult:
        """Top passages plus the extractive answer, or the reason there is none.

        Lexical mode has no sentence similarities to choose an answer with: it is answered in hybrid.
        """
        started = time.perf_counter()
        plan = self.query_analyzer.plan(question)
        organisation = filters.organisation if filters else None
        out_of_scope = self.scope.check(plan.text, plan.located, self.is_known, organisation)
        if out_of_scope is not None and out_of_scope.reason == "no_question":
            return SearchResult(plan.text, mode, [], (time.perf_counter() - started) * 1000, no_answer=out_of_scope)
        self._check_tokens(plan)
        fused, sentence_sims = self._rank(plan, "hybrid" if mode == "lexical" else mode, self.allowed_chunks(filters))
        hits = self._hits(plan, fused, max(k, answering.ANSWER_PASSAGES))
        found = None if out_of_scope is not None else answering.extract(self, plan, hits, sentence_sims)
        answer = None
        confidence = 0.0
        if found is not None:
            confidence = self.calibration.confidence(found.features)
            if found.verified and confidence >= self.calibration.threshold:
                answer = answering.to_answer(self, found, confidence)
        no_answer = out_of_scope
        if answer is None and no_answer is None:
            no_answer = NoAnswer(NO_CLEAR_ANSWER, NO_CLEAR_ANSWER_MESSAGE)
        best = answering.best_sentences(self, plan, hits[:k], sentence_sims)
        hits = [
            dataclasses.replace(h, best_sentence=_relative(best.get(h.chunk_index), h.citation.start, len(h.text)))
            for h in hits[:k]
        ]
        return SearchResult(
            plan.text,
            mode,
            hits,
            (time.perf_counter() - started) * 1000,
            answer,
            confidence,
            plan.places,
            plan.corrections,
            tuple(found.features.tolist()) if found is not None else None,
            no_answer,
            answering.to_answer(self, found, confidence) if found is not None else None,
            bool(found and found.verified),
        )

    def chunk_header(self, chunk_index: int) -> str:
        chunk = self.bundle.chunks[chunk_index]
        return passage_header(self.bundle.documents[self._doc_of_chunk[chunk_index]].meta.organisation, chunk.section)


def _relative(span: tuple[int, int] | None, offset: int, length: int) -> tuple[int, int] | None:
    """A document span made relative to a passage of `length` characters starting at `offset`."""
    if span is None:
        return None
    start, end = max(0, span[0] - offset), min(length, span[1] - offset)
    return (start, end) if end > start else None


_GLOSSARY_LINE = re.compile(r"^[A-Z][A-Za-z0-9&]{1,9}\s*[:=–]\s+\S", re.MULTILINE)


def is_glossary(text: str) -> bool:
    """True for a passage that is mostly a list of acronyms and their expansions."""
    lines = [line for line in text.split("\n") if line.strip()]
    entries = len(_GLOSSARY_LINE.findall(text))
    return entries >= 5 and entries >= 0.4 * len(lines)


def _sentences_per_chunk(bundle: Bundle) -> tuple[np.ndarray, np.ndarray]:
    """CSR-style lists of the sentences lying (mostly) inside each chunk."""
    sentences = bundle.sentences
    flat: list[int] = []
    offsets = [0]
    by_doc: dict[int, np.ndarray] = {}
    for doc in np.unique(sentences[:, 0]) if len(sentences) else []:
        by_doc[int(doc)] = np.flatnonzero(sentences[:, 0] == doc)
    for chunk, doc in zip(bundle.chunks, bundle.chunk_doc, strict=True):
        ids = by_doc.get(int(doc), np.zeros(0, dtype=np.int64))
        starts, ends = sentences[ids, 1], sentences[ids, 2]
        overlap = np.minimum(ends, chunk.end) - np.maximum(starts, chunk.start)
        inside = ids[overlap * 2 >= (ends - starts)]
        flat.extend(int(i) for i in inside)
        offsets.append(len(flat))
    return np.asarray(flat, dtype=np.int64), np.asarray(offsets, dtype=np.int64)


def _idf(chunk_terms: list[list[str]]) -> dict[str, float]:
    """Smoothed inverse document frequency of each term over chunks."""
    df: dict[str, int] = {}
    for terms in chunk_terms:
        for term in set(terms):
            df[term] = df.get(term, 0) + 1
    n = len(chunk_terms)
    return {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
