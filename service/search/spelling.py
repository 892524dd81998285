"""Spelling correction of query words against the corpus vocabulary (edit distance 1)."""

from __future__ import annotations

from collections.abc import Mapping

from rapporteur.parameters import QUERY
from rapporteur.text.analyzer import fold


class SpellingCorrector:
    """Words one edit away from a known corpus word (a letter missing, extra, wrong, or two adjacent
    letters swapped) are corrected to it. The candidate edits are generated per query word and looked up
    in the vocabulary, so that nothing is precomputed at load however large the vocabulary."""

    def __init__(self, vocabulary: Mapping[str, int], min_length: int = QUERY.spelling_min_length) -> None:
        self._counts = vocabulary
        self._min_length = min_length
        self._alphabet = "".join(sorted(set().union(*vocabulary))) if vocabulary else ""

    def correct(self, word: str) -> str | None:
        """The most frequent corpus word one edit away from `word`, or None if `word` is known or too far."""
        word = fold(word)
        if len(word) < self._min_length or word in self._counts or word.isdigit():
            return None
        # Typos rarely hit the first letter; requiring it avoids "phone" -> "rhone".
        candidates = {c for c in self._edits(word) if c[:1] == word[0] and c in self._counts}
        if not candidates:
            return None
        return max(candidates, key=lambda c: (self._counts[c], c))

    def _edits(self, word: str) -> set[str]:
        splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
        edits = {left + right[1:] for left, right in splits if right}
        edits |= {left + right[1] + right[0] + right[2:] for left, right in splits if len(right) > 1}
        edits |= {left + c + right[1:] for left, right in splits if right for c in self._alphabet}
        edits |= {left + c + right for left, right in splits for c in self._alphabet}
        edits.discard(word)
        return edits
