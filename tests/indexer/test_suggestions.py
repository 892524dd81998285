"""Search-box completions chosen at build time: titles, cleaned headings, frequent phrases."""

from __future__ import annotations

from indexer.suggestions import clean_heading, frequent_phrases


def test_clean_heading() -> None:
    casing = {"ramsar": "Ramsar", "rsa": "RSA", "zones": "zones"}
    assert clean_heading("V-ÉTAT CIVIL ET CIMETIÈRES", {}) == "État civil et cimetières"
    assert clean_heading("RÉALISATIONS MAJEURES EN 2020 38", {}) == "Réalisations majeures en 2020"
    assert clean_heading("LABEL RAMSAR : LES ZONES HUMIDES", casing) == "Label Ramsar : les zones humides"
    assert clean_heading("LE MAINTIEN DU RSA", casing) == "Le maintien du RSA"
    assert clean_heading("Petite enfance", {}) == "Petite enfance"
    assert clean_heading("12", {}) is None


def test_frequent_phrases_prefer_the_longest_form() -> None:
    text = "Les personnes du Bel Âge sont aidées. " * 4 + "Les personnes du Bel Âge ont un guide. "
    phrases = dict(frequent_phrases([text], min_count=3))
    assert "personnes du Bel Âge" in phrases
    assert "personnes du Bel" not in phrases and "Bel Âge" not in phrases
