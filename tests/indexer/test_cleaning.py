import pytest

from indexer.cleaning import (
    join_line_end_hyphens,
    normalize_text,
    remove_repeated_page_lines,
    unwrap_lines,
    words_of,
)


def test_french_typography_is_normalised():
    text = "L\u2019Ain\u00a0: 3\u202f001 habitants \u2014 c\u2019est l\u2019\u00e9t\u00e9"
    assert normalize_text(text) == "L'Ain : 3 001 habitants \u2014 c'est l'été"


def test_unicode_nfc():
    decomposed = "e\u0301ve\u0300nement"
    assert normalize_text(decomposed) == "évènement"


def test_hyphenation_at_line_end_is_joined():
    assert normalize_text("les conseillers dépar-\ntementaux votent") == "les conseillers départementaux votent"
    assert normalize_text("Saint-\nÉtienne") == "Saint-Étienne"  # capital after: a compound, its hyphen stays
    assert normalize_text("Budget -\nLes dépenses") == "Budget -\nLes dépenses"  # a dash, not a word cut
    for heading in ("I-\nINTRODUCTION", "A-\nLe contexte", "AMÉNAGE-\nMENT", "2024-\n2025"):
        assert normalize_text(heading) == heading


@pytest.mark.parametrize(
    ("cut", "whole"),
    [
        ("le sous-\npréfet", "le sous-préfet"),  # a common first part
        ("le vice-\nprésident", "le vice-président"),
        ("peut-\nêtre", "peut-être"),
        ("eux-\nmêmes", "eux-mêmes"),  # a common second part
        ("c'est-à-\ndire", "c'est-à-dire"),  # the left part is hyphenated already
        ("le porte-\nparole", "le porte-parole"),
        ("les ser-\nvices", "les services"),  # otherwise a word cut in two
        ("Est-\nce que", "Est-ce que"),
        ("vis-à-\nvis", "vis-à-vis"),
        ("les sapeurs-pom-\npiers", "les sapeurs-pompiers"),  # a cut inside a compound is a word's
        ("les vice-pré-\nsidents", "les vice-présidents"),
        ("le centre-\nville", "le centre-ville"),
        ("les sapeurs-\npompiers", "les sapeurs-pompiers"),
        ("au rez-de-\nchaussée", "au rez-de-chaussée"),  # a linking word inside a compound
        ("au rez-\nde-chaussée", "au rez-de-chaussée"),
        ("l'ex-\npertise", "l'expertise"),  # parts that also start or end plain words
        ("mi-\nnistre", "ministre"),
        ("main-\ntenant", "maintenant"),
        ("beau-\ncoup", "beaucoup"),
        ("va-\nleur", "valeur"),
    ],
)
def test_a_compound_cut_at_a_line_end_keeps_its_hyphen(cut: str, whole: str):
    assert normalize_text(cut) == whole


def test_the_document_says_how_a_word_cut_at_a_line_end_is_written():
    assert normalize_text("la zone nord-\nouest, puis le nord-ouest") == "la zone nord-ouest, puis le nord-ouest"
    assert normalize_text("le mi-\nlieu du milieu") == "le milieu du milieu"  # "mi" alone would keep the hyphen
    words = words_of("Le contrat de ville-centre est signé.")  # another page of the same document
    assert normalize_text("la ville-\ncentre", words) == "la ville-centre"
    assert normalize_text("la ville-\ncentre") == "la villecentre"


def test_dot_leaders_blank_runs_and_spaces():
    raw = "SOMMAIRE\nÉDITO.........3\n\n\n\n\nDIRECTION   DES FINANCES ..... 20\n-------\t---\n"
    assert normalize_text(raw) == "SOMMAIRE\nÉDITO 3\n\nDIRECTION DES FINANCES 20"


def test_markdown_emphasis_and_invisible_characters_removed():
    assert normalize_text("**Le RSA**\u00ad est versé\u200b") == "Le RSA est versé"


def test_repeated_headers_and_footers_are_removed():
    topics = ["Budget", "Routes", "Collèges", "Solidarité", "Culture"]
    pages = [
        f"Rapport 2020 - Département\n{t}\nLe texte sur {t.lower()}.\nFin de {t}.\nPage {i}"
        for i, t in enumerate(topics, start=1)
    ]
    cleaned = remove_repeated_page_lines(pages)
    assert cleaned[2] == "Collèges\nLe texte sur collèges.\nFin de Collèges."


def test_a_single_page_is_left_alone():
    assert remove_repeated_page_lines(["Titre\nA\nPage 1"]) == ["Titre\nA\nPage 1"]


def test_a_two_page_document_loses_its_running_header_and_page_numbers():
    """Issue 19: a two-page report kept its running header and `Page 1` / `Page 2` footers as text."""
    pages = [
        "Commune de Saint-Ours — Rapport 2023\nPatrimoine\nLe lavoir est restauré.\nLe four aussi.\nPage 1",
        "Commune de Saint-Ours — Rapport 2023\nVoirie\nLa route est refaite.\nPatrimoine\nPage 2",
    ]
    assert remove_repeated_page_lines(pages) == [
        "Patrimoine\nLe lavoir est restauré.\nLe four aussi.",
        "Voirie\nLa route est refaite.\nPatrimoine",  # at the top of one page, the foot of the other: kept
    ]


def test_two_pages_opening_with_two_numbered_headings_keep_them():
    pages = [
        "Délibération n° 2023-41\nLe conseil vote.\n- 1 -",
        "Délibération n° 2023-42\nLe conseil vote encore.\n- 2 -",
    ]
    assert remove_repeated_page_lines(pages) == [
        "Délibération n° 2023-41\nLe conseil vote.",
        "Délibération n° 2023-42\nLe conseil vote encore.",
    ]


