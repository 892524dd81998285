"""Acronyms defined in the corpus ("Service départemental d'incendie et de secours (SDIS)")."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from rapporteur.text.analyzer import STOP_WORDS, fold

_PAREN = re.compile(r"([A-ZÀ-Ýa-zà-ÿ][\w'’ -]{3,120}?)\s*\(\s*([A-Z][A-Za-z0-9&]{1,9})\s*\)")
_PAREN_REVERSED = re.compile(r"\b([A-Z][A-Z0-9&]{1,9})\s*\(\s*([A-Za-zÀ-ÿ][\w'’ -]{3,120}?)\s*\)")
_WORD = re.compile(r"[^\W_]+")


def _match_expansion(acronym: str, phrase: str) -> str | None:
    """The shortest tail of `phrase` whose significant words' initials spell `acronym`."""
    letters = fold(acronym).replace("&", "")
    words = _WORD.findall(phrase)
    for size in range(1, min(len(words), 3 * len(letters)) + 1):
        tail = words[-size:]
        initials = "".join(fold(w)[0] for w in tail if fold(w) not in STOP_WORDS and len(w) > 1)
        if initials == letters:
            start = phrase.rfind(tail[0]) if size < len(words) else 0
            return phrase[max(0, start) :].strip(" -'’")
        if len(initials) > len(letters):
            break
    return None


def extract_acronyms(texts: list[str]) -> dict[str, str]:
    """Map each acronym (upper case) to its most frequent expansion found in `texts`."""
    found: dict[str, Counter[str]] = defaultdict(Counter)
    for text in texts:
        for match in _PAREN.finditer(text):
            expansion = _match_expansion(match.group(2), match.group(1))
            if expansion:
                found[match.group(2).upper()][expansion] += 1
        for match in _PAREN_REVERSED.finditer(text):
            expansion = _match_expansion(match.group(1), match.group(2))
            if expansion:
                found[match.group(1).upper()][expansion] += 1
    return {acr: counts.most_common(1)[0][0] for acr, counts in sorted(found.items())}
