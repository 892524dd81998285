"""Is the answer confidence a probability? Reliability diagram and expected calibration error.

Each verified answer sentence (shown or not) gives a confidence and whether it holds the gold
evidence. Binned by confidence, a calibrated model's share of right sentences in each bin
matches the bin's mean confidence; the expected calibration error (ECE) is the gap between them,
averaged over bins weighted by their size.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

BINS = 10


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    count: int
    confidence: float  # mean confidence in the bin
    accuracy: float  # share of right sentences in the bin


def reliability(confidence: np.ndarray, correct: np.ndarray, bins: int = BINS) -> tuple[list[Bin], float]:
    """Bins of equal width over [0, 1] and the expected calibration error."""
    confidence = np.asarray(confidence, dtype=np.float64)
    correct = np.asarray(correct, dtype=np.float64)
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    out: list[Bin] = []
    ece = 0.0
    for b in range(bins):
        members = index == b
        count = int(members.sum())
        if not count:
            out.append(Bin(float(edges[b]), float(edges[b + 1]), 0, float("nan"), float("nan")))
            continue
        mean_conf = float(confidence[members].mean())
        acc = float(correct[members].mean())
        ece += count / len(confidence) * abs(acc - mean_conf)
        out.append(Bin(float(edges[b]), float(edges[b + 1]), count, mean_conf, acc))
    return out, float(ece)


def plot(bins: list[Bin], ece: float, threshold: float | None, path: Path, title: str) -> None:
    """Write the reliability diagram as a PNG (matplotlib, no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(5.5, 6.0), sharex=True, gridspec_kw={"height_ratios": [3, 1]}, constrained_layout=True
    )
    filled = [b for b in bins if b.count]
    top.plot([0, 1], [0, 1], linestyle="--", color="#767676", label="perfect calibration")
    top.bar(
        [(b.low + b.high) / 2 for b in filled],
        [b.accuracy for b in filled],
        width=[b.high - b.low for b in filled],
        edgecolor="#000091",
        color="#cacafb",
        label="share of right sentences",
    )
    top.plot([b.confidence for b in filled], [b.accuracy for b in filled], "o", color="#000091")
    if threshold is not None:
        top.axvline(threshold, color="#b3001b", linewidth=1.5, label=f"display threshold ({threshold:.2f})")
    top.set_ylabel("share of sentences that answer")
    top.set_ylim(0, 1)
    top.set_title(f"{title} — ECE {ece:.3f}")
    top.legend(loc="upper left", fontsize=8)
    bottom.bar(
        [(b.low + b.high) / 2 for b in bins],
        [b.count for b in bins],
        width=[b.high - b.low for b in bins],
        color="#767676",
    )
    bottom.set_xlabel("confidence")
    bottom.set_ylabel("sentences")
    bottom.set_xlim(0, 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
