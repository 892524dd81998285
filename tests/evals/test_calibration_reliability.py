"""Fitting the answer confidence for precision, and measuring its reliability."""

import numpy as np

from evals.calibration import fit_logistic, precision_threshold, predict
from evals.reliability import plot, reliability


def test_precision_threshold_shows_as_many_answers_as_the_precision_allows():
    confidence = np.array([0.95, 0.9, 0.8, 0.7, 0.6, 0.5])
    correct = np.array([1, 1, 1, 0, 1, 0], dtype=float)
    threshold = precision_threshold(confidence, correct, 0.9)
    assert (confidence >= threshold).sum() == 3  # 3 of 3 right; a 4th would make it 3 of 4
    assert precision_threshold(confidence, correct, 0.8) <= 0.6  # 4 of 5 right
    nothing = precision_threshold(np.array([0.9, 0.8]), np.array([0.0, 0.0]), 0.9)
    assert nothing > 0.9  # above every confidence: no answer is shown


def test_logistic_fit_separates_a_clean_signal():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 2))
    y = (x[:, 0] > 0).astype(float)
    w, b = fit_logistic(x, y)
    assert w[0] > 2 * abs(w[1])
    assert ((predict(x, w, b) > 0.5) == (y == 1)).mean() > 0.95


def test_reliability_and_ece(tmp_path):
    confidence = np.array([0.05, 0.15, 0.85, 0.95, 0.9, 0.1])
    correct = np.array([0, 0, 1, 1, 1, 0], dtype=float)
    bins, ece = reliability(confidence, correct)
    assert sum(b.count for b in bins) == 6
    # Each filled bin is off by its mean confidence (or its complement): a small, exact error.
    expected = (0.05 + 0.15 + 0.1 + 0.15 + 0.05 + 0.1) / 6
    assert abs(ece - expected) < 1e-9
    _, zero = reliability(np.array([1.0, 1.0, 0.0]), np.array([1.0, 1.0, 0.0]))
    assert zero == 0.0
    path = tmp_path / "reliability.png"
    plot(bins, ece, 0.6, path, "test")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
