"""Lexical bridge from citizens' words to the reports' vocabulary.

Two sources: a general French public-services lexicon (`data/synonyms.tsv`) and the acronyms
defined in the corpus itself (stored in the bundle by the indexer).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from indexer.analyzer import analyze


class SynonymLexicon:
    """Maps analysed phrases (tuples of terms) to analysed expansion terms."""

    def __init__(self, entries: dict[tuple[str, ...], list[str]]) -> None:
        self._entries = entries
        self._max_len = max((len(k) for k in entries), default=0)

    def __len__(self) -> int:
        return len(self._entries)

    @classmethod
    def from_pairs(cls, pairs: list[tuple[str, str]]) -> SynonymLexicon:
        """Build from (expression, expansion) pairs in plain French."""
        entries: dict[tuple[str, ...], list[str]] = {}
        for left, right in pairs:
            key = tuple(analyze(left))
            if not key:
                continue
            terms = entries.setdefault(key, [])
            for term in analyze(right):
                if term not in terms and term not in key:
                    terms.append(term)
        return cls(entries)

    @classmethod
    def load(cls, path: Path | None = None, acronyms: dict[str, str] | None = None) -> SynonymLexicon:
        """The packaged lexicon (or `path`), plus the corpus acronyms in both directions."""
        if path is None:
            text = resources.files("service.search").joinpath("data/synonyms.tsv").read_text(encoding="utf-8")
        else:
            text = path.read_text(encoding="utf-8")
        pairs: list[tuple[str, str]] = []
        for line in text.splitlines():
            if not line.strip() or line.lstrip().startswith("#") or "\t" not in line:
                continue
            left, right = line.split("\t", 1)
            pairs.append((left.strip(), right.replace("|", " ")))
        for acronym, expansion in (acronyms or {}).items():
            pairs.append((acronym, expansion))
            pairs.append((expansion, acronym))
        return cls.from_pairs(pairs)

    def expand(self, terms: list[str]) -> list[str]:
        """Expansion terms for every known phrase inside `terms` (longest phrases first)."""
        out: list[str] = []
        seen = set(terms)
        i = 0
        while i < len(terms):
            matched = 0
            for size in range(min(self._max_len, len(terms) - i), 0, -1):
                expansion = self._entries.get(tuple(terms[i : i + size]))
                if expansion is not None:
                    for term in expansion:
                        if term not in seen:
                            seen.add(term)
                            out.append(term)
                    matched = size
                    break
            i += max(matched, 1)
        return out
