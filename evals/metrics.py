"""Ranking, answer and abstention metrics."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

CUTOFFS = (1, 3, 5, 10)


@dataclass(frozen=True)
class Outcome:
    """What the system did for one question."""

    question_id: str
    type: str
    answerable: bool
    first_hit_rank: int | None  # rank of the first passage holding the evidence (answerable only)
    gains: tuple[int, ...]  # per rank: 1 if the passage brings a not-yet-seen evidence string
    n_evidence: int
    answered: bool  # ask returned an answer
    answer_correct: bool  # the answer shown holds the evidence
    latency_ms: float
    kind: str | None = None  # why an unanswerable question is (see evals.dataset.UNANSWERABLE_KINDS)
    no_answer_reason: str | None = None
    confidence: float = 0.0


def ndcg(gains: tuple[int, ...], n_relevant: int, k: int = 10) -> float:
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains[:k]))
    ideal = sum(1 / math.log2(i + 2) for i in range(min(max(n_relevant, 1), k)))
    return dcg / ideal


def summarize(outcomes: list[Outcome]) -> dict[str, float]:
    """hit@k, MRR@10, nDCG@10 over answerable questions; answer rate (answers shown), accuracy (right
    answers shown) and precision (right among those shown) over answerable questions; abstention
    over unanswerable ones; latency."""
    answerable = [o for o in outcomes if o.answerable]
    unanswerable = [o for o in outcomes if not o.answerable]
    shown = [o for o in answerable if o.answered]
    out: dict[str, float] = {"questions": float(len(outcomes))}
    if answerable:
        for k in CUTOFFS:
            out[f"hit@{k}"] = float(
                np.mean([o.first_hit_rank is not None and o.first_hit_rank <= k for o in answerable])
            )
        out["mrr@10"] = float(
            np.mean([1 / o.first_hit_rank if o.first_hit_rank and o.first_hit_rank <= 10 else 0.0 for o in answerable])
        )
        out["ndcg@10"] = float(np.mean([ndcg(o.gains, o.n_evidence) for o in answerable]))
        out["answer_rate"] = float(np.mean([o.answered for o in answerable]))
        out["answer_accuracy"] = float(np.mean([o.answer_correct for o in answerable]))
    if shown:
        out["answer_precision"] = float(np.mean([o.answer_correct for o in shown]))
    if unanswerable:
        abstained = [o for o in outcomes if not o.answered]
        out["abstention_recall"] = float(np.mean([not o.answered for o in unanswerable]))
        out["abstention_precision"] = float(np.mean([not o.answerable for o in abstained])) if abstained else 0.0
    latencies = [o.latency_ms for o in outcomes]
    if latencies:
        out["latency_p50_ms"] = float(np.percentile(latencies, 50))
        out["latency_p95_ms"] = float(np.percentile(latencies, 95))
    return out


def abstention_by_kind(outcomes: list[Outcome]) -> dict[str, dict[str, float]]:
    """Per kind of unanswerable question: how many, the share abstained, and the reasons given."""
    out: dict[str, dict[str, float]] = {}
    for o in outcomes:
        if o.answerable or o.kind is None:
            continue
        row = out.setdefault(o.kind, {"questions": 0.0, "abstained": 0.0})
        row["questions"] += 1
        row["abstained"] += not o.answered
        if o.no_answer_reason:
            row[o.no_answer_reason] = row.get(o.no_answer_reason, 0.0) + 1
    for row in out.values():
        row["abstention_recall"] = row["abstained"] / row["questions"]
    return out
