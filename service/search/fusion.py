"""Combining retrievers' scores into one ranking: fusions by name (`RankingParams.fusion`).

Each fusion takes score arrays aligned on the same candidates (ordered by chunk id, so that ties
fall to the earlier chunk) and returns one fused score per candidate.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def ranks(scores: np.ndarray) -> np.ndarray:
    """1-based rank of each candidate under `scores` (higher is better); ties keep candidate order."""
    out = np.empty(len(scores), dtype=np.float64)
    out[np.argsort(-scores, kind="stable")] = np.arange(1, len(scores) + 1)
    return out


def rrf(score_lists: list[np.ndarray], weights: list[float] | None = None, k: float = 60.0) -> np.ndarray:
    """Weighted reciprocal rank fusion."""
    weights = weights or [1.0] * len(score_lists)
    fused = np.zeros(len(score_lists[0]), dtype=np.float64)
    for scores, weight in zip(score_lists, weights, strict=True):
        fused += weight / (k + ranks(scores))
    return fused


def minmax(scores: np.ndarray) -> np.ndarray:
    """Scores rescaled to [0, 1]."""
    values = np.asarray(scores, dtype=np.float64)
    if not len(values):
        return values
    low, high = values.min(), values.max()
    return (values - low) / (high - low) if high > low else np.ones_like(values)


def blend(score_lists: list[np.ndarray], weights: list[float], k: float = 0.0) -> np.ndarray:
    """Weighted sum of min-max normalised scores (`k` is unused)."""
    fused = np.zeros(len(score_lists[0]), dtype=np.float64)
    for scores, weight in zip(score_lists, weights, strict=True):
        fused += weight * minmax(scores)
    return fused


Fusion = Callable[[list[np.ndarray], list[float], float], np.ndarray]
FUSIONS: dict[str, Fusion] = {"rrf": rrf, "blend": blend}


def fusion_named(name: str) -> Fusion:
    """The fusion called `name` (ValueError for an unknown one)."""
    try:
        return FUSIONS[name]
    except KeyError:
        raise ValueError(f"unknown fusion {name!r}; known: {', '.join(FUSIONS)}") from None
