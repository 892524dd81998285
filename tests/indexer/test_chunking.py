from pathlib import Path

import pytest

from indexer.chunking import chunk_text
from indexer.loaders import load_file
from indexer.sections import find_headings, heading_level
from rapporteur.parameters import ChunkingParams

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.txt")), ids=lambda p: p.stem)
def test_every_chunk_of_the_corpus_is_an_exact_span(path: Path):
    doc = load_file(path)
    params = ChunkingParams()
    chunks = chunk_text(path.stem, doc.text, params)
    assert chunks
    for chunk in chunks:
        assert chunk.text == doc.text[chunk.start : chunk.end]
        assert chunk.text.strip() == chunk.text
        assert len(chunk.text) <= params.chunk_size
    # Reading order, and nothing of substance left out.
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)
    covered = sum(len(c.text) for c in chunks)
    assert covered >= 0.95 * len(doc.text.replace("\n\n", "\n"))


def test_sections_follow_headings():
    text = (
        "# Rapport\n\n## Budget\n\nLe budget 2023 atteint 12 millions d'euros pour les investissements.\n\n"
        "## Routes\n\nLe pont de la Durance a été rénové par le Département cette année.\n"
    )
    chunks = chunk_text("doc", text, ChunkingParams(chunk_size=120, chunk_overlap=20, min_chunk_size=10))
    by_text = {c.text.split("\n")[0]: c.section for c in chunks}
    assert any(s.endswith("Routes") for s in by_text.values())
    routes = next(c for c in chunks if "Durance" in c.text)
    assert routes.section == "Rapport › Routes"


def test_long_sections_are_split_with_overlap():
    sentence = "Le Département accompagne les communes rurales dans leurs projets d'aménagement. "
    text = "TITRE DU CHAPITRE PRINCIPAL\n\n" + sentence * 40
    params = ChunkingParams(chunk_size=300, chunk_overlap=80)
    chunks = chunk_text("doc", text, params)
    assert len(chunks) > 5
    assert all(c.section == "TITRE DU CHAPITRE PRINCIPAL" for c in chunks)
    assert any(chunks[i + 1].start < chunks[i].end for i in range(len(chunks) - 1))


def test_page_numbers_are_attached():
    text = "Page un du rapport avec du texte.\n\nPage deux du rapport avec du texte."
    chunks = chunk_text(
        "doc",
        text,
        ChunkingParams(chunk_size=40, chunk_overlap=0, min_chunk_size=1),
        page_at=lambda offset: 1 if offset < 35 else 2,
    )
    assert [c.page for c in chunks] == [1, 2]


_BODY = "Au cours de l'année 2023, le service a accompagné de nombreux projets dans toutes les communes."


@pytest.mark.parametrize(
    ("line", "next_line", "level"),
    [
        ("# Budget", "", 1),
        ("▷ DIRECTION DES FINANCES", "", 2),
        ("V-COMMANDE PUBLIQUE", "", 1),
        ("LES MISSIONS", "", 2),
        (
            "Les réalisations 2021",
            "Au cours de l'année 2021, le service a accompagné de nombreux projets.",
            3,
        ),
        ("Le budget est voté.", "", None),
        ("- ▶ Préparer le budget primitif ;", "", None),
        ("155 agents à la Ville et", "24 agents au CCAS", None),
        ("1. Enfance et éducation", _BODY, 3),
        ("2.3 Les travaux de voirie", _BODY, 3),
        ("41.3 - Citoyenneté", _BODY, 3),
        ("Le centre de contact 30 01", _BODY, 3),  # a number that names something
        ("Plus de 2 500 repas servis", _BODY, None),  # a key figure
        ("Les 10 chantiers de l'année", _BODY, None),
        ("1er janvier", _BODY, None),
    ],
)
def test_heading_levels(line: str, next_line: str, level: int | None):
    assert heading_level(line, next_line) == level


def test_find_headings_offsets():
    text = "Intro\n\nBUDGET DE LA VILLE\nLe texte du budget suit ici avec assez de mots pour un paragraphe."
    (heading,) = find_headings(text)
    assert text[heading.start : heading.end] == "BUDGET DE LA VILLE"


def test_link_texts_are_not_headings():
    assert heading_level("En savoir plus : Aide à l'immobilier d'entreprise", "x" * 80) is None
    assert heading_level("Télécharger le rapport", "x" * 80) is None
