"""Data derived from the documents once, at build time, so that loading a bundle reads it instead of
recomputing it: glossary flags of passages, the places the documents name."""

from __future__ import annotations

import re
from collections.abc import Iterable

from rapporteur.parameters import GLOSSARY
from rapporteur.text.places import Gazetteer

_GLOSSARY_LINE = re.compile(r"^[A-Z][A-Za-z0-9&]{1,9}\s*[:=–]\s+\S", re.MULTILINE)


def is_glossary(text: str) -> bool:
    """True for a passage that is mostly a list of acronyms and their expansions."""
    lines = [line for line in text.split("\n") if line.strip()]
    entries = len(_GLOSSARY_LINE.findall(text))
    return entries >= GLOSSARY.min_entries and entries >= GLOSSARY.min_share * len(lines)


def places_named(texts: Iterable[str], gazetteer: Gazetteer) -> list[dict[str, object]]:
    """Every place the texts name, once (what the scope checks count as covered by the reports)."""
    seen: dict[tuple, dict[str, object]] = {}
    for text in texts:
        for place in gazetteer.find(text):
            key = (place.name, place.kind, place.departements, place.commune)
            seen.setdefault(
                key,
                {
                    "name": place.name,
                    "kind": place.kind,
                    "departements": list(place.departements),
                    "commune": place.commune,
                },
            )
    return sorted(seen.values(), key=lambda p: (str(p["name"]), str(p["commune"] or "")))
