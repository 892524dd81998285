"""The three retrievers of the hybrid ranking, scored over candidates so that a query's cost does
not grow with the corpus:

- lexical: BM25 of the query's analysed terms, plus a share of its lexicon expansions (postings
  of the query terms only, then the top `lexical_candidates` without sorting every chunk);
- dense: similarity of the query vector to the passage vectors (exact below the approximate
  index's threshold; its top `dense_candidates` above, then exact scores);
- sentence: similarity of the query vector to each candidate's best sentence.

The candidates are the union of the lexical and dense tops; every retriever then scores every
candidate exactly, so that fusion compares like with like.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rapporteur.bundle.lexical import top_ids
from rapporteur.bundle.store import Bundle
from rapporteur.parameters import RankingParams
from service.search.query import QueryPlan


@dataclass(frozen=True)
class SentenceScores:
    """Similarity to the query of the sentences of the candidates."""

    ids: np.ndarray  # sentence ids
    sims: np.ndarray

    def lookup(self) -> dict[int, float]:
        return dict(zip(self.ids.tolist(), self.sims.tolist(), strict=True))


@dataclass(frozen=True)
class Signals:
    """Scores of each retriever over `candidates` (chunk ids, ascending); None when the mode does
    not use a retriever."""

    candidates: np.ndarray
    lexical: np.ndarray | None = None
    dense: np.ndarray | None = None
    sentence: np.ndarray | None = None  # best sentence similarity inside each candidate
    sentences: SentenceScores | None = None


def lexical_scores(bundle: Bundle, plan: QueryPlan, params: RankingParams) -> np.ndarray:
    """BM25 of the query terms, plus `expansion_weight` times that of the expansions, per chunk."""
    scores = bundle.lexical.scores(plan.terms).astype(np.float64)
    if plan.expansions and params.expansion_weight:
        scores += params.expansion_weight * bundle.lexical.scores(plan.expansions)
    return scores


def lexical_top(scores: np.ndarray, k: int, allowed: np.ndarray | None) -> np.ndarray:
    """The `k` chunks of highest lexical score among `allowed` (a boolean mask), by id."""
    if allowed is None:
        return top_ids(scores, k)
    ids = np.flatnonzero(allowed)
    return ids[top_ids(scores[ids], k)]


def sentence_scores(
    bundle: Bundle, candidates: np.ndarray, query_vector: np.ndarray
) -> tuple[np.ndarray, SentenceScores]:
    """Best sentence similarity of each candidate (-1 without a sentence), and every sentence's."""
    ids, owners = bundle.sentences_of_chunks(candidates)
    order = np.argsort(ids, kind="stable")  # read the memory-mapped rows in file order
    sims = np.empty(len(ids), dtype=np.float64)
    if len(ids):
        rows = np.asarray(bundle.sentence_vectors[ids[order]], dtype=np.float32)
        sims[order] = rows @ np.asarray(query_vector, dtype=np.float32)
    best = np.full(len(candidates), -1.0)
    if len(ids):
        np.maximum.at(best, owners, sims)
    return best, SentenceScores(ids, sims)


def full_scores(
    bundle: Bundle, plan: QueryPlan, query_vector: np.ndarray, params: RankingParams
) -> dict[str, np.ndarray]:
    """Every chunk's score under each retriever, exhaustively (for evaluations: costs the corpus)."""
    every = np.arange(len(bundle.chunks))
    sentence, _ = sentence_scores(bundle, every, query_vector)
    return {
        "lexical": lexical_scores(bundle, plan, params),
        "dense": bundle.dense.scores_of(every, query_vector).astype(np.float64),
        "sentence": sentence,
    }
