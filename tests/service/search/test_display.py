"""Answer text for reading out: markers and stray line breaks removed."""

import pytest

from service.search.display import display_text


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("- ▶ Accompagnement des seniors à domicile", "Accompagnement des seniors à domicile"),
        ("⋮ Coût de l'opération : 10 M€", "Coût de l'opération : 10 M€"),
        (
            "• Actualisation du BEGES\n• La stratégie a été présentée.",
            "Actualisation du BEGES ; La stratégie a été présentée.",
        ),
        ("La vidéoprotection compte désormais\n42 caméras.", "La vidéoprotection compte désormais 42 caméras."),
        ("40 agents\n\n500 appels par jour gérés", "40 agents ; 500 appels par jour gérés"),
        ("**83,2 M€.** de dépenses", "83,2 M€. de dépenses"),
        ("1. Premier point.\n2. Second point.", "Premier point. Second point."),
        ("## Titre\nLe texte.", "Titre Le texte."),
    ],
)
def test_display_text(raw: str, shown: str) -> None:
    assert display_text(raw) == shown


def test_display_keeps_numbers_that_are_not_list_markers() -> None:
    assert display_text("2 300 agents travaillent au Département.") == "2 300 agents travaillent au Département."


def test_a_minus_sign_is_not_a_list_marker() -> None:
    assert display_text("-5 % de demandes en 2024") == "-5 % de demandes en 2024"
    assert display_text("–12 % de fréquentation") == "–12 % de fréquentation"
    assert display_text("- 12 agents recrutés") == "12 agents recrutés"  # a dash and a space: a list item
