"""The years a document reports on: its own year, and the recent years it gives figures for.

A 2024 activity report often compares with 2023 (« en 2023, 1 200 dossiers »): 2023 counts as
reported. A year named without any figure beside it does not, nor a later year than the
document's own (« 500 logements d'ici 2028 » is a target), nor one more than `PERIODS.window` years
before it (« la loi de 2002 » is history, not a report on 2002).
"""

from __future__ import annotations

import re

from rapporteur.parameters import PERIODS

_YEAR = re.compile(r"(?<![\d,.])(?:19[5-9]\d|20\d\d)(?!\d|[,.]\d)")
# Sentences as written, without merging short ones (a short sentence keeps its own years).
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")
_FIGURE = re.compile(r"\d")


def years_reported(text: str, year: int | None) -> list[int]:
    """Sorted years that `text` gives figures for, with the document's own `year`."""
    years = {year} if year is not None else set()
    for sentence in _SENTENCE.split(text):
        found = {int(y) for y in _YEAR.findall(sentence)}
        if not found:
            continue
        if len(found) >= 2 or _FIGURE.search(_YEAR.sub(" ", sentence)):
            years |= {y for y in found if year is None or year - PERIODS.window <= y <= year}
    return sorted(years)
