"""The three retrievers of the hybrid ranking, each scoring every chunk of the bundle:

- lexical: BM25 of the query's analysed terms, plus a share of its lexicon expansions;
- dense: similarity of the query vector to each passage vector (exact, or the top candidates of an
  approximate index, the others at -1);
- sentence: similarity of the query vector to each chunk's best sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rapporteur.bundle.store import Bundle
from rapporteur.parameters import RankingParams
from service.search.query import QueryPlan


@dataclass(frozen=True)
class Signals:
    """Per-chunk scores of each retriever (None when the mode does not use it)."""

    lexical: np.ndarray | None = None
    dense: np.ndarray | None = None
    sentence: np.ndarray | None = None  # best sentence similarity inside each chunk
    sentence_sims: np.ndarray | None = None  # similarity of every sentence


def lexical_scores(bundle: Bundle, plan: QueryPlan, params: RankingParams) -> np.ndarray:
    scores = bundle.lexical.scores(plan.terms).astype(np.float64)
    if plan.expansions and params.expansion_weight:
        scores += params.expansion_weight * bundle.lexical.scores(plan.expansions)
    return scores


def dense_scores(
    bundle: Bundle,
    chunk_vectors: np.ndarray | None,
    query_vector: np.ndarray,
    allowed: np.ndarray | None,
    params: RankingParams,
) -> np.ndarray:
    """Exact scores with `chunk_vectors`; else the approximate index's top candidates (others -1)."""
    if chunk_vectors is not None:
        return (chunk_vectors @ query_vector).astype(np.float64)
    scores = np.full(len(bundle.chunks), -1.0)
    ids, values = bundle.dense.search(query_vector, params.candidates, allowed)
    scores[ids] = values
    return scores


def sentence_scores(bundle: Bundle, query_vector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Similarity of every sentence, and of each chunk's best sentence (-1 for a chunk without one)."""
    sentence_sims = (bundle.sentence_vectors @ query_vector).astype(np.float64)
    flat, offsets = bundle.chunk_sentences, bundle.chunk_sentence_offsets
    per_chunk = np.full(len(bundle.chunks), -1.0)
    has = offsets[1:] > offsets[:-1]
    if len(flat):
        per_chunk[has] = np.maximum.reduceat(sentence_sims[flat], offsets[:-1][has])
    return sentence_sims, per_chunk
