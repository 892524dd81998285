"""Scope checks before answering: is this a question, and do the indexed reports cover its place and period?

Each check that fails gives a reason with a sentence in French for the page; the question then
gets no answer line (passages are still returned, except for an input that is not a question).

* **No question**: greetings, phone-line chatter, test input, a name and number typed by mistake
  (`service.search.chatter`).
* **Territory not covered**: the question names places and none of them is covered. A place is
  covered when an indexed authority's territory overlaps it (a commune by its département's
  reports and by its own; a region or natural area by the reports of a département inside it),
  or when the indexed documents themselves name it (a report may tell what it did elsewhere).
* **Period not covered**: the question asks about years (« en 2019 », « cette année », « l'an
  dernier ») that no document of the authorities concerned reports on. Time words that describe the
  caller's own situation (« je dors dehors en ce moment ») do not make the question about a period.

The place and period checks read the documents' metadata; the passages retrieved may still give
what they say is missing (a 2021 report states a figure of 2019, a département's report names a
commune of another). `Scope.reconsider` looks at the top passages: when one states a year or names
a place asked about, the question is not refused, and the answer's verification decides.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date

from rapporteur.bundle.store import Bundle
from rapporteur.text.analyzer import fold
from rapporteur.text.places import Place
from service.search.chatter import is_not_a_question
from service.search.results import NoAnswer

NO_QUESTION = "no_question"
TERRITORY_NOT_COVERED = "territory_not_covered"
PERIOD_NOT_COVERED = "period_not_covered"
NO_CLEAR_ANSWER = "no_clear_answer"
REASONS = (NO_QUESTION, TERRITORY_NOT_COVERED, PERIOD_NOT_COVERED, NO_CLEAR_ANSWER)

NO_QUESTION_MESSAGE = (
    "Ce message ne contient pas de question : aucune recherche n'a été faite. "
    "Saisissez ce que la personne demande (un service, une aide, un chiffre…)."
)
NO_CLEAR_ANSWER_MESSAGE = "Aucune phrase ne répond clairement ; voici les passages les plus proches."


@dataclass(frozen=True)
class Authority:
    """An organisation whose documents are indexed, its territory code and the years they report on."""

    name: str
    territory: str | None  # "dep:01", "com:61001"
    years: frozenset[int] = field(default_factory=frozenset)

    def covers(self, place: Place) -> bool:
        """True when this authority's territory overlaps `place`."""
        if not self.territory or ":" not in self.territory:
            return False
        level, code = self.territory.split(":", 1)
        if level == "dep":
            return code in place.departements
        if level == "com":
            if place.commune == code:
                return True
            # A region or natural area holding this commune's département; not the département itself.
            return place.commune is None and place.kind == "territory" and _departement_of(code) in place.departements
        return False


def _departement_of(commune: str) -> str:
    """Département code of an INSEE commune code ("61001" -> "61", "97411" -> "974")."""
    return commune[:3] if commune.startswith("97") else commune[:2]


# -- periods asked ------------------------------------------------------------------------------

_YEAR = re.compile(r"(?<![\d,.€])\b(19[5-9]\d|20\d\d)\b(?![,.]\d)")
# Words after a number that make it a quantity, not a year: « 2000 euros », « 2024 habitants ».
_QUANTITY_AFTER = re.compile(
    r"^\s*(?:€|euros?|eur\b|k€|m€|habitants?|personnes?|agents?|logements?|km|m2|m²|m\b|places?|enfants?|"
    r"élèves?|eleves?|dossiers?|bénéficiaires?|beneficiaires?|visiteurs?|repas|heures?|h\b|jours?|ans?\b|"
    r"exemplaires?|appels?|passages?|familles?|foyers?|emplois?|arbres?|mètres?|metres?|tonnes?|%)",
    re.IGNORECASE,
)
_RELATIVE = (
    (
        re.compile(
            r"\b(?:cette annee|cette saison|en ce moment|actuellement|a l'heure actuelle|this year|"
            r"currently|at the moment|right now)\b"
        ),
        0,
    ),
    (re.compile(r"\b(?:l'an dernier|l'annee derniere|l'an passe|l'annee passee|last year)\b"), -1),
    (re.compile(r"\b(?:l'an prochain|l'annee prochaine|next year)\b"), 1),
)
# First person: the time words describe the caller's situation, not the period asked about.
_FIRST_PERSON = re.compile(r"\b(?:je|j'|me|m'|moi|mon|ma|mes|on|nous|nos|notre|i|my|we|our)\b|\bi'm\b")
_CLAUSE = re.compile(r"[,;.!?…:()]|\bmais\b|\bet\b|\bparce que\b|\bcar\b")


