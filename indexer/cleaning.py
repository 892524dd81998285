"""Text normalisation applied to every loaded document before chunking."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'"})
_SPACES = re.compile(r"[\u00a0\u202f\u2007\u2009\u200a\t\f\v]")
_INVISIBLE = re.compile(r"[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_LINE_END_HYPHEN = re.compile(r"([a-zà-öø-ÿœ])-\n([a-zà-öø-ÿœ])")  # "dépar-\ntement": one word cut in two
_LINE_END_COMPOUND = re.compile(r"([A-Za-zÀ-ÖØ-öø-ÿœ])-\n([A-ZÀ-ÖØ-Þ])")  # "Aix-en-\nProvence": the hyphen stays
_DOT_LEADERS = re.compile(r"(?:\s*[.…·]){4,}")
_TABLE_RULE = re.compile(r"^[\s\-|:=_]{3,}$", re.MULTILINE)
_MD_EMPHASIS = re.compile(r"\*\*|__")
_MULTI_SPACE = re.compile(r" {2,}")
_BLANK_RUNS = re.compile(r"\n{3,}")


def normalize_text(text: str) -> str:
    """Return `text` with French typography, hyphenation and layout noise normalised."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    text = text.translate(_APOSTROPHES)
    text = _SPACES.sub(" ", text)
    text = _CONTROL.sub("", text)
    text = _LINE_END_HYPHEN.sub(r"\1\2", text)
    text = _LINE_END_COMPOUND.sub(r"\1-\2", text)
    text = _DOT_LEADERS.sub(" ", text)
    text = _TABLE_RULE.sub("", text)
    text = _MD_EMPHASIS.sub("", text)
    text = _MULTI_SPACE.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = _BLANK_RUNS.sub("\n\n", text)
    return text.strip()


def remove_repeated_page_lines(pages: list[str], min_pages: int = 3, edge_lines: int = 2) -> list[str]:
    """Drop header/footer lines that repeat at the top or bottom of most pages.

    A line counts when, once digits are masked (page numbers), it appears within the first or last
    `edge_lines` non-blank lines of at least half of the pages (and of `min_pages` pages or more).
    """
    if len(pages) < min_pages:
        return pages

    def key(line: str) -> str:
        return re.sub(r"\d+", "#", line.strip().lower())

    def edges(page: str) -> set[str]:
        lines = [ln for ln in page.split("\n") if ln.strip()]
        return {key(ln) for ln in lines[:edge_lines] + lines[-edge_lines:]}

    counts = Counter(k for page in pages for k in edges(page))
    threshold = max(min_pages, (len(pages) + 1) // 2)
    repeated = {k for k, n in counts.items() if n >= threshold and k}
    if not repeated:
        return pages
    cleaned = []
    for page in pages:
        lines = page.split("\n")
        non_blank = [i for i, ln in enumerate(lines) if ln.strip()]
        edge_idx = set(non_blank[:edge_lines] + non_blank[-edge_lines:])
        cleaned.append("\n".join(ln for i, ln in enumerate(lines) if not (i in edge_idx and key(ln) in repeated)))
    return cleaned
