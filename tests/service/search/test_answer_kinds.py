"""The kind of answer a question asks for, and whether a sentence gives it."""

import pytest

from service.search.answer_kinds import asking_words, expected_kind, gives, kind_named


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
        ("Quand ouvre le centre municipal de santé ?", "hours"),
        ("Quand ouvrent les permanences ?", "hours"),
        ("La vidéoprotection dans les collèges ça coûte combien ?", "amount"),
        ("c'est combien la cantine ?", "amount"),
        ("Combien je dois payer pour la cantine ?", "amount"),
        ("Que faire quand un enfant est en danger ?", "procedure"),
        ("Depuis quand le pont est-il fermé ?", "date"),
        ("Quelle est l'adresse du centre de contact ?", "place"),
        ("C’est où la mairie ?", "place"),  # typographic apostrophe
        ("Quel est le délai pour obtenir une réponse ?", "duration"),
        ("Quelle est la date du forum ?", "date"),
        ("Le n° de téléphone du CCAS ?", "phone"),
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
        "Qui est concerné par le RSA ?",  # who is eligible, not a person
        "Qui appeler quand on a une information préoccupante ?",  # « quand » joins a circumstance
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
        ("place", "Le service est situé au 12 rue Bourgmayer.", True),
        ("place", "Le musée est installé place du Général-de-Gaulle.", True),
        ("place", "des recherches menées jusqu'à l'IHU", False),
        ("phone", "Au 31 décembre 2024, 29 centres sont équipés de vidéoprotection.", False),
        ("phone", "Du 18 janvier 2021 au 30 juin 2021, le stationnement est gratuit.", False),
        ("phone", "de l'Antiquité jusqu'au 21^e siècle", False),
        ("phone", "Composez le 3919, le numéro d'écoute.", True),
        ("phone", "Appelez le 115.", True),
        ("phone", "Tél. 3001", True),
        ("age", "Le Département a fait le choix majeur d'organiser le festival.", False),
        ("age", "les jeunes majeurs de moins de 21 ans", True),
        ("person", "Le CCAS a instruit 412 demandes.", False),
        ("person", "Dans les locaux, Jean DUPONT a accueilli les élus.", True),
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


@pytest.mark.parametrize(
    ("question", "asking"),
    [
        ("Quel est le numéro de téléphone des centres d'incendie ?", "le numero de telephone"),
        ("Quels sont les horaires du Département de l'Ain ?", "horaires"),
        ("Combien de logements ont été rénovés ?", "combien de"),  # not the noun counted
        ("c'est où la maison des solidarités ?", "où"),
        ("aide à domicile pour les personnes âgées", ""),
    ],
)
def test_asking_words(question: str, asking: str) -> None:
    assert " ".join(asking_words(expected_kind(question), question).split()) == asking


def test_the_place_asked_about_does_not_answer_where_it_is() -> None:
    place = kind_named("place")
    question = "Où se trouve le centre de contact 30 01 ?"
    assert not gives(place, "Le centre de contact emploie 9 chargés de relation.", question)
    assert gives(place, "Le centre de contact est situé à Bourg-en-Bresse.", question)
    assert gives(place, "Le centre de contact est installé dans la Maison des solidarités.", question)
    team = "Le Laboratoire a mis en place une équipe logistique de 6 agents."
    assert not gives(place, team, "Où est le laboratoire ?")
