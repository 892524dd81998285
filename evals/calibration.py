"""Fit the answer confidence (logistic regression) on dev questions and pick the threshold."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from evals.runner import QuestionRun
from service.search.answer import FEATURES

CALIBRATION_PATH = Path(__file__).resolve().parents[1] / "service" / "search" / "data" / "calibration.json"


def fit_logistic(
    x: np.ndarray, y: np.ndarray, l2: float = 0.1, steps: int = 5000, lr: float = 0.5
) -> tuple[np.ndarray, float]:
    """Plain gradient descent on standardised features; returns weights and bias in raw units."""
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = (x - mean) / std
    w = np.zeros(x.shape[1])
    b = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        grad_w = z.T @ (p - y) / len(y) + l2 * w
        grad_b = float(np.mean(p - y))
        w -= lr * grad_w
        b -= lr * grad_b
    raw_w = w / std
    return raw_w, float(b - np.dot(raw_w, mean))


def calibrate(runs: list[QuestionRun], embedder: str, min_answer_rate: float = 0.95) -> dict:
    """Positive = answerable question; negative = unanswerable one.

    The threshold is the highest one that still answers `min_answer_rate` of the answerable
    questions, which maximises abstention on unanswerable ones under that constraint.
    """
    rows = [r for r in runs if r.features is not None]
    x = np.array([r.features for r in rows], dtype=np.float64)
    y = np.array(
        [
            1.0 if r.question.answerable and r.outcome.first_hit_rank and r.outcome.first_hit_rank <= 5 else 0.0
            for r in rows
        ]
    )
    weights, bias = fit_logistic(x, y)
    conf = 1 / (1 + np.exp(-(x @ weights + bias)))
    answerable = np.array([r.question.answerable for r in rows])
    scores = np.sort(conf[answerable])
    index = int(np.floor((1 - min_answer_rate) * len(scores)))
    threshold = float(scores[index]) - 1e-6 if len(scores) else 0.5
    abstain = conf < threshold
    return {
        "embedder": embedder,
        "features": list(FEATURES),
        "weights": [round(float(v), 6) for v in weights],
        "bias": round(bias, 6),
        "threshold": round(threshold, 6),
        "fitted_on": {
            "split": "dev",
            "questions": len(rows),
            "answer_rate": float(np.mean(~abstain[answerable])),
            "abstention_recall": float(np.mean(abstain[~answerable])) if (~answerable).any() else None,
            "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        },
    }


def save(calibration: dict, path: Path = CALIBRATION_PATH) -> None:
    path.write_text(json.dumps(calibration, indent=2) + "\n")
