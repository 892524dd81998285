"""Scope checks: no question, territory not covered, period not covered."""

from datetime import date

import pytest

from rapporteur.text.places import default_gazetteer
from service.search.scope import (
    NO_QUESTION,
    PERIOD_NOT_COVERED,
    TERRITORY_NOT_COVERED,
    Authority,
    Scope,
    asked_years,
    french_list,
    year_ranges,
)

TODAY = date(2026, 12, 2)
AIN = Authority("Département de l'Ain", "dep:01", frozenset({2022, 2023, 2024}))
ALENCON = Authority("Ville d'Alençon", "com:61001", frozenset({2020, 2021}))
BDR = Authority("Département des Bouches-du-Rhône", "dep:13", frozenset({2019, 2020}))


def known(word: str) -> bool:
    return word not in {"xqzt"}


@pytest.fixture(scope="module")
def scope() -> Scope:
    documents = [
        ("Département de l'Ain", "dep:01", [2022, 2023, 2024]),
        ("Ville d'Alençon", "com:61001", [2020, 2021]),
        ("Département des Bouches-du-Rhône", "dep:13", [2019, 2020]),
    ]
    texts = (
        "Le Département soutient le Pays de Gex. La Ville d'Alençon rénove ses écoles. "
        "Des forestiers-sapeurs ont aidé les Alpes-Maritimes après la tempête."
    )
    return Scope.from_documents(documents, default_gazetteer().find(texts), lambda: TODAY)


def places(text: str):
    return tuple(default_gazetteer().find(text))


def check(scope: Scope, question: str, organisation: str | None = None):
    return scope.check(question, places(question), known, organisation)


def test_authority_covers() -> None:
    gaz = default_gazetteer()
    (oyonnax,) = gaz.find("à Oyonnax")
    (argentan,) = gaz.find("à Argentan")
    (alencon,) = gaz.find("à Alençon")
    (orne,) = gaz.find("dans l'Orne")
    (normandie,) = gaz.find("en Normandie")
    assert AIN.covers(oyonnax) and not AIN.covers(argentan)
    assert ALENCON.covers(alencon) and not ALENCON.covers(argentan)
    assert not ALENCON.covers(orne)  # a town's report does not speak for its whole département
    assert ALENCON.covers(normandie)  # a region holding the town: partly covered


@pytest.mark.parametrize(
    "question",
    [
        "combien coûte un permis de chasse à Ajaccio",
        "budget participatif finistere",
        "qui entretient les sentiers dans le Vercors ?",
        "j'habite à Argentan, la mairie aide pour la cantine ?",
        "centre municipal de santé grenoble",
    ],
)
def test_territory_not_covered(scope: Scope, question: str) -> None:
    verdict = check(scope, question)
    assert verdict is not None and verdict.reason == TERRITORY_NOT_COVERED
    assert verdict.places and verdict.places[0] in verdict.message
    assert "Département de l'Ain" in verdict.message  # says which authorities the index covers


@pytest.mark.parametrize(
    "question",
    [
        "je vis à Oyonnax, vous aidez pour le chauffage ?",
        "aide aux collèges à Marseille",
        "comment le département a aidé les Alpes-Maritimes ?",  # the reports name the place
        "je traverse le pont entre Tarascon et Beaucaire",  # one covered place is enough
        "une aide pour les écoles d'Alençon",
    ],
)
def test_territory_covered(scope: Scope, question: str) -> None:
    assert check(scope, question) is None


def test_period_not_covered(scope: Scope) -> None:
    verdict = check(scope, "combien de bénéficiaires du RSA dans l'Ain en 2015 ?")
    assert verdict is not None and verdict.reason == PERIOD_NOT_COVERED
    assert verdict.years == (2015,) and verdict.available_years == (2022, 2023, 2024)
    assert "2022 à 2024" in verdict.message and "Département de l'Ain" in verdict.message
    relative = check(scope, "combien de repas servis à Alençon cette année ?")
    assert relative is not None and relative.reason == PERIOD_NOT_COVERED and relative.years == (2026,)


@pytest.mark.parametrize(
    "question",
    [
        "combien de repas servis à Alençon en 2021 ?",
        "effectifs agents 2023",
        "je dors dehors en ce moment, où trouver une adresse ?",  # the caller's situation, not a period
        "une aide de 2000 euros pour mon toit",  # an amount, not a year
    ],
)
def test_period_covered_or_not_asked(scope: Scope, question: str) -> None:
    assert check(scope, question) is None


