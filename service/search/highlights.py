"""Spans of a passage to highlight: its words whose analysed term is one of the query's terms.

Computed for the passages returned only (a few thousand characters per query), never for the
whole corpus at load."""

from __future__ import annotations

from rapporteur.text.analyzer import term_spans


def highlight_spans(text: str, terms: frozenset[str]) -> list[tuple[int, int]]:
    """[start, end) of each word of `text` whose term is in `terms`."""
    if not terms:
        return []
    return term_spans(text, terms)
