"""Spelling correction of query words against the corpus vocabulary (edit distance 1)."""

from __future__ import annotations

from collections import defaultdict

from rapporteur.parameters import QUERY
from rapporteur.text.analyzer import fold


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class SpellingCorrector:
    """SymSpell-style lookup: words within one edit of a known corpus word are corrected to it."""

    def __init__(self, vocabulary: dict[str, int], min_length: int = QUERY.spelling_min_length) -> None:
        self._counts = vocabulary
        self._min_length = min_length
        self._by_delete: dict[str, list[str]] = defaultdict(list)
        for word in vocabulary:
            if len(word) >= min_length - 1:
                for variant in _deletes(word):
                    self._by_delete[variant].append(word)

    def correct(self, word: str) -> str | None:
        """The most frequent corpus word one edit away from `word`, or None if `word` is known or too far."""
        word = fold(word)
        if len(word) < self._min_length or word in self._counts or word.isdigit():
            return None
        candidates = set(self._by_delete.get(word, ()))  # an extra letter typed
        for variant in _deletes(word):
            if variant in self._counts:  # a letter missing
                candidates.add(variant)
            candidates.update(self._by_delete.get(variant, ()))  # a letter wrong or swapped-adjacent
        # Typos rarely hit the first letter; requiring it avoids "phone" -> "rhone".
        candidates = {c for c in candidates if c[0] == word[0] and _within_one_edit(word, c)}
        if not candidates:
            return None
        return max(candidates, key=lambda c: (self._counts[c], c))


def _within_one_edit(a: str, b: str) -> bool:
    if a == b:
        return False
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2 and diffs[1] == diffs[0] + 1 and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))
