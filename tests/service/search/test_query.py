"""Query planning (service/search/query.py) over the tiny bundle's vocabulary: cleaning, small talk,
spelling fixes, lexicon expansions and the dense text, places, language, and the bounds on terms."""

from __future__ import annotations

from pathlib import Path

import pytest

from rapporteur.bundle.store import load_bundle
from rapporteur.parameters import QUERY
from rapporteur.text.places import default_gazetteer
from service.search.query import QueryAnalyzer, clean_query
from service.search.spelling import SpellingCorrector
from service.search.synonyms import SynonymLexicon


@pytest.fixture(scope="module")
def analyzer(tiny_index: Path) -> QueryAnalyzer:
    bundle = load_bundle(tiny_index)
    lexicon = SynonymLexicon.load(acronyms=bundle.acronyms)
    return QueryAnalyzer(SpellingCorrector(bundle.vocabulary), lexicon, default_gazetteer(), bundle.lexical.vocabulary)


def test_clean_query_normalises_and_drops_invisible_characters() -> None:
    assert clean_query("  cre\u0300che\u200b  de\x00la\tville \ufeff") == "crèche de la ville"
    assert clean_query("\u2028\u2029 ") == ""


def test_small_talk_is_neither_searched_nor_embedded(analyzer: QueryAnalyzer) -> None:
    plan = analyzer.plan("Bonjour, je voudrais savoir combien de caméras")
    assert plan.terms == ["cam"]
    assert "bonjour" not in plan.dense_text.lower() and "voudrais" not in plan.dense_text
    assert plan.dense_text.startswith("je de caméras")


def test_a_typo_is_corrected_against_the_corpus_vocabulary(analyzer: QueryAnalyzer) -> None:
    plan = analyzer.plan("videoprotectoin")
    assert plan.corrections == {"videoprotectoin": "videoprotection"}
    assert plan.terms == ["videoprotect"]  # the corrected word's term, not the typo's


def test_everyday_words_are_bridged_to_administrative_terms(analyzer: QueryAnalyzer) -> None:
    plan = analyzer.plan("les pompiers")
    assert plan.corrections == {}  # a lexicon word is not a typo, though the corpus lacks it
    assert plan.terms == ["pompi"] and "sdis" in plan.expansions
    assert plan.dense_text == "les pompiers ; sdis ; service départemental d'incendie et de secours"
    assert frozenset({"sdis"}) in plan.equivalents[0]


def test_places_named_give_their_territories(analyzer: QueryAnalyzer) -> None:
    plan = analyzer.plan("Marseille ou Oyonnax")
    assert plan.places == ["Marseille", "Oyonnax"]
    assert plan.territories == {"com:13055", "dep:13", "com:01283", "dep:01"}
    assert [p.name for p in plan.located] == plan.places
    assert analyzer.plan("crèche municipale").territories == frozenset()


def test_the_language_is_english_only_for_an_english_question(analyzer: QueryAnalyzer) -> None:
    assert analyzer.plan("How many cameras does the city have?").language == "en"
    assert analyzer.plan("combien de caméras dans la ville ?").language == "fr"


class EagerSpeller(SpellingCorrector):
    """Corrects every word it is asked about to « crèche »."""

    def __init__(self) -> None:
        super().__init__({})

    def correct(self, word: str) -> str | None:
        return "crèche"


def test_the_terms_and_corrections_are_bounded(tiny_index: Path) -> None:
    bundle = load_bundle(tiny_index)
    eager = QueryAnalyzer(EagerSpeller(), SynonymLexicon.load(), None, bundle.lexical.vocabulary)
    plan = eager.plan(" ".join(f"zz{chr(97 + i // 26)}{chr(97 + i % 26)}q" for i in range(200)))
    assert len(plan.terms) == QUERY.max_terms
    assert len(plan.corrections) == QUERY.max_corrections
    assert plan.terms.count("crech") == QUERY.max_corrections  # the corrected words are searched as corrected
    assert eager.plan("x" * (QUERY.max_spelled_chars + 1)).corrections == {}  # too long to be a French word
    assert eager.plan("Aubagne").places == []  # no gazetteer: no places
