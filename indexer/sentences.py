"""Sentence segmentation with offsets, for sentence-level scoring and extractive answers."""

from __future__ import annotations

import re

from indexer.sections import heading_level
from rapporteur.parameters import SENTENCES

_BOUNDARY = re.compile(r"(?<=[.!?…])[\"»)]?\s+(?=[«\"(]?[A-ZÀ-ÝŒ0-9•▶▷-])|\n+")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_ABBREVIATIONS = ("M.", "Mme.", "MM.", "p.", "n°.", "St.", "cf.", "etc.", "av.", "bd.")


def sentence_spans(
    text: str,
    start: int = 0,
    end: int | None = None,
    min_chars: int = SENTENCES.min_chars,
    max_chars: int = SENTENCES.max_chars,
) -> list[tuple[int, int]]:
    """Spans of the sentences of text[start:end].

    Lines and sentences shorter than `min_chars` (list items, figures) are joined with the next
    one, so that an answer reads as a whole statement; longer runs are cut at `max_chars`.
    Heading lines are not sentences: they end the current span and are left out.
    """
    end = len(text) if end is None else end
    pieces: list[tuple[int, int]] = []
    cursor = start
    for match in _BOUNDARY.finditer(text, start, end):
        before = text[cursor : match.start()]
        if match.group().strip() == "" and "\n" not in match.group() and before.endswith(_ABBREVIATIONS):
            continue
        pieces.append((cursor, match.start()))
        cursor = match.end()
    pieces.append((cursor, end))

    spans: list[tuple[int, int]] = []
    current: tuple[int, int] | None = None
    for s, e in pieces:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e <= s:
            continue
        whole_line = (s == 0 or text[s - 1] == "\n") and (e == len(text) or text[e] == "\n")
        next_line = _next_line(text, e)
        followed_by_blank = text.startswith("\n\n", e) or text.startswith("\n \n", e)
        if whole_line and (heading_level(text[s:e], next_line) is not None or _is_label(text[s:e], followed_by_blank)):
            if current is not None:
                spans.append(current)
            current = None
            continue
        if current is None:
            current = (s, e)
        elif current[1] - current[0] < min_chars and e - current[0] <= max_chars:
            current = (current[0], e)
        else:
            spans.append(current)
            current = (s, e)
    if current is not None:
        if spans and current[1] - current[0] < min_chars and current[1] - spans[-1][0] <= max_chars:
            spans[-1] = (spans[-1][0], current[1])
        else:
            spans.append(current)
    return spans


def _next_line(text: str, end: int) -> str:
    """The first non-blank line after position `end` (as heading detection reads documents)."""
    start = text.find("\n", end)
    for _ in range(2):
        if start < 0:
            return ""
        stop = text.find("\n", start + 1)
        line = text[start + 1 : stop if stop >= 0 else len(text)]
        if line.strip():
            return line
        start = stop
    return ""


def _is_label(line: str, followed_by_blank: bool) -> bool:
    """A short title line set apart by a blank line ("Chiffres-clés", "* Les réalisations 2021")."""
    text = line.strip().lstrip("*-•–· ").strip()
    if not followed_by_blank or not text or len(text) > 60 or not text[0].isupper():
        return False
    if text.endswith((".", ";", ",", ":", "!", "?", "…", "€", "%")):
        return False
    return not any(ch.isdigit() for ch in _YEAR.sub("", text))
