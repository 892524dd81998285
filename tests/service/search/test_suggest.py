"""Search-box completions: the candidates of the bundle, matched on folded word starts."""

from __future__ import annotations

from pathlib import Path

from rapporteur.bundle.store import load_bundle
from service.search.suggest import MAX_SUGGESTIONS, Suggester, suggestion_key


def _suggester() -> Suggester:
    return Suggester(
        [
            ("Rapport d'activité 2023 de la Ville de Testville", "title", 3.0),
            ("Sécurité et tranquillité publique", "section", 2.0),
            ("personnes âgées", "phrase", 1.5),
            ("personnes handicapées", "phrase", 1.2),
            ("Personnes âgées", "section", 2.5),  # same key as the phrase: the heavier one is kept
            ("allocation personnalisée d'autonomie", "phrase", 1.1),
        ]
    )


def test_key_folds_case_accents_and_punctuation() -> None:
    assert suggestion_key("L'Île-d'Yeu  ÉTÉ") == "l ile d yeu ete"
    assert suggestion_key("  ") == ""


def test_prefix_matches_at_word_starts_accent_insensitive() -> None:
    s = _suggester()
    assert [x.text for x in s.suggest("secu")] == ["Sécurité et tranquillité publique"]
    assert [x.text for x in s.suggest("TRANQUIL")] == ["Sécurité et tranquillité publique"]
    assert [x.text for x in s.suggest("pers")][:2] == ["Personnes âgées", "personnes handicapées"]
    assert "allocation personnalisée d'autonomie" in [x.text for x in s.suggest("autonom")]
    assert [x.text for x in s.suggest("personnes â")] == ["Personnes âgées"]
    assert s.suggest("xyz") == [] and s.suggest("   ") == []


def test_duplicates_collapse_and_whole_prefix_ranks_first() -> None:
    s = _suggester()
    texts = [x.text for x in s.suggest("pe")]
    assert texts.count("Personnes âgées") == 1 and "personnes âgées" not in texts
    # "personnalisée" matches inside a phrase; phrases starting with the prefix come first.
    assert texts.index("allocation personnalisée d'autonomie") > texts.index("personnes handicapées")


def test_at_most_eight_and_limit() -> None:
    s = Suggester([(f"route numéro {i}", "phrase", 1.0) for i in range(30)])
    assert len(s.suggest("r")) == MAX_SUGGESTIONS
    assert len(s.suggest("route")) == MAX_SUGGESTIONS
    assert len(s.suggest("route", limit=3)) == 3


def test_from_bundle(tiny_index: Path) -> None:
    s = Suggester.from_bundle(load_bundle(tiny_index))
    assert len(s) > 0
    kinds = {x.kind for x in s.suggest("rapport")}
    assert "title" in kinds
    assert "Sécurité et tranquillité publique" in [x.text for x in s.suggest("sécurité")]
