"""Answer text as it is read out: no list markers, bullets, markdown emphasis or stray line breaks.

Only the string shown changes; citation offsets keep pointing at the raw span of the document, so
the document view still highlights exactly what was cited.
"""

from __future__ import annotations

import re

# A dash right before a figure is a minus sign (« -5 % de demandes »), not a list marker.
_MARKER = re.compile(r"^[ \t]*(?:(?:(?:[•·*▶▷►▸■□●○◆◇⋮✓✔→>]|[-–—](?!\d))+|\d{1,2}[.)](?=\s))[ \t]*)+")
_EMPHASIS = re.compile(r"\*\*|__|(?<!\w)\*(?=\S)|(?<=\S)\*(?!\w)")
_HEADING_MARK = re.compile(r"^#{1,6}\s+", re.MULTILINE)
_SPACES = re.compile(r"[ \t\u00a0\u202f]{2,}")
_SENTENCE_END = (".", "!", "?", "…", ":", ";", ",")


def display_text(raw: str) -> str:
    """`raw` with list markers and emphasis removed and its lines joined into one paragraph.

    Lines that end without punctuation are joined with « ; » when both are list items (they had
    a marker) or short figures, and with a space otherwise, so that « 40 agents\n500 appels »
    reads as one statement.
    """
    lines: list[tuple[str, bool]] = []  # (text, was a list item)
    for line in _HEADING_MARK.sub("", raw).split("\n"):
        marker = _MARKER.match(line)
        text = _EMPHASIS.sub("", line[marker.end() if marker else 0 :]).strip()
        if text:
            lines.append((text, bool(marker and marker.group().strip())))
    if not lines:
        return ""
    out, (last, last_item) = lines[0][0], lines[0]
    for line, item in lines[1:]:
        listed = (last_item or _is_figure(last)) and (item or _is_figure(line)) and not last.endswith(_SENTENCE_END)
        out = f"{out} ; {line}" if listed else f"{out} {line}"
        last, last_item = line, item
    out = _SPACES.sub(" ", out).strip()
    return out[:1].upper() + out[1:] if out[:1].islower() else out


def _is_figure(line: str) -> bool:
    """A short key-figure line (« 40 agents ») that reads as a list item."""
    return len(line) <= 60 and line[:1].isdigit() and not line.endswith(_SENTENCE_END)
