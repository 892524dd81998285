"""Extractive answers: one pass gives the candidate and each passage's best sentence, with exact spans."""

from pathlib import Path

import pytest

from rapporteur.embedders.hashing import HashingEmbedder
from service.search import answer as answering
from service.search.answer import AnswerFeatures
from service.search.answer_kinds import expected_kind
from service.search.engine import SearchEngine
from service.search.query import QueryPlan


@pytest.fixture(scope="module")
def engine(tiny_index: Path) -> SearchEngine:
    return SearchEngine.from_path(tiny_index, HashingEmbedder())


def _extract(engine: SearchEngine, question: str, shown: int = 5) -> tuple[answering.Extraction, list]:
    plan = engine.plan(question)
    signals = engine.signals(plan)
    hits = engine.cut(plan, signals.candidates, engine.fuse(plan, signals), max(shown, 3))
    return answering.extract(engine.answers, plan, hits, signals.sentences, shown), hits


def test_the_candidate_is_the_exact_document_span(engine: SearchEngine):
    extraction, _ = _extract(engine, "combien de places dans la crèche municipale ?")
    found = extraction.candidate
    assert found is not None and "60 places" in found.text
    doc = engine.bundle.document("ville-test-2023")
    assert doc.text[found.start : found.end] == found.text
    assert found.verified


def test_each_shown_passage_gets_its_best_sentence_in_the_same_pass(engine: SearchEngine):
    extraction, hits = _extract(engine, "combien de kilomètres de routes départementales ?", shown=2)
    assert set(extraction.best_sentences) == {h.chunk_index for h in hits[:2]}
    for hit in hits[:2]:
        start, end = extraction.best_sentences[hit.chunk_index]
        assert hit.citation.start <= start < end <= hit.citation.end


SHORT = """# Cantine

## Tarifs de la cantine scolaire

Le repas de midi à la cantine municipale coûte 3,15 euros. Il est facturé par enfant
et par jour de présence à la cantine scolaire.

## Transports scolaires

Le car scolaire passe à 7 h 45 devant la mairie, tous les jours de classe, et ramène les élèves à 17 h 00.
"""


@pytest.fixture(scope="module")
def short_engine(tmp_path_factory: pytest.TempPathFactory) -> SearchEngine:
    from tiny_corpus import write_corpus

    from indexer.build import build_index

    base = tmp_path_factory.mktemp("short")
    corpus = write_corpus(base / "corpus", {"cantine.md": SHORT})
    build_index(corpus, base / "index", HashingEmbedder())
    return SearchEngine.from_path(base / "index", HashingEmbedder())


def test_a_short_sentence_is_read_with_the_one_that_follows(short_engine: SearchEngine):
    extraction, _ = _extract(short_engine, "combien coûte le repas à la cantine ?")
    found = extraction.candidate
    bundle = short_engine.bundle
    first = "Le repas de midi à la cantine municipale coûte 3,15 euros."
    assert bundle.sentence_text(found.sentence) == first  # a sentence of its own, under min_chars
    assert len(first) < short_engine.answers.params.min_chars
    assert found.text.startswith(first) and found.text.endswith("à la cantine scolaire.")
    text = short_engine.bundle.documents[0].text
    assert text[found.start : found.end] == found.text


def test_a_short_sentence_is_not_joined_across_a_heading(short_engine: SearchEngine):
    extraction, _ = _extract(short_engine, "à quelle heure passe le car scolaire devant la mairie ?")
    found = extraction.candidate
    assert found is not None and "7 h 45" in found.text and "Tarifs" not in found.text


def test_an_answer_without_the_questions_key_terms_is_not_verified(engine: SearchEngine):
    extraction, _ = _extract(engine, "quel est le tarif du parking souterrain de la gare ?")
    assert extraction.candidate is not None and not extraction.candidate.verified
    assert extraction.candidate.features.key_coverage < engine.answers.params.min_key_coverage


def test_the_features_are_named_in_one_place():
    names = AnswerFeatures.names()
    assert names[0] == "sentence_similarity" and len(names) == len(set(names)) == 8
    values = AnswerFeatures(*range(8)).as_dict()
    assert list(values) == list(names) and values["passage_rank"] == 6.0


def test_no_hits_no_candidate(engine: SearchEngine):
    plan = engine.plan("crèche")
    assert answering.extract(engine.answers, plan, [], None, 5) == answering.Extraction(None, {})