def written_years(text: str) -> set[int]:
    """The years written in `text` (« 2019 »; not « 2019 euros »)."""
    return {int(m.group(1)) for m in _year_mentions(text)}


def _year_mentions(text: str) -> Iterator[re.Match[str]]:
    """Each year written in `text`, where it stands (« 2019 »; not « 2019 euros »)."""
    return (m for m in _YEAR.finditer(text) if not _QUANTITY_AFTER.match(text[m.end() :]))


# A year that dates the caller's own situation (« j'habite l'Ain depuis 2012 », « ma mère est née en
# 1950 ») is not the period asked about.
_SITUATION_BEFORE = re.compile(
    r"\b(?:depuis|nee?s? en|arrivee?s? en|installee?s? en|emmenagee?s? en|demenagee?s? en|since|born in)\s*$"
)


def asked_years(question: str, today: date) -> tuple[int, ...]:
    """Years the question asks about: written years and relative ones (« cette année », « l'an dernier »)."""
    folded = fold(question).replace("’", "'")
    years = {
        int(m.group(1))
        for m in _year_mentions(folded)
        if not (
            _SITUATION_BEFORE.search(folded, 0, m.start())
            and _FIRST_PERSON.search(_clause_around(folded, m.start(), m.end()))
        )
    }
    for pattern, offset in _RELATIVE:
        for match in pattern.finditer(folded):
            if not _FIRST_PERSON.search(_clause_around(folded, match.start(), match.end())):
                years.add(today.year + offset)
    return tuple(sorted(years))


def _names(folded_name: str) -> re.Pattern[str]:
    """A folded place name as a whole word of folded text (« lyon », not « lyonnais »)."""
    return re.compile(rf"(?<![\w-]){re.escape(folded_name)}(?![\w-])")


def _clause_around(text: str, start: int, end: int) -> str:
    """The clause holding text[start:end], cut at punctuation and coordinating words."""
    left = max((m.end() for m in _CLAUSE.finditer(text, 0, start)), default=0)
    right = next((m.start() for m in _CLAUSE.finditer(text, end)), len(text))
    return text[left:right]


# -- French wording -----------------------------------------------------------------------------


