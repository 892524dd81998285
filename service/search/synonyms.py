"""Lexical bridge from citizens' words to the reports' vocabulary.

Two sources: a general French public-services lexicon (`data/synonyms.tsv`) and the acronyms
defined in the corpus itself (stored in the bundle by the indexer).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from rapporteur.parameters import QUERY
from rapporteur.text.analyzer import analyze, fold

# An acronym ("PASS", "PRE") matches the query's word itself, never a stem: "passer" is not the PASS.
_ACRONYM = re.compile(r"[A-Z][A-Z0-9&]{1,11}")


@dataclass
class _Entry:
    terms: list[str]  # analysed expansion terms
    phrases: list[str]  # the expansions as written, most representative first
    phrase_terms: list[frozenset[str]] = field(default_factory=list)  # the analysed terms of each phrase


class SynonymLexicon:
    """Maps analysed phrases (tuples of terms) to expansions."""

    def __init__(self, entries: dict[tuple[str, ...], _Entry], acronyms: dict[str, _Entry] | None = None) -> None:
        self._entries = entries
        self._acronyms = acronyms or {}  # folded acronym (and its plural) -> entry
        self._max_len = max((len(k) for k in entries), default=0)

    def __len__(self) -> int:
        return len(self._entries) + len(self._acronyms)

    @property
    def key_terms(self) -> frozenset[str]:
        """Every analysed term that starts or belongs to a known expression, acronyms included."""
        acronym_terms = {term for word in self._acronyms for term in analyze(word)}
        return frozenset(term for key in self._entries for term in key) | acronym_terms

    @classmethod
    def from_pairs(cls, pairs: list[tuple[str, list[str]]]) -> SynonymLexicon:
        """Build from (expression, [expansion phrases]) pairs in plain French."""
        entries: dict[tuple[str, ...], _Entry] = {}
        acronyms: dict[str, _Entry] = {}
        for left, phrases in pairs:
            key = tuple(analyze(left))
            if not key:
                continue
            if _ACRONYM.fullmatch(left.strip()):
                entry = acronyms.setdefault(fold(left.strip()), _Entry([], []))
                acronyms.setdefault(fold(left.strip()) + "s", entry)
            else:
                entry = entries.setdefault(key, _Entry([], []))
            for phrase in phrases:
                if phrase not in entry.phrases:
                    entry.phrases.append(phrase)
                    terms = frozenset(analyze(phrase)) - set(key)
                    if terms and terms not in entry.phrase_terms:
                        entry.phrase_terms.append(terms)
                for term in analyze(phrase):
                    if term not in entry.terms and term not in key:
                        entry.terms.append(term)
        return cls(entries, acronyms)

    @classmethod
    def load(cls, path: Path | None = None, acronyms: dict[str, str] | None = None) -> SynonymLexicon:
        """The packaged lexicon (or `path`), plus the corpus acronyms in both directions."""
        if path is None:
            text = resources.files("service.search").joinpath("data/synonyms.tsv").read_text(encoding="utf-8")
        else:
            text = path.read_text(encoding="utf-8")
        pairs: list[tuple[str, list[str]]] = []
        for line in text.splitlines():
            if not line.strip() or line.lstrip().startswith("#") or "\t" not in line:
                continue
            left, right = line.split("\t", 1)
            pairs.append((left.strip(), [p.strip() for p in right.split("|") if p.strip()]))
        for acronym, expansion in (acronyms or {}).items():
            pairs.append((acronym, [expansion]))
            pairs.append((expansion, [acronym]))
        return cls.from_pairs(pairs)

    def equivalents(self, terms: list[str], words: list[str] | None = None) -> list[tuple[frozenset[str], ...]]:
        """For each term, the expansions that may stand for it, each as the set of its analysed terms:
        one stands for the term only when all of its terms are there (« centre communal d'action
        sociale » for « CCAS », not « centre » alone)."""
        out: list[list[frozenset[str]]] = [[] for _ in terms]
        for start, size, entry in self._spans(terms, words):
            for i in range(start, start + size):
                out[i].extend(p for p in entry.phrase_terms if p not in out[i])
        return [tuple(phrases) for phrases in out]

    def _matches(self, terms: list[str], words: list[str] | None) -> Iterator[_Entry]:
        for _, _, entry in self._spans(terms, words):
            yield entry

    def _spans(self, terms: list[str], words: list[str] | None) -> Iterator[tuple[int, int, _Entry]]:
        """Entries whose phrase occurs in `terms`, scanning left to right, longest phrase first.

        `words` are the folded query words behind `terms` (same length), matched against acronyms;
        without them the terms stand in for the words.
        """
        words = terms if words is None else words
        i = 0
        while i < len(terms):
            matched = 0
            for size in range(min(self._max_len, len(terms) - i), 0, -1):
                entry = self._entries.get(tuple(terms[i : i + size]))
                if entry is not None:
                    yield i, size, entry
                    matched = size
                    break
            if not matched and words[i] in self._acronyms:
                yield i, 1, self._acronyms[words[i]]
                matched = 1
            i += max(matched, 1)

    def expand(self, terms: list[str], words: list[str] | None = None) -> list[str]:
        """Analysed expansion terms for every known phrase inside `terms`, without repeats."""
        out: list[str] = []
        seen = set(terms)
        for entry in self._matches(terms, words):
            for term in entry.terms:
                if term not in seen:
                    seen.add(term)
                    out.append(term)
        return out

    def phrases(self, terms: list[str], words: list[str] | None = None) -> list[str]:
        """The first expansion phrases, as written, of every known phrase inside `terms`."""
        out: list[str] = []
        for entry in self._matches(terms, words):
            out.extend(p for p in entry.phrases[: QUERY.phrases_per_match] if p not in out)
        return out
