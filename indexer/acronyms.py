"""Acronyms defined in the corpus ("Service départemental d'incendie et de secours (SDIS)").

Linear in the text: an acronym in brackets is found first, then the words before it are read back
(at most 120 characters of words, spaces, apostrophes and hyphens); and the other way round for
"SDIS (Service départemental…)". Occurrences are counted per document (`acronym_definitions`) and
merged (`most_frequent_expansions`), so that a build streams documents.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from rapporteur.text.analyzer import STOP_WORDS, fold

_BRACKETED = re.compile(r"\(\s*([A-Z][A-Za-z0-9&]{1,9})\s*\)")
_PHRASE_BEFORE = re.compile(r"[A-ZÀ-Ýa-zà-ÿ][\w'’ -]{3,120}?\s*$")
_PAREN_REVERSED = re.compile(r"\b([A-Z][A-Z0-9&]{1,9})\s*\(\s*([A-Za-zÀ-ÿ][\w'’ -]{3,120}?)\s*\)")
_WORD = re.compile(r"[^\W_]+")
_LOOK_BACK = 130


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


def acronym_definitions(text: str) -> Counter[tuple[str, str]]:
    """(acronym, expansion) pairs defined in `text`, with their counts."""
    found: Counter[tuple[str, str]] = Counter()
    previous_end = 0
    for match in _BRACKETED.finditer(text):
        window_start = max(previous_end, match.start() - _LOOK_BACK)
        before = _PHRASE_BEFORE.search(text, window_start, match.start())
        if before is not None:
            expansion = _match_expansion(match.group(1), before.group().rstrip())
            if expansion:
                found[match.group(1).upper(), expansion] += 1
                previous_end = match.end()
    for match in _PAREN_REVERSED.finditer(text):
        expansion = _match_expansion(match.group(1), match.group(2))
        if expansion:
            found[match.group(1).upper(), expansion] += 1
    return found


def most_frequent_expansions(counts: Iterable[tuple[tuple[str, str], int]]) -> dict[str, str]:
    """Each acronym with its most frequent expansion (the first seen on a tie)."""
    by_acronym: dict[str, Counter[str]] = {}
    for (acronym, expansion), n in counts:
        by_acronym.setdefault(acronym, Counter())[expansion] += n
    return {acr: expansions.most_common(1)[0][0] for acr, expansions in sorted(by_acronym.items())}


def extract_acronyms(texts: Iterable[str]) -> dict[str, str]:
    """Map each acronym (upper case) to its most frequent expansion found in `texts`."""
    total: Counter[tuple[str, str]] = Counter()
    for text in texts:
        total.update(acronym_definitions(text))
    return most_frequent_expansions(total.items())