def french_list(items: Iterable[str]) -> str:
    """« a », « a et b », « a, b et c »."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " et " + items[-1]


def year_ranges(years: Iterable[int]) -> str:
    """« 2015, 2017 et 2020 à 2024 »."""
    ordered = sorted(set(years))
    runs: list[list[int]] = []
    for year in ordered:
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    parts = [str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" if len(r) == 2 else f"{r[0]} à {r[-1]}" for r in runs]
    return french_list(parts)


# -- the checks ---------------------------------------------------------------------------------


class Scope:
    """What the index covers (authorities, their years, places the documents name) and the checks."""

    def __init__(
        self,
        authorities: list[Authority],
        mentioned: frozenset[Place] = frozenset(),
        today: Callable[[], date] = date.today,
    ) -> None:
        self.authorities = authorities
        self._mentioned = mentioned
        self._today = today
        # Without a territory for every authority, no place can be said to be outside the index.
        self._territories_known = bool(authorities) and all(a.territory for a in authorities)

    @classmethod
    def from_documents(
        cls,
        documents: Iterable[tuple[str | None, str | None, Iterable[int]]],
        mentioned: Iterable[Place] = (),
        today: Callable[[], date] = date.today,
    ) -> Scope:
        """From (organisation, territory, years reported) of each indexed document and the places
        the documents name."""
        by_name: dict[str, tuple[str | None, set[int]]] = {}
        for organisation, territory, years in documents:
            name = organisation or "Organisation inconnue"
            entry = by_name.setdefault(name, (territory, set()))
            entry[1].update(years)
        authorities = [Authority(name, t, frozenset(y)) for name, (t, y) in by_name.items()]
        return cls(authorities, frozenset(mentioned), today)

    @classmethod
    def from_bundle(cls, bundle: Bundle, today: Callable[[], date] = date.today) -> Scope:
        """What the bundle covers: its documents' authorities and years, the places they name."""
        reported = {d["id"]: d.get("years_reported") for d in bundle.manifest.get("documents", [])}
        documents = (
            (d.meta.organisation, d.meta.territory, reported.get(d.meta.id) or ([d.meta.year] if d.meta.year else []))
            for d in bundle.documents
        )
        places = (
            Place(str(p["name"]), str(p["kind"]), tuple(p["departements"]), p.get("commune"))  # type: ignore[arg-type]
            for p in bundle.places
        )
        return cls.from_documents(documents, places, today)

    @property
    def authority_names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.authorities)

    def covered(self, place: Place) -> bool:
        """True when an indexed authority's territory overlaps `place`, or a document names it."""
        return place in self._mentioned or any(a.covers(place) for a in self.authorities)

    def reconsider(self, no_answer: NoAnswer | None, passages: Sequence[str]) -> NoAnswer | None:
        """`no_answer`, unless it is a place or period refusal and one of `passages` (the top ones
        retrieved) names a place or states a year it was refused for: then None, and the answer's
        verification decides (the answer must then come from such a passage: `grounds`)."""
        if no_answer is None or not any(self.grounds(no_answer, p) for p in passages):
            return no_answer
        return None

    @staticmethod
    def grounds(refusal: NoAnswer | None, passage: str) -> bool:
        """Whether an answer from `passage` may lift `refusal`: there is none, or it refused a
        period the passage states a year of, or places the passage names."""
        if refusal is None:
            return True
        if refusal.reason == PERIOD_NOT_COVERED:
            return bool(written_years(passage).intersection(refusal.years))
        if refusal.reason == TERRITORY_NOT_COVERED:
            folded = fold(passage)
            return any(_names(fold(place)).search(folded) for place in refusal.places)
        return False

    def check(
        self,
        question: str,
        places: tuple[Place, ...],
        is_known: Callable[[str], bool],
        organisation: str | None = None,
    ) -> NoAnswer | None:
        """The first scope check that fails for `question`, or None when it is in scope."""
        if is_not_a_question(question, is_known, names_place=bool(places)):
            return NoAnswer(NO_QUESTION, NO_QUESTION_MESSAGE, authorities=self.authority_names)
        concerned = [
            a for a in self.authorities if organisation is None or a.name.casefold() == organisation.casefold()
        ]
        if places and self._territories_known:
            covered = [p for p in places if self.covered(p)]
            if not covered:
                names = tuple(p.name for p in places)
                return NoAnswer(
                    TERRITORY_NOT_COVERED,
                    f"Aucun des rapports indexés ne porte sur {french_list(names)}. "
                    f"Ils concernent : {french_list(self.authority_names)}.",
                    places=names,
                    authorities=self.authority_names,
                )
            local = [a for a in concerned if any(a.covers(p) for p in covered)]
            concerned = local or concerned
        asked = asked_years(question, self._today())
        if asked and concerned:
            available = set().union(*(a.years for a in concerned))
            if available and not available.intersection(asked):
                who = french_list(a.name for a in concerned)
                subject = (
                    f"Aucun document indexé de cette collectivité ({who}) ne porte"
                    if len(concerned) == 1
                    else "Aucun document indexé ne porte"
                )
                return NoAnswer(
                    PERIOD_NOT_COVERED,
                    f"{subject} sur {year_ranges(asked)}. Années disponibles : {year_ranges(available)}.",
                    years=asked,
                    available_years=tuple(sorted(available)),
                    authorities=tuple(a.name for a in concerned),
                )
        return None
