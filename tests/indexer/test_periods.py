"""The years a document reports on."""

from indexer.periods import years_reported


def test_own_year_and_earlier_years_with_figures():
    text = (
        "En 2023, 1 200 dossiers ont été traités. En 2024, le nombre est passé à 1 450.\n\n"
        "La loi de 2002 encadre le dispositif, qui compte 12 agents.\n\n"
        "D'ici 2028, 500 logements seront rénovés.\n\n"
        "Le plan 2021 a été présenté aux élus."
    )
    # 2002 is history (more than five years before), 2028 a target, 2021 named without a figure.
    assert years_reported(text, 2024) == [2023, 2024]


def test_two_years_compared_count_as_figures():
    assert years_reported("Entre 2019 et 2020, la fréquentation a doublé.", 2020) == [2019, 2020]


def test_undated_document_keeps_every_year_with_figures():
    assert years_reported("En 2015, 30 classes. En 2031, 40 classes.", None) == [2015, 2031]
