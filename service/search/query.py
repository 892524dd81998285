"""Query understanding: analysed terms, spelling fixes, lexical expansions, places mentioned."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from rapporteur.parameters import QUERY
from rapporteur.text.analyzer import ENGLISH_STOP_WORDS, STOP_WORDS, fold, tokens, words
from rapporteur.text.places import Gazetteer, Place
from service.search.chatter import CHATTER
from service.search.spelling import SpellingCorrector
from service.search.synonyms import SynonymLexicon

MAX_QUERY_CHARS = QUERY.max_chars
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
_SPACES = re.compile(r"\s+")

# English function words that are not French words too ("a", "on", "me" are both).
_ENGLISH_ONLY = ENGLISH_STOP_WORDS - STOP_WORDS


def looks_english(text: str) -> bool:
    """True for a question asked in English: at least two English-only function words, 15 % of its words."""
    folded = [fold(w) for w in words(text)]
    count = sum(w in _ENGLISH_ONLY for w in folded)
    return count >= QUERY.english_min_words and count >= QUERY.english_min_share * len(folded)


def clean_query(text: str) -> str:
    """NFC, control and invisible characters removed, whitespace collapsed, trimmed."""
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


@dataclass(frozen=True)
class QueryPlan:
    """Everything the retrievers need to know about one query."""

    text: str
    terms: list[str]
    expansions: list[str] = field(default_factory=list)
    corrections: dict[str, str] = field(default_factory=dict)
    territories: frozenset[str] = frozenset()
    places: list[str] = field(default_factory=list)
    dense_text: str = ""
    language: str = "fr"  # "en" for a question asked in English
    located: tuple[Place, ...] = ()  # the places behind `places`
    # per term: the lexicon expansions that may stand for it, each as the set of its analysed terms
    equivalents: tuple[tuple[frozenset[str], ...], ...] = ()

    @property
    def highlight_terms(self) -> frozenset[str]:
        return frozenset(self.terms)


class QueryAnalyzer:
    """Turns raw query text into a QueryPlan using the corpus vocabulary and lexicons."""

    def __init__(
        self,
        speller: SpellingCorrector,
        lexicon: SynonymLexicon,
        gazetteer: Gazetteer | None,
        known_terms: frozenset[str],
    ) -> None:
        self._speller = speller
        self._lexicon = lexicon
        self._gazetteer = gazetteer
        # Words the lexicon knows ("gamin", "mamie") are not typos even when the corpus lacks them.
        self._known_terms = known_terms | lexicon.key_terms

    def plan(self, text: str) -> QueryPlan:
        text = clean_query(text)
        terms: list[str] = []
        surfaces: list[str] = []  # the folded word behind each term, for acronyms
        corrections: dict[str, str] = {}
        for token in tokens(text):
            if len(terms) >= QUERY.max_terms:
                break
            word = text[token.start : token.end]
            if fold(word) in CHATTER:
                continue
            term = token.term
            if (
                term not in self._known_terms
                and len(corrections) < QUERY.max_corrections
                and len(word) <= QUERY.max_spelled_chars
            ):
                fixed = self._speller.correct(word)
                if fixed:
                    corrections[word] = fixed
                    term = tokens(fixed)[0].term if tokens(fixed) else term
                    word = fixed
            terms.append(term)
            surfaces.append(fold(word))
        expansions = self._lexicon.expand(terms, surfaces)[: QUERY.max_expansions]
        places = self._gazetteer.find(text) if self._gazetteer else []
        territories = frozenset(t for p in places for t in p.territories())
        # The embedding model reads the request better without the caller's small talk, and with
        # the administrative names of what the caller describes in everyday words.
        dense_text = " ".join(w for w in words(text) if fold(w) not in CHATTER) or text
        bridge = self._lexicon.phrases(terms, surfaces)
        if bridge:
            dense_text = f"{dense_text} ; {' ; '.join(bridge)}"
        return QueryPlan(
            text,
            terms,
            expansions,
            corrections,
            territories,
            [p.name for p in places],
            dense_text,
            "en" if looks_english(text) else "fr",
            tuple(places),
            tuple(self._lexicon.equivalents(terms, surfaces)),
        )
