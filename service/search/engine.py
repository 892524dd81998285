"""The search engine over one loaded bundle: `search` and `ask`, each a pipeline of named steps.

    search: plan → retrievers → fusion (by name) → boosts → cut
    ask:    plan → scope checks → retrievers → fusion → boosts → cut → answer

Everything that depends only on the bundle was computed when it was built (rapporteur.bundle.store):
loading reads it, the engine adds the query side (lexicon, spelling, places, embedder).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from datetime import date
from functools import lru_cache, partial
from pathlib import Path

import numpy as np

from rapporteur.bundle.model import Citation
from rapporteur.bundle.store import Bundle, Verification, load_bundle
from rapporteur.embedders import Embedder, create_embedder
from rapporteur.embedders.base import record_mismatch
from rapporteur.errors import EmbedderError, QueryTooLongError
from rapporteur.parameters import QUERY, RANKING, RankingParams
from rapporteur.text.analyzer import analyze
from rapporteur.text.places import Gazetteer, default_gazetteer
from service.search import answer as answering
from service.search.calibration import Calibration, index_dir_of
from service.search.fusion import fusion_named
from service.search.highlights import highlight_spans
from service.search.query import QueryAnalyzer, QueryPlan
from service.search.results import MODES, Filters, Hit, Mode, NoAnswer, SearchResult
from service.search.retrievers import Signals, full_scores, lexical_scores, lexical_top, sentence_scores
from service.search.scope import NO_CLEAR_ANSWER, NO_CLEAR_ANSWER_MESSAGE, NO_QUESTION, Scope
from service.search.spelling import SpellingCorrector
from service.search.synonyms import SynonymLexicon

log = logging.getLogger(__name__)


class SearchEngine:
    """Read-only once built; safe to share between threads."""

    def __init__(
        self,
        bundle: Bundle,
        embedder: Embedder,
        params: RankingParams | None = None,
        gazetteer: Gazetteer | None = None,
        today: Callable[[], date] = date.today,
        calibration: Calibration | None = None,
        query_cache: int = 0,
    ) -> None:
        mismatch = record_mismatch(embedder, bundle.manifest["embedder"])
        if mismatch is not None:
            raise EmbedderError(f"bundle {bundle.build_id} {mismatch}")
        self.bundle = bundle
        self.embedder = embedder
        self.params = params or RANKING
        self._fuse = fusion_named(self.params.fusion)
        lexicon = SynonymLexicon.load(acronyms=bundle.acronyms)
        self._lexicon_terms = lexicon.key_terms
        self.query_analyzer = QueryAnalyzer(
            SpellingCorrector(bundle.vocabulary), lexicon, gazetteer, bundle.lexical.vocabulary
        )
        self._territory = np.array([d.meta.territory or "" for d in bundle.documents], dtype=object)
        self.answers = answering.AnswerContext(bundle, bundle.lexical.idf())
        self.calibration = calibration or Calibration.for_embedder(
            embedder.name, index_dir_of(bundle.path), embedder.weights
        )
        self.scope = Scope.from_bundle(bundle, today)
        # A function of the embedder alone: a cache holding the engine would keep a replaced bundle
        # (its maps and open files) alive until the cycle collector runs.
        self._query_vectors = lru_cache(maxsize=query_cache)(partial(_embed_read_only, embedder))

    @classmethod
    def from_path(
        cls,
        path: Path,
        embedder: Embedder | None = None,
        params: RankingParams | None = None,
        verify: Verification = "sampled",
        query_cache: int = 0,
        reuse: Embedder | None = None,
    ) -> SearchEngine:
        """The engine over the bundle at `path` (an index directory or a bundle): the one factory of
        the service, the CLIs and the evals. `embedder` must be the bundle's (EmbedderError
        otherwise); without it, `reuse` is taken when it is the bundle's (a reload keeps the loaded
        model), else the bundle's embedder is created by name. The calibration is the one found for
        the embedder next to the bundle (see `Calibration.for_embedder`); `query_cache` query
        embeddings are kept (0: none)."""
        bundle = load_bundle(path, verify=verify)
        if embedder is None:
            wanted = bundle.manifest["embedder"]
            same = reuse is not None and record_mismatch(reuse, wanted) is None
            embedder = reuse if same and reuse is not None else create_embedder(wanted["name"])
        return cls(bundle, embedder, params, default_gazetteer(), query_cache=query_cache)

    @property
    def query_cache_size(self) -> int:
        """Query embeddings kept at most (0: none)."""
        return int(self._query_vectors.cache_info().maxsize or 0)

    # -- the steps ----------------------------------------------------------------------------------

    def plan(self, text: str) -> QueryPlan:
        """Analysed terms, spelling fixes, lexicon expansions, places, the text to embed."""
        return self.query_analyzer.plan(text)

    def allowed_chunks(self, filters: Filters | None) -> np.ndarray | None:
        """Mask of the chunks that pass `filters`, or None when nothing is filtered (from the
        per-chunk codes written at build time: one comparison per chunk and filter)."""
        if filters is None or filters.is_empty():
            return None
        codes = self.bundle.chunk_codes
        names = self.bundle.manifest.get("filters", {})
        allowed = np.ones(codes.shape[1], dtype=bool)
        for row, value, known in (
            (0, filters.organisation, names.get("organisations", [])),
            (2, filters.kind, names.get("kinds", [])),
        ):
            if value is not None:
                wanted = [i for i, name in enumerate(known) if name.casefold() == value.casefold()]
                allowed &= np.isin(codes[row], wanted)
        if filters.year is not None:
            allowed &= codes[1] == filters.year
        return allowed

    def query_vector(self, plan: QueryPlan) -> np.ndarray:
        """The query's embedding; the most recent ones are kept, since a page asks for the same text
        more than once (search, then ask, then a filter) and popular queries come back often."""
        return self._query_vectors(plan.dense_text)

    def _check_tokens(self, plan: QueryPlan) -> None:
        """Refuse a query that would cost more than a few normal ones to embed."""
        count = self.embedder.count_tokens(plan.dense_text, "query")
        if count > QUERY.max_tokens:
            raise QueryTooLongError(count, QUERY.max_tokens)

    def signals(self, plan: QueryPlan, mode: Mode = "hybrid", allowed: np.ndarray | None = None) -> Signals:
        """The retrievers: the candidates (the union of each retriever's top) and the score of every
        candidate under each retriever that `mode` uses, before fusion."""
        p = self.params
        lexical = lexical_scores(self.bundle, plan, p) if mode in ("lexical", "hybrid") else None
        if mode == "lexical":
            candidates = lexical_top(lexical, p.lexical_candidates, allowed)  # type: ignore[arg-type]
            candidates = candidates[lexical[candidates] > 0]  # type: ignore[index]  # no term of the query: no hit
            return Signals(candidates, lexical=lexical[candidates])  # type: ignore[index]
        query_vector = self.query_vector(plan)
        dense_ids, _ = self.bundle.dense.search(
            query_vector, p.dense_candidates, None if allowed is None else np.flatnonzero(allowed)
        )
        candidates = np.sort(dense_ids)
        if lexical is not None:
            candidates = np.union1d(candidates, lexical_top(lexical, p.lexical_candidates, allowed))
        sentence, sentences = sentence_scores(self.bundle, candidates, query_vector)
        return Signals(
            candidates,
            lexical=None if lexical is None else lexical[candidates],
            dense=self.bundle.dense.scores_of(candidates, query_vector).astype(np.float64),
            sentence=sentence,
            sentences=sentences,
        )

    def retriever_scores(self, plan: QueryPlan) -> dict[str, np.ndarray]:
        """Every chunk's score under each retriever, exhaustively: for evaluations only (its cost
        grows with the corpus), to tell a retriever's miss from a fusion's."""
        return full_scores(self.bundle, plan, self.query_vector(plan), self.params)

    def fuse(self, plan: QueryPlan, signals: Signals) -> np.ndarray:
        """One score per candidate: the fusion of the retrievers, then the boosts."""
        if signals.dense is None:
            return signals.lexical.copy()  # type: ignore[union-attr]
        if signals.lexical is None:
            return signals.dense
        p = self.params
        weights = (
            list(p.english_weights) if plan.language == "en" else [p.lexical_weight, p.dense_weight, p.sentence_weight]
        )
        fused = self._fuse([signals.lexical, signals.dense, signals.sentence], weights, p.rrf_k)  # type: ignore[list-item]
        return self._boost(plan, signals.candidates, fused)

    def _boost(self, plan: QueryPlan, candidates: np.ndarray, fused: np.ndarray) -> np.ndarray:
        """Glossaries halved; passages of the authority of a place the caller names raised."""
        p = self.params
        if p.glossary_penalty:
            glossary = np.asarray(self.bundle.glossary[candidates])
            if glossary.any():
                fused = fused * np.where(glossary, p.glossary_penalty, 1.0)
        if plan.territories and p.place_boost:
            local_docs = np.isin(self._territory, list(plan.territories))
            if local_docs.any():
                local = local_docs[np.asarray(self.bundle.chunk_doc[candidates])]
                fused = fused * np.where(local, 1.0 + p.place_boost, 1.0)
        return fused

    def cut(self, plan: QueryPlan, candidates: np.ndarray, fused: np.ndarray, k: int) -> list[Hit]:
        """The `k` best candidates as hits, with their citations and highlights."""
        order = np.argsort(-fused, kind="stable")[:k]
        wanted = plan.highlight_terms
        hits = []
        for rank, at in enumerate(order, start=1):
            idx = int(candidates[at])
            text = self.bundle.chunk_text(idx)
            hits.append(Hit(rank, float(fused[at]), text, self.citation(idx), highlight_spans(text, wanted), idx))
        return hits

    def citation(self, chunk_index: int, start: int | None = None, end: int | None = None) -> Citation:
        return self.bundle.citation(chunk_index, start, end)

    def is_known(self, folded_word: str) -> bool:
        """True when the corpus or the lexicon knows the word (a word that says what a caller needs)."""
        if folded_word in self.bundle.vocabulary:
            return True
        terms = analyze(folded_word)
        return bool(terms) and (terms[0] in self._lexicon_terms or terms[0] in self.bundle.lexical.vocabulary)

    # -- the pipelines -----------------------------------------------------------------------------

    def search(self, query: str, k: int = 10, filters: Filters | None = None, mode: Mode = "hybrid") -> SearchResult:
        """Top `k` passages for `query`, `k` at most the candidates (`RankingParams.lexical_candidates`
        and `dense_candidates`, united in hybrid mode): a full ranking is `retriever_scores`'s job."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        started = time.perf_counter()
        plan = self.plan(query)
        if mode != "lexical":
            self._check_tokens(plan)
        signals = self.signals(plan, mode, self.allowed_chunks(filters))
        hits = self.cut(plan, signals.candidates, self.fuse(plan, signals), k)
        took = (time.perf_counter() - started) * 1000
        return SearchResult(plan.text, mode, hits, took, places=plan.places, corrections=plan.corrections)

    def ask(self, question: str, k: int = 5, filters: Filters | None = None, mode: Mode = "hybrid") -> SearchResult:
        """Top passages plus the extractive answer, or the reason there is none.

        Lexical mode has no sentence similarities to choose an answer with: it is answered in hybrid,
        and the result says so in its `mode`.
        """
        if mode == "lexical":
            mode = "hybrid"
        started = time.perf_counter()
        plan = self.plan(question)
        organisation = filters.organisation if filters else None
        out_of_scope = self.scope.check(plan.text, plan.located, self.is_known, organisation)
        if out_of_scope is not None and out_of_scope.reason == NO_QUESTION:
            return SearchResult(plan.text, mode, [], (time.perf_counter() - started) * 1000, no_answer=out_of_scope)
        self._check_tokens(plan)
        signals = self.signals(plan, mode, self.allowed_chunks(filters))
        hits = self.cut(plan, signals.candidates, self.fuse(plan, signals), max(k, self.answers.params.passages))
        refused = out_of_scope
        out_of_scope = self.scope.reconsider(refused, [h.text for h in hits[: self.answers.params.passages]])
        extraction = answering.extract(self.answers, plan, hits, signals.sentences, k, out_of_scope is None)
        found = extraction.candidate
        answer = None
        confidence = 0.0
        candidate = None
        no_answer = out_of_scope
        if found is not None:
            confidence = self.calibration.confidence(found.features)
            candidate = answering.to_answer(self.bundle, found, confidence)
            if found.verified and confidence >= self.calibration.threshold:
                # A refused place or period is lifted only by an answer from a passage that states it.
                if self.scope.grounds(refused, self.bundle.chunk_text(found.chunk_index)):
                    answer = candidate
                else:
                    no_answer = refused
        if answer is None and no_answer is None:
            no_answer = NoAnswer(NO_CLEAR_ANSWER, NO_CLEAR_ANSWER_MESSAGE)
        best = extraction.best_sentences
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
            found.features.as_dict() if found is not None else None,
            no_answer,
            candidate,
            bool(found and found.verified),
        )


def _relative(span: tuple[int, int] | None, offset: int, length: int) -> tuple[int, int] | None:
    """A document span made relative to a passage of `length` characters starting at `offset`."""
    if span is None:
        return None
    start, end = max(0, span[0] - offset), min(length, span[1] - offset)
    return (start, end) if end > start else None


def _embed_read_only(embedder: Embedder, text: str) -> np.ndarray:
    vector = embedder.embed_query(text)
    vector.flags.writeable = False  # shared by every later query with the same text
    return vector
