"""Search-box completions, chosen at build time: document titles, section headings and frequent
phrases of the corpus, each with a weight (the service builds its lookup from them)."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence

from rapporteur.bundle.model import SECTION_SEPARATOR
from rapporteur.parameters import SUGGESTIONS
from rapporteur.text.analyzer import STOP_WORDS, fold

# Words as written, with their inner apostrophes and hyphens: surface forms, not analysed words.
_SURFACE_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*|\d+", re.UNICODE)
_PHRASE_BREAK = re.compile(r"[.!?;:()\[\]«»\"“”\n•▷►|/]+")
_HEADING_NUMBER = re.compile(r"^\s*(?:[IVXLC]{1,6}|\d{1,3})(?:\s*[-.)–:]\s*|\s+)(?=\w)")
_TRAILING_PAGE = re.compile(r"\s+\d{1,4}$")
_ELIDED = re.compile(r"^(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu)['’]", re.IGNORECASE)


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
            for word in _SURFACE_WORD.findall(line):
                forms[word.lower()][word] += 1
    return {low: counter.most_common(1)[0][0] for low, counter in forms.items()}


def _truecase(text: str, casing: dict[str, str]) -> str:
    """Sentence case for an all-caps heading, keeping proper nouns and acronyms as the corpus writes them."""
    pieces: list[str] = []
    pos = 0
    for i, match in enumerate(_SURFACE_WORD.finditer(text)):
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
                words = _SURFACE_WORD.findall(piece)
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


class SuggestionCollector:
    """Collects completions while the build streams documents: every title and heading, and the
    frequent phrases and casing of a sample of the texts (phrase counting keeps every n-gram of
    what it reads: a sample of at most SUGGESTIONS.sample_characters keeps it bounded).

    A document is in the sample when its content hash falls under `rate`, so that the sample is
    spread over the corpus and the same from one build to the next."""

    def __init__(self, rate: float = 1.0) -> None:
        self.rate = rate
        self._titles: list[str] = []
        self._headings: Counter[str] = Counter()
        self._sample: list[str] = []

    @staticmethod
    def rate_for(total_characters: int) -> float:
        return min(1.0, SUGGESTIONS.sample_characters / max(1, total_characters))

    def add(self, title: str, content_hash: str, text: str, section_paths: Sequence[str]) -> None:
        self._titles.append(title)
        for path in section_paths:
            self._headings.update(path.split(SECTION_SEPARATOR))
        if self.rate >= 1.0 or int(content_hash[:8], 16) < self.rate * 0x100000000:
            self._sample.append(text)

    def candidates(self) -> list[tuple[str, str, float]]:
        """(text, kind, weight) of every completion worth offering: titles, headings, frequent phrases."""
        casing = _casing_map(self._sample)
        candidates: list[tuple[str, str, float]] = [(t, "title", SUGGESTIONS.title_weight) for t in self._titles]
        headings: Counter[str] = Counter()
        for part, n in self._headings.items():
            heading = clean_heading(part, casing)
            if heading:
                headings[heading] += n
        candidates += [(h, "section", SUGGESTIONS.section_weight + math.log1p(n)) for h, n in headings.items()]
        phrases = frequent_phrases(self._sample, SUGGESTIONS.min_phrase_count, SUGGESTIONS.max_phrases)
        candidates += [(p, "phrase", SUGGESTIONS.phrase_weight + math.log1p(n)) for p, n in phrases]
        return candidates