@pytest.mark.parametrize("number", ["Page 1", "1", "p. 1", "- 1 -", "1 / 2", "Page 1 sur 2"])
def test_page_numbers_of_a_two_page_document_go(number: str):
    other = number.replace("1", "2", 1)
    pages = [f"Titre A\nTexte un.\n{number}", f"Titre B\nTexte deux.\n{other}"]
    assert remove_repeated_page_lines(pages) == ["Titre A\nTexte un.", "Titre B\nTexte deux."]


def test_a_two_page_footer_with_its_page_number_goes():
    pages = [
        "Rapport 2023\nLe budget est voté.\nmontbrison.fr — 1 —",
        "Les travaux avancent.\nLa voirie est refaite.\nmontbrison.fr — 2 —",
    ]
    assert remove_repeated_page_lines(pages) == [
        "Rapport 2023\nLe budget est voté.",
        "Les travaux avancent.\nLa voirie est refaite.",
    ]
    headings = ["Délibération n° 41\nLe conseil vote.\nFin", "Délibération n° 42\nLe maire signe.\nSuite"]
    assert remove_repeated_page_lines(headings) == headings  # two numbered headings, no running line


def test_three_pages_still_need_the_line_on_three():
    pages = ["Titre\nA\nB\nC", "Titre\nD\nE\nF", "Autre\nG\nH\nI"]
    assert remove_repeated_page_lines(pages) == pages


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("La commission permanente a voté une\nsubvention de 48 500 euros.", "une subvention"),
        ("la restauration du lavoir communal de\nSaint-Ours-les-Roches, classé.", "de Saint-Ours"),
        ("avec le soutien du Département et de l'\nÉtat.", "de l'État"),
        ("Le programme a porté sur la\n126e route.", "la 126e"),
        ("Le centre communal d'action sociale a instruit\n412 demandes d'aide.", "instruit 412"),
        ("Trois actions ont marqué l'année\n:", "l'année :"),
    ],
)
def test_a_line_break_inside_a_sentence_becomes_a_space(text: str, expected: str):
    assert "\n" not in unwrap_lines(text) and expected in unwrap_lines(text)


@pytest.mark.parametrize(
    "text",
    [
        "Patrimoine et cadre de vie\nLa commune a poursuivi la mise en valeur de son patrimoine.",  # a title
        "Le lavoir est restauré.\nLes travaux dureront six mois.",  # a sentence ends
        "Les aides sont versées aux\n- familles\n- associations de",  # list items
        "Canton | Montant de\nBugey | 350 000 €",  # table rows
        "Chiffres clés 2023\n12 480 foyers accompagnés",  # a figure under a title
        "Une phrase\n\ndu paragraphe suivant",  # a blank line is a paragraph break
        "Les chiffres clés\n2 500 repas servis",  # a short title above a figure
    ],
)
def test_other_line_breaks_stay(text: str):
    assert unwrap_lines(text).count("\n") == text.count("\n")


def test_ocr_paragraph_breaks_inside_a_sentence_go():
    """Tesseract sets the short last line of a paragraph apart by a blank line."""
    text = (
        "Le repas est facturé dans le cadre de la tarification sociale\n\nsoutenue par l'État.\n\nArticle 2 : Le Maire."
    )
    assert unwrap_lines(text, across_blank_lines=True) == (
        "Le repas est facturé dans le cadre de la tarification sociale soutenue par l'État.\n\nArticle 2 : Le Maire."
    )
    assert unwrap_lines(text) == text  # a printed page's blank line is a paragraph break


def test_line_end_hyphens_on_the_seed_corpus():
    """Every word of 5+ letters of the seed corpus cut at each of its French hyphenation points
    (pyphen), and every hyphenated compound cut at its hyphen, each without the cut token as evidence:
    the words come back whole, and most compounds keep their hyphen (scored 2026-12-07: 5 of 26,062
    word cuts wrong, 66 of 119 compounds kept)."""
    import re
    from collections import Counter
    from pathlib import Path

    import pyphen

    hyphenation = pyphen.Pyphen(lang="fr_FR", left=2, right=2)
    cuts = wrong = compounds = kept = 0
    for path in sorted(Path(__file__).resolve().parents[2].joinpath("corpus").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        counts = Counter(w.lower() for w in re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", text))
        known = words_of(text)

        def evidence(token: str, counts: Counter[str] = counts, known: frozenset[str] = known) -> frozenset[str]:
            return known - {token} if counts[token] == 1 else known  # a token written once is not its own evidence

        for word in re.findall(r"[a-zà-öø-ÿœ]{5,}", text):
            for at in hyphenation.positions(word):
                cuts += 1
                wrong += join_line_end_hyphens(f"{word[:at]}-\n{word[at:]}", evidence(word)) != word
        for match in re.finditer(r"(?<![^\W\d_-])([a-zà-öø-ÿœ]+)-([a-zà-öø-ÿœ]+)(?![^\W\d_-])", text):
            compounds += 1
            cut = f"{match.group(1)}-\n{match.group(2)}"
            kept += join_line_end_hyphens(cut, evidence(match.group(0).lower())) == match.group(0)
    assert cuts > 20_000 and compounds > 100
    assert wrong / cuts <= 0.001, f"{wrong} of {cuts} word cuts wrong"
    assert kept / compounds >= 0.5, f"{kept} of {compounds} compounds kept"
