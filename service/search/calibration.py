"""The answer confidence: a logistic model of « the chosen sentence answers the question ».

A fit holds for one embedder (similarities differ across models) and is looked up by its name:
first in the index directory (`INDEX_DIR/calibration/<embedder>.json`, written by
`python -m evals calibrate` for that index), then among the fits shipped with the service
(`service/search/data/calibration/`, updated by `python -m evals calibrate --package`). Without
either, the defaults use only embedder-independent features.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from rapporteur.bundle.store import BUNDLES
from rapporteur.parameters import CONFIDENCE
from rapporteur.text.analyzer import slugify
from service.search.answer import AnswerFeatures

log = logging.getLogger(__name__)

FEATURES = AnswerFeatures.names()
CALIBRATION_DIR = "calibration"


def calibration_file(index_dir: Path, embedder: str) -> Path:
    """Where the fit for `embedder` of the index in `index_dir` is kept."""
    return index_dir / CALIBRATION_DIR / f"{slugify(embedder)}.json"


def index_dir_of(bundle_path: Path) -> Path | None:
    """The index directory holding a bundle (INDEX_DIR/bundles/<id>), or None for a lone bundle."""
    return bundle_path.parent.parent if bundle_path.parent.name == BUNDLES else None


@dataclass(frozen=True)
class Calibration:
    """Weights of the logistic model by feature name (missing names weigh 0), and the threshold
    for showing an answer."""

    weights: dict[str, float] = field(default_factory=lambda: dict(CONFIDENCE.weights))
    bias: float = CONFIDENCE.bias
    threshold: float = CONFIDENCE.threshold
    embedder: str | None = None
    fitted_on: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.weights) - set(FEATURES)
        if unknown:
            raise ValueError(f"no answer feature is called {', '.join(sorted(unknown))}")

    @classmethod
    def for_embedder(cls, embedder: str, index_dir: Path | None = None, weights: str | None = None) -> Calibration:
        """The fit for `embedder` (with the weights' checksum `weights`, where it has one): the index
        directory's, else the shipped one, else the defaults."""
        candidates = [calibration_file(index_dir, embedder)] if index_dir is not None else []
        shipped = resources.files("service.search").joinpath(f"data/{CALIBRATION_DIR}/{slugify(embedder)}.json")
        for source in [*candidates, shipped]:
            try:
                text = source.read_text(encoding="utf-8")
            except (FileNotFoundError, OSError):
                continue
            fitted = cls.parse(text, embedder, weights)
            if fitted is not None:
                return fitted
        log.warning("no answer calibration for %s; using the uncalibrated defaults", embedder)
        return cls()

    @classmethod
    def parse(cls, text: str, embedder: str, weights: str | None = None) -> Calibration | None:
        """A fit read from JSON, or None when it is unreadable, for another embedder, other weights of
        it (a fit records them when the embedder has them) or other features."""
        try:
            data = json.loads(text)
        except ValueError:
            return None
        if data.get("embedder") != embedder:
            return None
        if weights is not None and data.get("weights_sha256") != weights:
            log.warning(
                "a calibration of %s was fitted with other weights of it; run python -m evals calibrate", embedder
            )
            return None
        names, weights = tuple(data.get("features", ())), data.get("weights", ())
        if names != FEATURES or len(weights) != len(FEATURES):
            log.warning("a calibration of %s is for other features; run python -m evals calibrate", embedder)
            return None
        return cls(
            dict(zip(names, map(float, weights), strict=True)),
            float(data["bias"]),
            float(data["threshold"]),
            embedder,
            data.get("fitted_on", {}),
        )

    def confidence(self, features: AnswerFeatures) -> float:
        values = features.as_dict()
        z = sum(weight * values[name] for name, weight in self.weights.items()) + self.bias
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