STATEMENTS = """# Transition écologique

## Stratégie du Département

Le Département a adopté en 2024 une stratégie de transition écologique pour toutes ses politiques publiques.
Elle se décline en 20 objectifs cibles et une soixantaine d'actions concrètes, suivies chaque année.

## Mobilités

Il y a trois lignes de car express qui relient chaque jour les principales villes du territoire départemental.
La ligne 2 dessert la gare de Bourg-en-Bresse toutes les trente minutes, du lundi au samedi inclus.
"""


@pytest.fixture(scope="module")
def statements(tmp_path_factory: pytest.TempPathFactory):
    from tiny_corpus import write_corpus

    from indexer.build import build_index
    from rapporteur.bundle.store import load_bundle

    base = tmp_path_factory.mktemp("statements")
    build_index(write_corpus(base / "corpus", {"transition.md": STATEMENTS}), base / "index", HashingEmbedder())
    return load_bundle(base / "index")


def _span_of(bundle, opening: str) -> str:
    sentence = next(i for i in range(len(bundle.sentences)) if bundle.sentence_text(i).startswith(opening))
    chunk = next(c for c in bundle.chunks if c.start <= int(bundle.sentences[sentence, 1]) < c.end)
    start, end, byte_start, byte_end = answering.statement_span(bundle, sentence, chunk.start, chunk.end)
    text = bundle.texts.read(byte_start, byte_end)
    assert bundle.documents[0].text[start:end] == text  # exact offsets
    return text


def test_a_sentence_that_refers_back_is_read_with_the_one_before(statements):
    text = _span_of(statements, "Elle se décline")
    assert text.startswith("Le Département a adopté") and text.endswith("suivies chaque année.")


def test_a_sentence_is_read_with_the_next_one_when_that_one_refers_back_to_it(statements):
    assert _span_of(statements, "Le Département a adopté").endswith("suivies chaque année.")


def test_a_statement_never_crosses_a_heading_nor_joins_an_unrelated_sentence(statements):
    assert _span_of(statements, "Il y a trois lignes").endswith("du territoire départemental.")
    assert _span_of(statements, "La ligne 2").startswith("La ligne 2")


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Elle se décline en 20 objectifs.", True),
        ("Cette action vise les personnes sans emploi.", True),
        ("- Ils sont accueillis le mardi.", True),
        ("Celle-ci ouvrira en 2025.", True),
        ("Cela s'explique par la hausse des inscriptions.", True),
        ("Il est facturé par enfant.", True),
        ("Il y a trois lignes de car.", False),
        ("Il faut déposer le dossier en mairie.", False),
        ("Il est possible de payer en ligne.", False),
        ("Certains collèges sont équipés.", False),
        ("Le service ouvre à 9 h.", False),
        ("Et de 13 h 30 à 17 h.", True),
        ("Mais le service reste ouvert le samedi.", True),
        ("Etablissements et services sont ouverts.", False),
    ],
)
def test_what_refers_back(sentence: str, expected: bool):
    assert answering.refers_back(sentence) is expected


def _plan(text: str, terms: list[str], equivalents: tuple = ()) -> QueryPlan:
    return QueryPlan(text, terms, [], {}, frozenset(), [], text, "fr", (), equivalents)


def test_the_words_that_ask_for_the_kind_of_answer_are_not_key_terms():
    """« numéro », « téléphone » say what kind of answer is wanted; the topic must be held."""
    question = "Quel est le numéro de téléphone des centres d'incendie et de secours ?"
    plan = _plan(question, ["numero", "telephon", "centr", "incend", "secour"])
    idf = {"numero": 3.0, "telephon": 3.8, "centr": 1.0, "incend": 4.0, "secour": 3.5}
    keys = answering.KeyTerms.of(plan, idf, expected_kind(question))
    assert keys.terms == ("centr", "incend", "secour")
    assert keys.coverage({"numero", "telephon", "centr"}) < 0.2  # a number of another service


def test_an_expansion_stands_for_an_acronym_only_whole():
    plan = _plan("le numéro du CCAS", ["ccas"], ((frozenset({"centr", "communal", "action", "social"}),),))
    keys = answering.KeyTerms.of(plan, {"ccas": 5.0})
    assert keys.coverage({"centr", "social"}) == 0.0
    assert keys.coverage({"centr", "communal", "action", "social"}) == 1.0
