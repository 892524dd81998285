"""Shared fixtures: a tiny real corpus built with the hashing embedder, and the real corpus index."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.embedders.hashing import HashingEmbedder

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"

TINY_MANIFEST = """
[documents.ville-test-2023]
file = "ville.md"
title = "Rapport d'activité 2023 de la Ville de Testville"
organisation = "Ville de Testville"
organisation_type = "commune"
territory = "com:99999"
year = 2023
kind = "rapport d'activité"

[documents.departement-test-2022]
file = "departement.txt"
title = "Rapport d'activités 2022 du Département du Test"
organisation = "Département du Test"
organisation_type = "département"
territory = "dep:13"
year = 2022
kind = "rapport d'activité"
"""

VILLE_MD = """# Rapport d'activité 2023

## Sécurité et tranquillité publique

La police municipale a réalisé 1 250 interventions en 2023. La vidéoprotection compte désormais
42 caméras réparties dans les quartiers.

## Événements

Le festival d'été a accueilli 12 000 visiteurs. Les évènements culturels de la médiathèque ont réuni
les familles tout au long de l'année.

## Petite enfance

La crèche municipale propose 60 places d'accueil pour les enfants de moins de trois ans.
"""

DEPARTEMENT_TXT = """RAPPORT D'ACTIVITÉS 2022

SOLIDARITÉ

▷ Personnes âgées

Le Département verse l'allocation personnalisée d'autonomie (APA) à 18 000 personnes âgées qui vivent
à domicile. Le service de téléassistance aide les seniors isolés.

▷ Insertion

Le revenu de solidarité active (RSA) est versé à 35 000 foyers. Le programme départemental d'insertion
accompagne le retour à l'emploi.

ROUTES ET MOBILITÉS

Le Département entretient 2 900 kilomètres de routes départementales et a rénové le pont de la Durance.
Le service départemental d'incendie et de secours (SDIS) a reçu 12 millions d'euros.
"""


def write_tiny_corpus(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    (target / "manifest.toml").write_text(TINY_MANIFEST, encoding="utf-8")
    (target / "ville.md").write_text(VILLE_MD, encoding="utf-8")
    (target / "departement.txt").write_text(DEPARTEMENT_TXT, encoding="utf-8")
    return target


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    return write_tiny_corpus(tmp_path / "corpus")


@pytest.fixture(scope="session")
def tiny_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bundle of the tiny corpus, built once with the hashing embedder."""
    base = tmp_path_factory.mktemp("tiny")
    corpus = write_tiny_corpus(base / "corpus")
    build_index(corpus, base / "index", HashingEmbedder())
    return base / "index"


@pytest.fixture(scope="session")
def corpus_index() -> Path:
    """The real corpus indexed with the default embedder (built once, then reused incrementally)."""
    from indexer.embedders import create_embedder

    index = Path(os.environ.get("RAPPORTEUR_TEST_INDEX", ROOT / "index"))
    build_index(CORPUS, index, create_embedder("e5-small-q4"))
    return index


@pytest.fixture
def copy_dir(tmp_path: Path):
    def _copy(src: Path, name: str) -> Path:
        dst = tmp_path / name
        shutil.copytree(src, dst)
        return dst

    return _copy
