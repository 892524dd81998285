"""Training pairs from the corpus: a section's heading and its first passage."""

from __future__ import annotations

from pathlib import Path

from tiny_corpus import write_corpus

from indexer.build import build_index
from rapporteur.bundle.store import load_bundle
from rapporteur.embedders.hashing import HashingEmbedder
from training.data import heading_examples, passage_without_heading

MANIFEST = """
[documents.ville-2024]
file = "ville.md"
title = "Rapport d'activité 2024 de la Ville"
organisation = "Ville de Testville"
organisation_type = "commune"
territory = "com:99999"
year = 2024
kind = "rapport d'activité"
"""

BODY = (
    "La Ville verse une aide de 300 euros aux jeunes de moins de 25 ans qui louent leur premier logement. "
    "Le dossier se dépose au guichet unique de l'hôtel de ville, avec un justificatif de ressources. "
    "En 2024, 412 jeunes en ont bénéficié, soit une hausse de 12 % sur un an. "
    "Un conseiller du centre communal d'action sociale les reçoit sans rendez-vous le mardi et le jeudi."
)
CHAPTERS = [
    "Les aides au logement des jeunes",
    "La tranquillité publique en ville",
    "Les travaux de voirie de l'année écoulée",
    "La petite enfance et les crèches municipales",
    "Les sports et les équipements de quartier",
    "La culture, les musées et la médiathèque",
    "Les finances et le budget de la commune",
    "Les ressources humaines de la collectivité",
]
CONTENTS = "\n\n".join(f"▷ {c}" for c in CHAPTERS)
REPORT = f"""# Sommaire des grands chapitres

{CONTENTS}

# ▷ Les aides au logement des jeunes

{BODY}
"""


def test_a_heading_pairs_with_its_passage_without_the_heading_and_a_contents_page_is_skipped(tmp_path: Path):
    corpus = write_corpus(tmp_path / "corpus", {"manifest.toml": MANIFEST, "ville.md": REPORT})
    build_index(corpus, tmp_path / "index", HashingEmbedder())
    bundle = load_bundle(tmp_path / "index")

    examples = heading_examples(bundle)

    assert [e.query for e in examples] == ["Les aides au logement des jeunes"]
    assert examples[0].positive.strip() == BODY
    pool = [passage_without_heading(bundle, c) for c in range(len(bundle.chunks))]
    assert examples[0].positive in pool  # its own passage is the positive, never a negative
