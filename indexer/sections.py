"""Heading detection: which lines of a document open a section, and at which level."""

from __future__ import annotations

import re
from dataclasses import dataclass

_MARKDOWN = re.compile(r"^(#{1,6})\s+(.+?)\s*#*$")
_TRIANGLE = re.compile(r"^[▷▶►]\s*(.+)$")
_NUMBERED = re.compile(r"^(?:[IVX]{1,5}|\d{1,2}|[A-Z])\s*[-–.)]\s*\S")
_TRAILING_YEAR = re.compile(r"\s(?:19|20)\d\d$")
# The number of a numbered heading: « 1. Enfance », « 2.3 Les travaux », « 41.3 - Citoyenneté », « IV) Bilan ».
_NUMBER_PREFIX = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*\.?|[IVX]{1,5}[.)]|\d{1,2}\))\s*(?:[-–.)]\s*)?(?=[A-ZÀ-Ý])")
# A figure counting something (« 2 500 repas », « 12 % », « 1er ») makes a line a key figure, not a
# title; a number that names something (« Le centre de contact 30 01 », « La RD 1075 ») does not.
_FIGURE = re.compile(r"\d[\d  .,]*\s?(?:%|€|[a-zà-ÿ]{2,})")
# Link texts of web pages turned into text ("En savoir plus : …") are not titles.
_LINK_TEXT = re.compile(r"^(en savoir plus|lire la suite|télécharger|voir aussi|plus d'infos?)\b", re.IGNORECASE)
_SENTENCE_END = (".", ";", ",", ":", "!", "?", "…", "€", "%")


@dataclass(frozen=True)
class Heading:
    """A heading line: `start`/`end` delimit the line in the document text."""

    level: int
    title: str
    start: int
    end: int


def heading_level(line: str, next_line: str = "") -> int | None:
    """Level of `line` as a heading (1 = major), or None for body text.

    Recognised: markdown `#` titles, capitalised title lines, "▷" items, and short title-case
    lines without final punctuation that introduce a longer paragraph.
    """
    text = line.strip()
    if not text or len(text) > 150:
        return None
    md = _MARKDOWN.match(text)
    if md:
        return min(len(md.group(1)), 3)
    tri = _TRIANGLE.match(text)
    if tri:
        return 2 if len(tri.group(1)) <= 120 and not text.endswith(_SENTENCE_END) else None
    if text.startswith(("-", "•", "*", "–", "·")) or text.endswith(_SENTENCE_END) or _LINK_TEXT.match(text):
        return None
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 3:
        return None
    upper_ratio = sum(c.isupper() for c in letters) / len(letters)
    words = text.split()
    if upper_ratio >= 0.8:
        if len(letters) < 4:
            return None
        return 1 if len(words) >= 3 or _NUMBERED.match(text) else 2
    numbered = _NUMBER_PREFIX.match(text)
    title = text[numbered.end() :] if numbered else text
    if len(words) > 12 or len(text) > 90 or not title[:1].isupper():
        return None
    if _FIGURE.search(_TRAILING_YEAR.sub("", title)):
        return None
    body = next_line.strip()
    if len(body) >= max(60, 2 * len(text)) or (body and body[0] in "-•▶▷*"):
        return 3
    # Short title lines of web-page reports ("Collèges", "Communication interne") open a block of
    # shorter lines; accept them when the next line is clearly longer.
    if len(words) <= 6 and len(text) <= 50 and len(body) >= len(text) + 20:
        return 3
    return None


def heading_title(line: str) -> str:
    """A heading line's title, without its markdown hashes or triangle bullet."""
    title = _MARKDOWN.sub(r"\2", line.strip())
    return _TRIANGLE.sub(r"\1", title).strip()


def find_headings(text: str) -> list[Heading]:
    """Every heading of `text`, in order."""
    headings: list[Heading] = []
    lines = text.split("\n")
    offset = 0
    for i, line in enumerate(lines):
        next_line = next((ln for ln in lines[i + 1 : i + 3] if ln.strip()), "")
        level = heading_level(line, next_line)
        if level is not None:
            headings.append(Heading(level, heading_title(line), offset, offset + len(line)))
        offset += len(line) + 1
    return headings
