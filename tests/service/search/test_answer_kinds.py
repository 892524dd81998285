"""The kind of answer a question asks for, and whether a sentence gives it."""

import pytest

from service.search.answer_kinds import expected_kind, gives, kind_named


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("combien coûte un permis de chasse à Ajaccio", "amount"),
        ("How much did the renovation cost?", "amount"),
        ("quel est le salaire du président du département", "amount"),
        ("Quel est le montant maximal de l'aide Provence Éco-Rénov ?", "maximum"),
        ("quel numéro appeler pour les aides sociales", "phone"),
        ("Quels sont les horaires de la piscine ?", "hours"),
        ("à partir de quel âge peut-on avoir la carte ?", "age"),
        ("combien de temps faut-il attendre ?", "duration"),
        ("Jusqu’à quelle date peut-on demander la carte ?", "deadline"),
        ("jusqu a quand", "deadline"),
        ("Quand aura lieu le séminaire ?", "date"),
        ("Combien d'objectifs cibles compte la stratégie ?", "count"),
        ("Qui est le président du Conseil départemental ?", "person"),
        ("pourquoi il y a des travaux sur le pont", "reason"),
        ("c'est où la maison des solidarités ?", "place"),
        ("comment faire pour avoir l'APA ?", "procedure"),
        ("mon chien a disparu que faire", "procedure"),
    ],
)
def test_expected_kind(question: str, kind: str) -> None:
    found = expected_kind(question)
    assert found is not None and found.name == kind


@pytest.mark.parametrize(
    "question",
    [
        "Comment la collectivité a-t-elle prêté main-forte à ses voisins ?",  # manner, not a procedure
        "aide à domicile pour les personnes âgées",
        "je veux une aide ou une subvention pour mon toit",  # « ou » is "or"
    ],
)
def test_no_kind(question: str) -> None:
    assert expected_kind(question) is None


@pytest.mark.parametrize(
    ("kind", "sentence", "expected"),
    [
        ("amount", "La carte donne 150 euros par an.", True),
        ("amount", "Le budget est de 3,2 M€.", True),
        ("amount", "Le dispositif aide les familles.", False),
        ("count", "Elle se décline en 20 objectifs cibles.", True),
        ("count", "une soixantaine d'actions", True),
        ("count", "La stratégie 2025-2050 a été présentée.", False),  # a year is not a count
        ("phone", "au 30 01, numéro unique de la Solidarité", True),
        ("phone", "Appelez le 04 74 32 32 32.", True),
        ("phone", "au premier trimestre 2021", False),
        ("phone", "17 654 allocataires", False),
        ("hours", "tous les mardis de 9h à 13h", True),
        ("hours", "ouvert du lundi au vendredi", True),
        ("hours", "lors de permanences et d'animations", False),
        ("deadline", "à déposer jusqu’au 30 septembre", True),
        ("deadline", "pour la rentrée scolaire 2019/2020", False),
        ("date", "Le pont a rouvert le 20 mars.", True),
        ("age", "les jeunes de 16 à 25 ans", True),
        ("maximum", "jusqu'à 5 000 € par logement", True),
        ("maximum", "1 539 aides attribuées pour 3,2 M€", False),
        ("place", "à Bourg-en-Bresse", True),
        ("place", "une unité d'hébergement d'urgence", True),
        ("place", "Le budget est de 3 M€.", False),
        ("procedure", "La demande se fait en ligne sur le site du Département.", True),
        ("person", "Mme Dupont a été élue présidente.", True),
    ],
)
def test_gives(kind: str, sentence: str, expected: bool) -> None:
    assert gives(kind_named(kind), sentence) is expected


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        ("Combien de logements ont été rénovés ?", "6 827 500 € : total des travaux, 704 623 € de subventions.", False),
        ("Combien de logements ont été rénovés ?", "274 logements ont été rénovés pour 3,2 M€.", True),
        ("Combien de projets retenus ?", "1,2 million d'euros pour les projets lauréats.", False),
        ("Combien d'habitants compte l'Ain ?", "L'Ain compte 1,2 million d'habitants.", True),
        ("Combien a coûté la passerelle ?", "Passerelle sur la Sarthe 376 120 €", True),  # a sum is asked
        ("combien de subventions le Département a versé ?", "704 623 € de subventions versées", True),
    ],
)
def test_a_sum_of_money_is_not_a_count_of_things(question: str, sentence: str, expected: bool) -> None:
    kind = expected_kind(question)
    assert kind is not None and gives(kind, sentence) is expected
