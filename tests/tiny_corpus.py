"""The tiny test corpus: two short reports (a commune's, a département's) and their manifest.

A plain module (not a conftest) so that tests/conftest.py and the browser tests' helpers can both
import it: pytest puts tests/ on sys.path because tests/conftest.py sits there without an __init__.py.
The browser tests extend it (tests/service/web/browser_support.py) from the pieces below.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

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

# Without its final line break, so that a larger corpus can go on with the last paragraph.
VILLE_MD_OPEN = """# Rapport d'activité 2023

## Sécurité et tranquillité publique

La police municipale a réalisé 1 250 interventions en 2023. La vidéoprotection compte désormais
42 caméras réparties dans les quartiers.

## Événements

Le festival d'été a accueilli 12 000 visiteurs. Les évènements culturels de la médiathèque ont réuni
les familles tout au long de l'année.

## Petite enfance

La crèche municipale propose 60 places d'accueil pour les enfants de moins de trois ans."""

VILLE_MD = VILLE_MD_OPEN + "\n"

# The département's report in two parts, so that a larger corpus can insert sections between them.
DEPARTEMENT_SOLIDARITE = """RAPPORT D'ACTIVITÉS 2022

SOLIDARITÉ

▷ Personnes âgées

Le Département verse l'allocation personnalisée d'autonomie (APA) à 18 000 personnes âgées qui vivent
à domicile. Le service de téléassistance aide les seniors isolés.

▷ Insertion

Le revenu de solidarité active (RSA) est versé à 35 000 foyers. Le programme départemental d'insertion
accompagne le retour à l'emploi.

"""

DEPARTEMENT_ROUTES = """ROUTES ET MOBILITÉS

Le Département entretient 2 900 kilomètres de routes départementales et a rénové le pont de la Durance.
Le service départemental d'incendie et de secours (SDIS) a reçu 12 millions d'euros.
"""

DEPARTEMENT_TXT = DEPARTEMENT_SOLIDARITE + DEPARTEMENT_ROUTES

TINY_FILES = {"manifest.toml": TINY_MANIFEST, "ville.md": VILLE_MD, "departement.txt": DEPARTEMENT_TXT}


def write_corpus(target: Path, files: Mapping[str, str]) -> Path:
    """Write `files` (name: UTF-8 text, the manifest included) into `target`, created if missing."""
    target.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (target / name).write_text(text, encoding="utf-8")
    return target


def write_tiny_corpus(target: Path) -> Path:
    return write_corpus(target, TINY_FILES)
