"""The rebuild fingerprint: drawn from the modules and data files a build really imports and reads,
and from the build-time parameters only. Each change is made to a copy of the project's packages,
built by the indexer's command line in a child process, as a developer's edit would be."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tiny_corpus import write_tiny_corpus

from indexer.build import build_inputs, build_parameters

ROOT = Path(__file__).resolve().parents[2]
BUILD_FLAGS = ("--embedder", "hashing", "--progress-json", "--workers", "1")


def test_the_inputs_are_every_module_the_build_imports_and_the_gazetteer_files() -> None:
    inputs = build_inputs("indexer.build")
    assert {
        "indexer.build",
        "indexer.pdf_layout",  # imported by the loaders only
        "rapporteur.bundle.arrays",  # left out of the hand-kept list before
        "rapporteur.text.places",
        "rapporteur.embedders.hashing",
    } <= set(inputs.modules)
    assert not any(name.startswith(("service", "evals")) for name in inputs.modules)
    assert "rapporteur.parameters" not in inputs.modules  # hashed by value, build-time sets only
    assert "indexer.cli" not in inputs.modules and "indexer.ray_execution" not in inputs.modules
    data = {path.relative_to(ROOT).as_posix() for path in inputs.data}
    # The gazetteer, and the tuned model's layers (the registry can create its embedder).
    assert data == {
        "rapporteur/text/data/places.tsv.gz",
        "rapporteur/text/data/territories.tsv",
        "rapporteur/embedders/data/e5-small-rapporteur-q4.json",
        "rapporteur/embedders/data/e5-small-rapporteur-q4.layers.npz",
    }


def test_only_build_time_parameters_are_hashed() -> None:
    values = build_parameters(build_inputs("indexer.build").parameters)
    assert {"CHUNKING", "EXTRACTION", "SENTENCES", "PERIODS", "GLOSSARY", "LEXICAL", "DENSE", "PLACES"} <= set(values)
    assert not {"RANKING", "QUERY", "ANSWER", "CONFIDENCE", "CHATTER", "DISTRIBUTED", "UPLOADS"} & set(values)
    assert "ivf_probes" not in values["DENSE"] and "exact_max_vectors" in values["DENSE"]
    assert "max_results" not in values["SUGGESTIONS"] and "min_phrase_count" in values["SUGGESTIONS"]


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's build packages copied apart, with a tiny corpus and its index built from them."""
    base = tmp_path_factory.mktemp("project")
    for package in ("indexer", "rapporteur"):
        shutil.copytree(ROOT / package, base / package, ignore=shutil.ignore_patterns("__pycache__"))
    write_tiny_corpus(base / "corpus")
    assert _build(base)["up_to_date"] is False
    assert _build(base)["up_to_date"] is True
    return base


def _build(base: Path) -> dict:
    """`python -m indexer build` run from the copy; its `done` event."""
    env = {**os.environ, "PYTHONPATH": str(base)}
    env = {k: v for k, v in env.items() if not k.startswith("RAPPORTEUR_")}
    done = subprocess.run(
        [sys.executable, "-m", "indexer", "build", "corpus", "--out", "index", *BUILD_FLAGS],
        cwd=base,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    event = json.loads(done.stdout.strip().splitlines()[-1])
    assert event["event"] == "done", done.stdout[-2000:]
    return event


def _edit(path: Path, old: str, new: str) -> str:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text


def test_the_copy_builds_from_its_own_sources(project_copy: Path) -> None:
    found = subprocess.run(
        [sys.executable, "-c", "import indexer.build; print(indexer.build.__file__)"],
        cwd=project_copy,
        env={**os.environ, "PYTHONPATH": str(project_copy)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(found.stdout.strip()).is_relative_to(project_copy)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("    rrf_k: float = 10.0\n", "    rrf_k: float = 12.0\n"),  # RankingParams
        ("    min_key_coverage: float = 0.2", "    min_key_coverage: float = 0.3"),  # AnswerParams
        ("    bias: float = -3.5\n", "    bias: float = -3.0\n"),  # ConfidenceDefaults
        ("    ivf_probes: int = 128\n", "    ivf_probes: int = 64\n"),  # a search-time field of DenseParams
    ],
    ids=["ranking", "answer", "confidence", "dense-search"],
)
def test_a_search_time_parameter_change_keeps_the_index_up_to_date(project_copy: Path, old: str, new: str) -> None:
    parameters = project_copy / "rapporteur" / "parameters.py"
    before = _edit(parameters, old, new)
    try:
        assert _build(project_copy)["up_to_date"] is True
    finally:
        parameters.write_text(before, encoding="utf-8")


def test_a_build_time_parameter_change_makes_the_index_stale(project_copy: Path) -> None:
    parameters = project_copy / "rapporteur" / "parameters.py"
    before = _edit(parameters, "    min_chars: int = 40\n", "    min_chars: int = 50\n")  # SentenceParams
    try:
        assert _build(project_copy)["up_to_date"] is False
    finally:
        parameters.write_text(before, encoding="utf-8")
    assert _build(project_copy)["up_to_date"] is False  # back to the old value: built again


@pytest.mark.parametrize("name", ["territories.tsv", "places.tsv.gz"])
def test_a_gazetteer_data_change_makes_the_index_stale(project_copy: Path, name: str) -> None:
    path = project_copy / "rapporteur" / "text" / "data" / name
    before = path.read_bytes()
    if name == "territories.tsv":
        row = "Pays de Testville\tterritory\t13\t\tTestvillois\t\n"
        path.write_bytes(before + row.encode())
    else:
        text = gzip.decompress(before).decode("utf-8")
        assert text.count("\tParis 20e Arrondissement\t\t75\t75056\t195814\t") == 1
        text = text.replace("\t75056\t195814\t", "\t75056\t195815\t")  # one more inhabitant
        path.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    try:
        assert _build(project_copy)["up_to_date"] is False
    finally:
        path.write_bytes(before)
    assert _build(project_copy)["up_to_date"] is False
