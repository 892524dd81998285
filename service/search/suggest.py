"""Search-box completions over the candidates the indexer chose (titles, headings, frequent phrases).

Built once per bundle. A lookup is a binary search over the folded suffixes that start at a word
boundary of each candidate, so "âgé" completes "personnes âgées" as well as "Âgés et handicapés";
the first two characters of every such suffix are answered from a precomputed table.
"""

from __future__ import annotations

import bisect
import heapq
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

from rapporteur.bundle.store import Bundle
from rapporteur.parameters import SUGGESTIONS
from rapporteur.text.analyzer import fold

SuggestionKind = Literal["title", "section", "phrase"]
MAX_SUGGESTIONS = SUGGESTIONS.max_results
_PRECOMPUTED_PREFIX = 2
_SCAN_CAP = SUGGESTIONS.scan_cap

_KEY_JUNK = re.compile(r"[^\w]+", re.UNICODE)


@dataclass(frozen=True)
class Suggestion:
    """One completion."""

    text: str
    kind: SuggestionKind


def suggestion_key(text: str) -> str:
    """Folded, punctuation-free form used for matching ("L'Île-d'Yeu" -> "l ile d yeu")."""
    return " ".join(_KEY_JUNK.sub(" ", fold(text)).split())


class Suggester:
    """Prefix completions over a fixed list of candidates."""

    def __init__(self, candidates: list[tuple[str, SuggestionKind, float]]) -> None:
        best: dict[str, tuple[str, SuggestionKind, float]] = {}
        for text, kind, weight in candidates:
            key = suggestion_key(text)
            if key and (key not in best or weight > best[key][2]):
                best[key] = (text, kind, weight)
        self._items = [Suggestion(text, kind) for text, kind, _ in best.values()]
        self._weights = [weight for _, _, weight in best.values()]
        entries: list[tuple[str, int, bool]] = []
        for item_id, key in enumerate(best):
            starts = [0] + [m.end() for m in re.finditer(" ", key)]
            entries.extend((key[p:], item_id, p == 0) for p in starts)
        entries.sort()
        self._keys = [e[0] for e in entries]
        self._entries = [(e[1], e[2]) for e in entries]
        table: dict[str, list[tuple[tuple[int, float, int], int]]] = defaultdict(list)
        for key, (item_id, at_start) in zip(self._keys, self._entries, strict=True):
            for n in range(1, _PRECOMPUTED_PREFIX + 1):
                if len(key) >= n:
                    table[key[:n]].append((self._rank(item_id, at_start), item_id))
        self._table = {prefix: self._top(scored) for prefix, scored in table.items()}

    def __len__(self) -> int:
        return len(self._items)

    def _rank(self, item_id: int, at_start: bool) -> tuple[int, float, int]:
        return (0 if at_start else 1, -self._weights[item_id], len(self._items[item_id].text))

    @staticmethod
    def _top(scored: list[tuple[tuple[int, float, int], int]]) -> list[int]:
        seen: set[int] = set()
        out: list[int] = []
        for _, item_id in sorted(scored):
            if item_id not in seen:
                seen.add(item_id)
                out.append(item_id)
                if len(out) == MAX_SUGGESTIONS:
                    break
        return out

    @classmethod
    def from_bundle(cls, bundle: Bundle) -> Suggester:
        """The completions the indexer chose for the bundle."""
        return cls([(text, kind, weight) for text, kind, weight in bundle.suggestions])  # type: ignore[misc]

    def suggest(self, query: str, limit: int = MAX_SUGGESTIONS) -> list[Suggestion]:
        """Up to `limit` completions of `query`, best first."""
        key = suggestion_key(query)
        if not key:
            return []
        if len(key) <= _PRECOMPUTED_PREFIX:
            return [self._items[i] for i in self._table.get(key, [])[:limit]]
        lo = bisect.bisect_left(self._keys, key)
        scored = []
        for j in range(lo, min(lo + _SCAN_CAP, len(self._keys))):
            if not self._keys[j].startswith(key):
                break
            item_id, at_start = self._entries[j]
            scored.append((self._rank(item_id, at_start), item_id))
        best = heapq.nsmallest(limit * 4, scored)
        return [self._items[i] for i in self._top(best)[:limit]]
