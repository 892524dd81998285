"""Sentence segmentation with offsets, for sentence-level scoring and extractive answers."""

from __future__ import annotations

import re

from indexer.sections import heading_level

_BOUNDARY = re.compile(r"(?<=[.!?…])[\"»)]?\s+(?=[«\"(]?[A-ZÀ-ÝŒ0-9•▶▷-])|\n+")
_ABBREVIATIONS = ("M.", "Mme.", "MM.", "p.", "n°.", "St.", "cf.", "etc.", "av.", "bd.")


def sentence_spans(
    text: str, start: int = 0, end: int | None = None, min_chars: int = 40, max_chars: int = 400
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
        next_end = text.find("\n", e + 1)
        next_line = text[e + 1 : next_end if next_end >= 0 else len(text)]
        if whole_line and heading_level(text[s:e], next_line) is not None:
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
