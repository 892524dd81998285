"""Data derived at build time: glossary flags, places the documents name."""

from indexer.derived import is_glossary, places_named
from rapporteur.text.places import default_gazetteer


def test_glossaries_are_recognised():
    glossary = "SIGLES\n" + "\n".join(f"AB{c}: Agence de {c}" for c in "CDEFGH")
    assert is_glossary(glossary)
    assert not is_glossary("Le SDIS : service départemental d'incendie et de secours, a reçu 12 M€.")


def test_places_named_once_each():
    places = places_named(["Le Département aide Oyonnax.", "À Oyonnax et à Marseille."], default_gazetteer())
    assert [p["name"] for p in places] == ["Marseille", "Oyonnax"]
    assert places[1]["departements"] == ["01"] and places[1]["commune"] == "01283"
