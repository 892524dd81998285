"""Tests of the offline gazetteer: triggers, spelling variants, false positives, areas, numbers."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from rapporteur.text.places import DATA_DIR, Gazetteer, Place, default_gazetteer


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    """The gazetteer over the packaged data."""
    return default_gazetteer()


def codes(gazetteer: Gazetteer, text: str) -> set[str]:
    """All territory codes of the places found in a text."""
    return {code for place in gazetteer.find(text) for code in place.territories()}


def first(gazetteer: Gazetteer, text: str) -> Place:
    """The best place found in a text."""
    places = gazetteer.find(text)
    assert places, f"nothing found in {text!r}"
    return places[0]


def test_place_territories() -> None:
    assert Place("Aubagne", "commune", ("13",), "13005").territories() == {"dep:13", "com:13005"}
    assert Place("Bresse", "territory", ("01", "71"), None).territories() == {"dep:01", "dep:71"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("j'habite à Aubagne", {"dep:13", "com:13005"}),
        ("je suis sur Oyonnax, y a-t-il une aide ?", {"dep:01", "com:01283"}),
        ("à St Malo", {"dep:35", "com:35288"}),
        ("Bonjour, je vis à Martigues depuis 10 ans", {"dep:13", "com:13056"}),
        ("j'habite un petit village à côté de Belley", {"dep:01", "com:01034"}),
        ("j'habite Pacé", {"dep:35", "com:35210"}),
        ("je viens d'emménager à Alençon", {"dep:61", "com:61001"}),
        ("on est dans le Bugey", {"dep:01"}),
        ("quand ouvrira le collège de Trévoux ?", {"dep:01", "com:01427"}),
    ],
)
def test_trigger_phrases(gazetteer: Gazetteer, text: str, expected: set[str]) -> None:
    assert codes(gazetteer, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "j'habite à saint etienne",
        "j'habite à Saint-Étienne",
        "je vis à St-Étienne",
        "je vis à st etienne",
        "je suis à Saint Etienne",
        "J'HABITE A SAINT-ETIENNE",
        "la ville de Saint–Étienne",
    ],
)
def test_accents_hyphens_and_saint(gazetteer: Gazetteer, text: str) -> None:
    place = first(gazetteer, text)
    assert (place.name, place.commune, place.departements) == ("Saint-Étienne", "42218", ("42",))


@pytest.mark.parametrize(
    "text",
    [
        "j'ai besoin d'aide",
        "en mars",
        "une orange",
        "la rue",
        "je suis à la rue depuis un mois",
        "à orange",
        "Orange a coupé ma ligne internet",
        "mon opérateur Orange ne répond pas",
        "dans le sens de la marche",
        "on fait ça à tours de rôle",
        "j'ai écrit à la Ville pour le permis",
        "la Maison de Santé ferme le samedi",
        "ils ont refait la rue de Villeneuve",
        "c'est au bout du port, près du bar",
        "il y a eu une réunion en mars au sujet des aides",
        "Villeneuve",
        "M. Laval a répondu",
        "Combien coûte un repas à la cantine pour un collégien ?",
        "je touche le RSA et à chaque fois c'est la galère pour avoir un rendez-vous",
        "je vais au boulot à vélo par les petites routes, c'est flippant",
        "y a un gros nid de frelons dans mon arbre, ça coûte cher de le faire enlever",
        "mon fils de 17 ans passe ses nuits sur les jeux vidéo",
    ],
)
def test_no_false_positive(gazetteer: Gazetteer, text: str) -> None:
    assert gazetteer.find(text) == []


@pytest.mark.parametrize(
    ("text", "commune"),
    [
        ("j'habite à Orange", "84087"),
        ("je vais à Tours", "37261"),
        ("le maire de Tours", "37261"),
        ("je vis à orange", "84087"),  # residence verb: lower-case common name of a large town
        ("j'habite à fougères", "35115"),
        ("à Fougères", "35115"),
        ("au Havre", "76351"),
        ("du Mans", "72181"),
        ("à La Ciotat", "13028"),
    ],
)
def test_common_words_need_capital_or_residence(gazetteer: Gazetteer, text: str, commune: str) -> None:
    assert first(gazetteer, text).commune == commune


@pytest.mark.parametrize(
    ("text", "departement"),
    [
        ("on est dans le Bugey", "01"),
        ("j'habite en Bresse", "01"),
        ("je vis dans la Dombes", "01"),
        ("on habite dans le Pays de Gex", "01"),
        ("dans le Revermont", "01"),
        ("sur la Côtière", "01"),
        ("dans le Val de Saône", "01"),
        ("bhns pays de gex", "01"),
        ("on est en Camargue dans un petit village", "13"),
        ("dans le pays d'Aix", "13"),
        ("en Provence", "13"),
        ("dans le pays de Fougères", "35"),
        ("au Pays de Vitré", "35"),
        ("en forêt de Brocéliande", "35"),
        ("dans le Pays de Redon", "35"),
        ("dans le pays d'Alençon", "61"),
        ("dans le Perche", "61"),
    ],
)
def test_territories(gazetteer: Gazetteer, text: str, departement: str) -> None:
    place = first(gazetteer, text)
    assert place.kind == "territory"
    assert f"dep:{departement}" in place.territories()


def test_bugey_maps_to_ain_only(gazetteer: Gazetteer) -> None:
    assert gazetteer.find("on est dans le Bugey") == [Place("Bugey", "territory", ("01",), None)]


def test_provence_spans_departements(gazetteer: Gazetteer) -> None:
    place = first(gazetteer, "en Provence")
    assert place.departements[0] == "13"
    assert len(place.departements) > 1


def test_valserhone_is_a_commune(gazetteer: Gazetteer) -> None:
    assert codes(gazetteer, "j'habite à Valserhône") == {"dep:01", "com:01033"}


@pytest.mark.parametrize("text", ["je suis à Perseigne", "j'habite à Courteille", "quartier de Perseigne"])
def test_alencon_quarters(gazetteer: Gazetteer, text: str) -> None:
    assert codes(gazetteer, text) == {"dep:61", "com:61001"}


@pytest.mark.parametrize(
    ("text", "departement", "name"),
    [
        ("j'habite dans l'Ain", "01", "Ain"),
        ("le Département de l'Ain", "01", "Ain"),
        ("dans les Bouches-du-Rhône", "13", "Bouches-du-Rhône"),
        ("Bouches du Rhone", "13", "Bouches-du-Rhône"),
        ("en Ille-et-Vilaine", "35", "Ille-et-Vilaine"),
        ("le budget participatif d'Ille-et-Vilaine", "35", "Ille-et-Vilaine"),
        ("dans l'Orne", "61", "Orne"),
        ("j'habite dans l'orne", "61", "Orne"),
        ("dans la Manche", "50", "Manche"),
        ("dans la Vienne", "86", "Vienne"),
        ("en Mayenne", "53", "Mayenne"),
    ],
)
def test_departement_names(gazetteer: Gazetteer, text: str, departement: str, name: str) -> None:
    assert gazetteer.find(text) == [Place(name, "departement", (departement,), None)]


@pytest.mark.parametrize(
    ("text", "departement"),
    [
        ("on est dans le 13", "13"),
        ("j'habite dans le 35", "35"),
        ("je suis du 13", "13"),
        ("le 01", "01"),
        ("département 61", "61"),
        ("le département du 35", "35"),
        ("on vit dans le 2A", "2A"),
    ],
)
def test_departement_numbers(gazetteer: Gazetteer, text: str, departement: str) -> None:
    place = first(gazetteer, text)
    assert (place.kind, place.departements) == ("departement", (departement,))


@pytest.mark.parametrize(
    "text",
    ["le 13 mars", "rendez-vous le 15 à 14h", "j'ai 35 ans", "du 13 au 15 juin", "le 13/05", "il y a 13 places"],
)
def test_numbers_that_are_not_departements(gazetteer: Gazetteer, text: str) -> None:
    assert gazetteer.find(text) == []


@pytest.mark.parametrize(
    ("text", "commune"),
    [
        ("Salon-de-Provence", "13103"),
        ("j'habite à Salon de Provence", "13103"),
        ("à Salon", "13103"),
        ("Aix-en-Provence", "13001"),
        ("je vis à aix en provence", "13001"),
        ("à Aix", "13001"),
        ("Saint-Malo", "35288"),
        ("j'habite St-Malo", "35288"),
        ("Bourg-en-Bresse", "01053"),
        ("je vais à bourg en bresse", "01053"),
        ("à Bourg", "01053"),
        ("La Roche-sur-Yon", "85191"),
    ],
)
def test_multiword_names(gazetteer: Gazetteer, text: str, commune: str) -> None:
    assert first(gazetteer, text).commune == commune


@pytest.mark.parametrize(
    ("text", "commune"),
    [
        ("j'habite Marseille 13e", "13055"),
        ("Marseille 1er", "13055"),
        ("j'habite dans le 13ème arrondissement", "13055"),
        ("le 3e arrondissement de Marseille", "13055"),
        ("Paris 13e", "75056"),
        ("le 3e arrondissement de Lyon", "69123"),
    ],
)
def test_municipal_arrondissements(gazetteer: Gazetteer, text: str, commune: str) -> None:
    place = first(gazetteer, text)
    assert (place.kind, place.commune) == ("commune", commune)


def test_homonyms_need_a_trigger_and_keep_all_departements(gazetteer: Gazetteer) -> None:
    assert gazetteer.find("Villeneuve") == []
    place = first(gazetteer, "j'habite à Villeneuve")
    assert place.commune is None
    assert "01" in place.departements and len(place.departements) > 1


def test_homonyms_narrowed_by_context(gazetteer: Gazetteer) -> None:
    places = gazetteer.find("j'habite à Villeneuve, dans l'Ain")
    assert places[0].kind == "commune" and places[0].departements == ("01",) and places[0].commune
    assert places[1] == Place("Ain", "departement", ("01",), None)


def test_dominant_homonym_wins(gazetteer: Gazetteer) -> None:
    assert first(gazetteer, "à Pacé").commune == "35210"  # Pacé (35) vs a village of the Orne
    assert first(gazetteer, "à Valence").departements == ("26",)


def test_commune_or_departement_by_context(gazetteer: Gazetteer) -> None:
    assert first(gazetteer, "j'habite à Vienne").commune == "38544"
    assert first(gazetteer, "dans la Vienne").kind == "departement"
    assert first(gazetteer, "à La Réunion").departements == ("974",)


def test_ranking_specific_first(gazetteer: Gazetteer) -> None:
    places = gazetteer.find("On est dans le Bugey, à Oyonnax, dans l'Ain")
    assert [p.name for p in places] == ["Oyonnax", "Bugey", "Ain"]


def test_no_match_on_plain_text(gazetteer: Gazetteer) -> None:
    text = (
        "Le conseil a voté le budget des collèges et des routes pour l'année prochaine, "
        "avec une hausse des aides aux personnes âgées et aux familles."
    )
    assert gazetteer.find(text) == []
    assert gazetteer.find("") == []


def test_packaged_data() -> None:
    with gzip.open(DATA_DIR / "places.tsv.gz", "rt", encoding="utf-8") as handle:
        rows = [line.rstrip("\n").split("\t") for line in handle if not line.startswith("#")]
    header, body = rows[0], rows[1:]
    assert header == ["kind", "code", "name", "article", "departements", "parent", "population", "common"]
    kinds = [row[0] for row in body]
    assert kinds.count("COM") > 34_000
    assert kinds.count("DEP") == 101
    assert body == sorted(body, key=lambda r: (["DEP", "REG", "COM", "COMD", "COMA", "ARM"].index(r[0]), r[1], r[2]))


def test_load_custom_files(tmp_path: Path) -> None:
    header = "kind\tcode\tname\tarticle\tdepartements\tparent\tpopulation\tcommon\n"
    (tmp_path / "places.tsv").write_text(
        header
        + "DEP\t99\tTestland\t\t99\t\t0\t0\n"
        + "COM\t99001\tTestville\t\t99\t\t5000\t0\n"
        + "COM\t99002\tHavreux\tle\t99\t\t3000\t0\n",
        encoding="utf-8",
    )
    (tmp_path / "territories.tsv").write_text(
        "# test\nname\tkind\tdepartements\tcommune\taliases\tcommon\n"
        "Pays de Test\tterritory\t99\t\tPays testois\t\n"
        "Testville\tcommune\t99\t99001\tTville\t\n",
        encoding="utf-8",
    )
    gazetteer = Gazetteer.load(tmp_path)
    assert first(gazetteer, "j'habite à Testville").territories() == {"dep:99", "com:99001"}
    assert first(gazetteer, "à Tville").commune == "99001"
    assert first(gazetteer, "au Havreux").name == "Le Havreux"
    assert first(gazetteer, "dans le pays testois").name == "Pays de Test"
    assert first(gazetteer, "dans le 99").name == "Testland"
    only_places = Gazetteer.load(tmp_path / "places.tsv")
    assert only_places.find("dans le pays testois") == []
