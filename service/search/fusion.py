"""Combining retrievers' scores into one ranking: fusions by name (`RankingParams.fusion`)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def ranks(scores: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """1-based rank of each candidate under `scores` (higher is better); ties share order of index."""
    order = candidates[np.argsort(-scores[candidates], kind="stable")]
    out = np.zeros(len(scores), dtype=np.float64)
    out[order] = np.arange(1, len(order) + 1)
    return out


def rrf(
    score_lists: list[np.ndarray], candidates: np.ndarray, weights: list[float] | None = None, k: float = 60.0
) -> np.ndarray:
    """Weighted reciprocal rank fusion over `candidates`; other rows score 0."""
    weights = weights or [1.0] * len(score_lists)
    fused = np.zeros(len(score_lists[0]), dtype=np.float64)
    for scores, weight in zip(score_lists, weights, strict=True):
        r = ranks(scores, candidates)
        fused[candidates] += weight / (k + r[candidates])
    return fused


def minmax(scores: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Scores rescaled to [0, 1] over `candidates` (0 elsewhere)."""
    out = np.zeros(len(scores), dtype=np.float64)
    if len(candidates) == 0:
        return out
    values = scores[candidates].astype(np.float64)
    low, high = values.min(), values.max()
    out[candidates] = (values - low) / (high - low) if high > low else 1.0
    return out


def blend(score_lists: list[np.ndarray], candidates: np.ndarray, weights: list[float], k: float = 0.0) -> np.ndarray:
    """Weighted sum of min-max normalised scores over `candidates` (`k` is unused)."""
    fused = np.zeros(len(score_lists[0]), dtype=np.float64)
    for scores, weight in zip(score_lists, weights, strict=True):
        fused += weight * minmax(scores, candidates)
    return fused


Fusion = Callable[[list[np.ndarray], np.ndarray, list[float], float], np.ndarray]
FUSIONS: dict[str, Fusion] = {"rrf": rrf, "blend": blend}


def fusion_named(name: str) -> Fusion:
    """The fusion called `name` (ValueError for an unknown one)."""
    try:
        return FUSIONS[name]
    except KeyError:
        raise ValueError(f"unknown fusion {name!r}; known: {', '.join(FUSIONS)}") from None