def test_a_period_refusal_gives_way_to_passages_that_state_the_year(scope: Scope) -> None:
    """Issue 19: a 2022 report may give a figure of 2015; the answer's verification then decides."""
    verdict = check(scope, "combien de bénéficiaires du RSA dans l'Ain en 2015 ?")
    assert verdict is not None and verdict.reason == PERIOD_NOT_COVERED
    assert (
        scope.reconsider(verdict, ["Le RSA est versé à 8 000 foyers.", "En 2015, 7 200 foyers le touchaient."]) is None
    )
    assert scope.reconsider(verdict, ["En 2022, 8 000 foyers touchent le RSA."]) is verdict
    assert scope.reconsider(verdict, ["Une aide de 2015 euros par foyer."]) is verdict  # an amount, not a year
    assert scope.reconsider(verdict, []) is verdict


def test_only_a_passage_that_states_what_was_refused_grounds_the_answer(scope: Scope) -> None:
    """Reconsidered for one passage, the question is answered only from such a passage: « actuellement »
    lifted by a plan « d'ici 2026 » must not let another passage's sentence answer for 2026."""
    period = check(scope, "combien de bénéficiaires du RSA dans l'Ain en 2015 ?")
    assert scope.grounds(period, "En 2015, 7 200 foyers le touchaient.")
    assert not scope.grounds(period, "Le RSA est versé à 8 000 foyers.")
    place = check(scope, "centre municipal de santé grenoble")
    assert scope.grounds(place, "Le centre de Grenoble accueille des patients de l'Ain.")
    assert not scope.grounds(place, "Le centre municipal de santé d'Alençon.")
    assert scope.grounds(None, "Tout passage fonde une réponse à une question dans le périmètre.")


def test_a_territory_refusal_gives_way_to_passages_that_name_the_place(scope: Scope) -> None:
    verdict = check(scope, "centre municipal de santé grenoble")
    assert verdict is not None and verdict.reason == TERRITORY_NOT_COVERED
    assert scope.reconsider(verdict, ["Le centre de Grenoble accueille des patients de l'Ain."]) is None
    assert scope.reconsider(verdict, ["Les Grenoblois et Grenoble-Alpes ne sont pas cités."]) is verdict
    assert scope.reconsider(verdict, ["Le centre municipal de santé d'Alençon."]) is verdict


def test_a_question_that_is_not_one_is_never_reconsidered(scope: Scope) -> None:
    verdict = check(scope, "Allô, bonjour madame, vous m'entendez ?")
    assert verdict is not None and scope.reconsider(verdict, ["Allô Alençon 2021, bonjour madame."]) is verdict
    assert scope.reconsider(None, ["En 2015 à Grenoble."]) is None


def test_no_question(scope: Scope) -> None:
    verdict = check(scope, "Allô, bonjour madame, vous m'entendez ?")
    assert verdict is not None and verdict.reason == NO_QUESTION


def test_filter_on_organisation_narrows_the_years(scope: Scope) -> None:
    verdict = check(scope, "budget 2023", organisation="Ville d'Alençon")
    assert verdict is not None and verdict.reason == PERIOD_NOT_COVERED
    assert check(scope, "budget 2023") is None


@pytest.mark.parametrize(
    ("question", "years"),
    [
        ("en 2019 et en 2020", (2019, 2020)),
        ("l'an dernier", (2025,)),
        ("l’année prochaine", (2027,)),
        ("this year", (2026,)),
        ("2 300 agents", ()),
        ("2024 habitants", ()),
        ("mon fils est malade en ce moment, que faire ?", ()),
        ("J'habite dans l'Ain depuis 2012, quel est le numéro de la solidarité ?", ()),
        ("Ma mère est née en 1950, a-t-elle droit à l'APA ?", ()),
        ("Le pont est fermé depuis 2019 ?", (2019,)),  # not the caller's situation
        ("Je voudrais savoir combien de collèges ont été rénovés en 2019", (2019,)),
    ],
)
def test_asked_years(question: str, years: tuple[int, ...]) -> None:
    assert asked_years(question, TODAY) == years


def test_french_wording() -> None:
    assert french_list(["a"]) == "a" and french_list(["a", "b", "c"]) == "a, b et c"
    assert year_ranges([2015, 2017, 2020, 2021, 2022, 2024]) == "2015, 2017, 2020 à 2022 et 2024"
    assert year_ranges([2020, 2021]) == "2020-2021"
