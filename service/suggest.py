"""Search-box completions from the bundle: document titles, section headings, frequent phrases.

Built once per bundle. A lookup is a binary search over the folded suffixes that start at a word
boundary of each candidate, so "âgé" completes "personnes âgées" as well as "Âgés et handicapés";
the first two characters of every such suffix are answered from a precomputed table.
"""

from __future__ import annotations

import bisect
import heapq
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Literal

from rapporteur.bundle.model import SECTION_SEPARATOR
from rapporteur.bundle.store import Bundle
from rapporteur.text.analyzer import STOP_WORDS, fold

SuggestionKind = Literal["title", "section", "phrase"]
KIND_WEIGHT: dict[str, float] = {"title": 3.0, "section": 2.0, "phrase": 1.0}
MAX_SUGGESTIONS = 8
_PRECOMPUTED_PREFIX = 2
_SCAN_CAP = 4000

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*|\d+", re.UNICODE)
_KEY_JUNK = re.compile(r"[^\w]+", re.UNICODE)
_PHRASE_BREAK = re.compile(r"[.!?;:()\[\]«»\"“”\n•▷►|/]+")
_HEADING_NUMBER = re.compile(r"^\s*(?:[IVXLC]{1,6}|\d{1,3})(?:\s*[-.)–:]\s*|\s+)(?=\w)")
_TRAILING_PAGE = re.compile(r"\s+\d{1,4}$")
_ELIDED = re.compile(r"^(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu)['’]", re.IGNORECASE)


@dataclass(frozen=True)
class Suggestion:
    """One completion."""

    text: str
    kind: SuggestionKind


def suggestion_key(text: str) -> str:
    """Folded, punctuation-free form used for matching ("L'Île-d'Yeu" -> "l ile d yeu")."""
    return " ".join(_KEY_JUNK.sub(" ", fold(text)).split())


def _is_shouting(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 3 and sum(ch.isupper() for ch in letters) >= 0.8 * len(letters)


def _casing_map(texts: list[str]) -> dict[str, str]:
    """Most frequent surface form of each word in running (not all-caps) text."""
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    for text in texts:
        for line in text.splitlines():
            if _is_shouting(line):
                continue
            for word in _WORD.findall(line):
                forms[word.lower()][word] += 1
    return {low: counter.most_common(1)[0][0] for low, counter in forms.items()}


def _truecase(text: str, casing: dict[str, str]) -> str:
    """Sentence case for an all-caps heading, keeping proper nouns and acronyms as the corpus writes them."""
    pieces: list[str] = []
    pos = 0
    for i, match in enumerate(_WORD.finditer(text)):
        pieces.append(text[pos : match.start()])
        form = casing.get(match.group().lower(), match.group().lower())
        pieces.append(form[:1].upper() + form[1:] if i == 0 else form)
        pos = match.end()
    pieces.append(text[pos:])
    return "".join(pieces)


def clean_heading(heading: str, casing: dict[str, str]) -> str | None:
    """A heading fit for a search box, or None (numbering and trailing page numbers removed)."""
    text = heading.replace("^e", "e").replace("^", "")
    text = _HEADING_NUMBER.sub("", text)
    text = _TRAILING_PAGE.sub("", text).strip(" -–:.,;")
    text = " ".join(text.split())
    if not 3 <= len(text) <= 120 or not any(ch.isalpha() for ch in text):
        return None
    return _truecase(text, casing) if _is_shouting(text) else text


def frequent_phrases(texts: list[str], min_count: int = 3, limit: int = 5000) -> list[tuple[str, int]]:
    """Word n-grams (2-5 words) repeated in the corpus, not starting or ending with a stop word.

    A phrase is dropped when a longer one that extends it is nearly as frequent ("personnes du Bel"
    gives way to "personnes du Bel Âge").
    """
    counts: Counter[str] = Counter()
    surfaces: dict[str, Counter[str]] = defaultdict(Counter)
    for text in texts:
        for line in text.splitlines():
            if _is_shouting(line):
                continue
            for piece in _PHRASE_BREAK.split(line):
                words = _WORD.findall(piece)
                folded = [fold(w) for w in words]
                for n in (2, 3, 4, 5):
                    for i in range(len(words) - n + 1):
                        first, last = folded[i], folded[i + n - 1]
                        if first in STOP_WORDS or last in STOP_WORDS or _ELIDED.match(words[i]):
                            continue
                        window = folded[i : i + n]
                        if any(w.isdigit() or len(w) < 2 for w in window):
                            continue
                        if not any(len(w) >= 4 and w not in STOP_WORDS for w in window):
                            continue
                        key = " ".join(window)
                        counts[key] += 1
                        surfaces[key][" ".join(words[i : i + n])] += 1
    dominated: set[str] = set()
    for key, count in counts.items():
        if count < min_count:
            continue
        words = key.split(" ")
        for n in range(2, len(words)):
            for part in (" ".join(words[:n]), " ".join(words[-n:])):
                if counts.get(part, 0) * 0.8 <= count:
                    dominated.add(part)
    frequent = [(k, c) for k, c in counts.items() if c >= min_count and k not in dominated]
    frequent.sort(key=lambda kc: (-kc[1], kc[0]))
    return [(surfaces[k].most_common(1)[0][0], c) for k, c in frequent[:limit]]


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
    def from_bundle(cls, bundle: Bundle, max_phrases: int = 5000) -> Suggester:
        texts = [d.text for d in bundle.documents]
        casing = _casing_map(texts)
        candidates: list[tuple[str, SuggestionKind, float]] = []
        for doc in bundle.documents:
            candidates.append((doc.meta.title, "title", KIND_WEIGHT["title"]))
        headings: Counter[str] = Counter()
        paths = [path for doc in bundle.documents for _, path in doc.sections]
        paths += [chunk.section for chunk in bundle.chunks]
        for path in paths:
            for part in path.split(SECTION_SEPARATOR):
                heading = clean_heading(part, casing)
                if heading:
                    headings[heading] += 1
        candidates += [(h, "section", KIND_WEIGHT["section"] + math.log1p(n)) for h, n in headings.items()]
        candidates += [
            (p, "phrase", KIND_WEIGHT["phrase"] + math.log1p(n)) for p, n in frequent_phrases(texts, limit=max_phrases)
        ]
        return cls(candidates)

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
