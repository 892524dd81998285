"""The answer confidence: weights by feature name, fits refused when their features differ."""

import json
from pathlib import Path

import pytest

from service.search.answer import AnswerFeatures
from service.search.calibration import FEATURES, Calibration, calibration_file


def _features(**values: float) -> AnswerFeatures:
    return AnswerFeatures(**{name: values.get(name, 0.0) for name in FEATURES})


def _fit(names: list[str], weights: list[float], embedder: str = "e5-test") -> str:
    return json.dumps({"embedder": embedder, "features": names, "weights": weights, "bias": -1.0, "threshold": 0.6})


def test_a_fit_is_read_by_feature_name():
    weights = [float(i) for i in range(len(FEATURES))]
    fitted = Calibration.parse(_fit(list(FEATURES), weights), "e5-test")
    assert fitted is not None and fitted.weights["passage_rank"] == 6.0 and fitted.threshold == 0.6


def test_a_fit_whose_features_are_reordered_is_refused():
    reordered = [FEATURES[1], FEATURES[0], *FEATURES[2:]]
    assert Calibration.parse(_fit(reordered, [1.0] * len(FEATURES)), "e5-test") is None


def test_a_fit_for_another_embedder_or_other_features_is_refused():
    assert Calibration.parse(_fit(list(FEATURES), [1.0] * len(FEATURES)), "other") is None
    assert Calibration.parse(_fit([*FEATURES, "extra"], [1.0] * (len(FEATURES) + 1)), "e5-test") is None
    assert Calibration.parse("not json", "e5-test") is None


def test_the_confidence_weighs_each_feature_by_its_name():
    calibration = Calibration({"key_coverage": 4.0, "passage_rank": -1.0}, bias=0.0)
    same = Calibration({"passage_rank": -1.0, "key_coverage": 4.0}, bias=0.0)
    features = _features(key_coverage=1.0, passage_rank=2.0, sentence_similarity=9.0)
    assert calibration.confidence(features) == same.confidence(features) == pytest.approx(1 / (1 + 2.718281828**-2))


def test_an_unknown_feature_name_is_an_error():
    with pytest.raises(ValueError, match="no answer feature"):
        Calibration({"key_coverag": 1.0})


def test_the_index_directorys_fit_comes_first(tmp_path: Path):
    path = calibration_file(tmp_path, "e5-test")
    path.parent.mkdir(parents=True)
    path.write_text(_fit(list(FEATURES), [0.5] * len(FEATURES)))
    assert Calibration.for_embedder("e5-test", tmp_path).weights["key_coverage"] == 0.5
    defaults = Calibration.for_embedder("unknown-embedder", tmp_path)
    assert defaults.embedder is None and defaults.weights["key_coverage"] == 4.0


def test_a_fit_for_other_weights_of_the_embedder_is_refused(tmp_path: Path):
    fit = json.loads(_fit(list(FEATURES), [0.5] * len(FEATURES)))
    assert (
        Calibration.parse(json.dumps(fit), "e5-test", weights="a" * 64) is None
    )  # fitted before weights were recorded
    fit["weights_sha256"] = "a" * 64
    assert Calibration.parse(json.dumps(fit), "e5-test", weights="a" * 64) is not None
    assert Calibration.parse(json.dumps(fit), "e5-test", weights="b" * 64) is None  # the model was retrained since
    assert Calibration.parse(json.dumps(fit), "e5-test") is not None  # an embedder without a checksum reads it
