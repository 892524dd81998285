"""The local authority a document comes from: its name, type and territory code, read from a name
("Département de l'Ain", "Ville d'Alençon") or, failing one, from the places a text names.

Territory codes are those of the corpus manifest: "dep:01", "com:61001" (INSEE codes, found with
the gazetteer of `rapporteur.text.places`).
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

from rapporteur.text.places import PLACES_FILE, default_gazetteer

AUTHORITY_NAME = re.compile(
    r"\b((?:Département|Ville|Commune|Région|Métropole|Communauté (?:urbaine|d'agglomération|de communes))"
    r" (?:de la |de l'|des |du |de |d')[A-ZÀ-Ý][\w'-]+(?:[ -](?:de|du|des|en|sur|la|le)[ -][A-ZÀ-Ý][\w'-]+)*)"
)
# The same name in a letterhead set in capitals: « COMMUNE DE SAINT-JUST-SAINT-RAMBERT ».
_LETTERHEAD_NAME = re.compile(
    r"\b((?:DÉPARTEMENT|DEPARTEMENT|VILLE|COMMUNE|RÉGION|REGION|MÉTROPOLE|METROPOLE)"
    r" (?:DE LA |DE L'|DES |DU |DE |D')[A-ZÀ-Ý][A-ZÀ-Ý'-]+"
    r"(?:[ -](?:DE|DU|DES|EN|SUR|LA|LE|LES)[ -][A-ZÀ-Ý][A-ZÀ-Ý'-]+)*)\b"
)
_LETTERHEAD_CHARS = 2_000  # a letterhead sits at the top of the first page
_PARTICLES = frozenset({"de", "d", "du", "des", "la", "le", "les", "l", "en", "sur"})
_TYPES = {
    "Département": "département",
    "Ville": "commune",
    "Commune": "commune",
    "Région": "région",
    "Métropole": "métropole",
    "Communauté": "intercommunalité",
}
# A text that speaks of its département's council or services ("le Département", "conseil départemental").
_DEPARTEMENT_WORDS = re.compile(r"\bDépartement\b|\bd[ée]partementa(?:l|le|les|ux)\b", re.IGNORECASE)
_PREPOSITIONS = {"l'": "de l'", "le": "du ", "la": "de la ", "les": "des ", "": "de "}
MIN_PLACES = 3  # places a text must name before its département is guessed from them
MIN_SHARE = 2 / 3  # share of those places that must lie in that one département


@dataclass(frozen=True)
class Authority:
    """A local authority: its name, its type ("département", "commune"…) and territory code."""

    name: str
    type: str | None
    territory: str | None


@cache
def _departements() -> dict[str, tuple[str, str]]:
    """Code -> (name, article) of every département, from the gazetteer's data."""
    raw = gzip.decompress(PLACES_FILE.read_bytes()).decode("utf-8")
    lines = (line for line in io.StringIO(raw) if not line.startswith("#"))
    rows = csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    return {row["code"]: (row["name"], row["article"]) for row in rows if row["kind"] == "DEP"}


def departement_authority(code: str) -> Authority | None:
    """The département of INSEE code `code` as an authority: "Département de l'Ain", "dep:01"."""
    found = _departements().get(code)
    if found is None:
        return None
    name, article = found
    return Authority(f"Département {_PREPOSITIONS.get(article, 'de ')}{name}", "département", f"dep:{code}")


def named_authority(name: str) -> Authority:
    """The authority called `name` ("Ville d'Alençon"), its territory found by the gazetteer."""
    kind = _TYPES.get(name.split()[0])
    places = default_gazetteer().find(name)
    territory = None
    if kind == "département":
        territory = next((f"dep:{p.departements[0]}" for p in places if p.kind == "departement"), None)
    elif kind == "commune":
        territory = next((f"com:{p.commune}" for p in places if p.kind == "commune" and p.commune), None)
    return Authority(name, kind, territory)


def authority_of(text: str, author: str | None = None) -> Authority | None:
    """The authority of a document: its author when that names one, else the one its text names
    most often, else the département of the places it names when it speaks of a département."""
    if author:
        match = AUTHORITY_NAME.search(author)
        if match:
            return named_authority(match.group(1))
    names = Counter(m.group(1) for m in AUTHORITY_NAME.finditer(text[:50_000]))
    if not names:
        names = Counter(_title_case(m.group(1)) for m in _LETTERHEAD_NAME.finditer(text[:_LETTERHEAD_CHARS]))
    if names:
        return named_authority(names.most_common(1)[0][0])
    head = text[:20_000]
    if not _DEPARTEMENT_WORDS.search(head):
        return None
    places = default_gazetteer().find(head)
    codes = Counter(p.departements[0] for p in places if len(p.departements) == 1)
    if not codes:
        return None
    code, count = codes.most_common(1)[0]
    if count < MIN_PLACES or count < MIN_SHARE * sum(codes.values()):
        return None
    return departement_authority(code)


def _title_case(name: str) -> str:
    """« COMMUNE DE SAINT-JUST-SAINT-RAMBERT » -> « Commune de Saint-Just-Saint-Rambert »."""
    titled = re.sub(
        r"[A-ZÀ-Ý]+", lambda m: m.group().lower() if m.group().lower() in _PARTICLES else m.group().capitalize(), name
    )
    titled = titled.replace("Departement", "Département").replace("Region", "Région").replace("Metropole", "Métropole")
    return titled[:1].upper() + titled[1:]
