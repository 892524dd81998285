"""Inputs that are not a question: recognised by the kind of each word, not from a list of sentences."""

import itertools

import pytest

from service.search.chatter import is_not_a_question, personal_data_spans, redact_personal_data

KNOWN = {"piscine", "permis", "chasse", "rsa", "moulinex", "passeport", "chien", "aide", "route", "apa", "collège"}


def known(word: str) -> bool:
    return word in KNOWN


GREETINGS = ["bonjour", "Allô ?", "bonsoir madame", "oui bonjour monsieur", "Hello"]
FILLERS = ["", "vous m'entendez ?", "je vous appelle", "un instant svp", "euh..."]
CLOSINGS = ["", "merci beaucoup pour votre aide", "bonne journée, au revoir", "ok merci"]


@pytest.mark.parametrize(("greeting", "filler", "closing"), list(itertools.product(GREETINGS, FILLERS, CLOSINGS)))
def test_phone_line_chatter_in_any_combination(greeting: str, filler: str, closing: str) -> None:
    text = " ".join(part for part in (greeting, filler, closing) if part)
    assert is_not_a_question(text, known)


@pytest.mark.parametrize(
    "text",
    [
        "Josiane Carrel 06 39 98 42 17",
        "jean dupont 0639984217",
        "+33 6 39 98 42 17",
        "josiane.carrel@exemple.fr",
        "Mme Martin, 07 12 34 56 78, rappeler svp",
        "test",
        "essai 123",
        "test test 1 2 3",
        "azertyuiop",
        "qsdfghjk",
        "Lorem ipsum dolor sit amet",
        "???",
        "🙂👍",
        "...",
    ],
)
def test_typed_by_mistake(text: str) -> None:
    assert is_not_a_question(text, known)


@pytest.mark.parametrize(
    "text",
    [
        "piscine",
        "RSA",
        "permis de chasse",
        "bonjour, je voudrais une aide pour la piscine",
        "merci, je cherche une aide pour mon père",
        "trottinette électrique",  # a word the corpus does not know is still a need
        "mon numéro de passeport 06 12 34 56 78",
        "comment renouveler mon passeport",
    ],
)
def test_questions_are_not_chatter(text: str) -> None:
    assert not is_not_a_question(text, known)


@pytest.mark.parametrize(
    "text", ["En combien de matchs ?", "Combien de sprints ?", "Quand ouvrent les stands ?", "Which matchs?"]
)
def test_a_short_interrogative_is_a_question(text: str) -> None:
    """Issue 19: « matchs » has few vowels, and was taken for keyboard mash; in a question it is a word."""
    assert not is_not_a_question(text, known)


@pytest.mark.parametrize("text", ["Combien ?", "Quand ?", "Comment ça va ?", "combien qsdfgh ?", "quand azerty ?"])
def test_an_interrogative_alone_or_with_mash_still_asks_nothing(text: str) -> None:
    assert is_not_a_question(text, known)


def test_a_place_alone_is_a_search() -> None:
    assert not is_not_a_question("Oyonnax", known, names_place=True)


def test_personal_data_spans() -> None:
    text = "Josiane 06 39 98 42 17 ou josiane@exemple.fr"
    spans = personal_data_spans(text)
    assert [text[s:e] for s, e in spans] == ["06 39 98 42 17", "josiane@exemple.fr"]


def test_personal_data_is_masked_for_logs() -> None:
    assert redact_personal_data("rappeler Josiane au 06 39 98 42 17 ou josiane@exemple.fr") == (
        "rappeler Josiane au [masqué] ou [masqué]"
    )
