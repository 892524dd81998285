"""The reading order of a page from runs and rules alone (no PDF)."""

from __future__ import annotations

from indexer.pdf_layout import Rule, Run, find_gutters, join_blocks, layout_page, split_furniture

WIDTH, HEIGHT = 595.0, 842.0


def _column(x0: float, x1: float, top: float, lines: list[str], leading: float = 12.0) -> list[Run]:
    return [Run(x0, top + i * leading, x1, top + i * leading + 9, text) for i, text in enumerate(lines)]


def test_two_columns_are_read_one_after_the_other_and_a_sentence_goes_on_across():
    left = _column(50, 287, 100, [f"gauche ligne {i} du texte courant de la colonne" for i in range(30)])
    left[-1].text = "la phrase commence en bas de la colonne et se"
    right = _column(307, 545, 100, ["poursuit en haut de la suivante."] + [f"droite ligne {i}" for i in range(29)])
    text = layout_page(right + left, [], WIDTH, HEIGHT)  # stream order: right column first
    assert text.index("gauche ligne 0") < text.index("gauche ligne 28") < text.index("droite ligne 0")
    assert "colonne et se\npoursuit en haut de la suivante." in text
    assert find_gutters(left + right, WIDTH) == [(288.0, 307.0)]


def test_a_full_width_heading_cuts_the_page_into_bands():
    top_band = _column(50, 287, 100, ["haut gauche"] * 5) + _column(307, 545, 100, ["haut droite"] * 5)
    heading = [Run(50, 200, 545, 212, "Un titre sur toute la largeur de la page, au-dessus des deux colonnes")]
    bottom = _column(50, 287, 230, ["bas gauche"] * 5) + _column(307, 545, 230, ["bas droite"] * 5)
    text = layout_page(bottom + heading + top_band, [], WIDTH, HEIGHT)
    order = [text.index(s) for s in ("haut gauche", "haut droite", "Un titre", "bas gauche", "bas droite")]
    assert order == sorted(order)


def test_a_ruled_grid_becomes_one_line_per_row_out_of_the_body():
    xs, ys = (50.0, 150.0, 250.0, 350.0), (300.0, 315.0, 330.0)
    rules = [Rule(xs[0], y, xs[-1], y) for y in ys] + [Rule(x, ys[0], x, ys[-1]) for x in xs]
    cells = [Run(xs[c] + 2, ys[r] + 3, xs[c] + 60, ys[r] + 12, f"r{r}c{c}") for r in range(2) for c in range(3)]
    body = _column(50, 500, 100, ["Avant le tableau, une ligne de texte."]) + _column(
        50, 500, 400, ["Après le tableau, une autre ligne."]
    )
    text = layout_page(body + cells, rules, WIDTH, HEIGHT)
    assert text.split("\n\n") == ["Avant le tableau, une ligne de texte.", "r0c0 | r0c1 | r0c2\nr1c0 | r1c1 | r1c2",
                                  "Après le tableau, une autre ligne."]  # fmt: skip


def test_running_header_and_footer_stay_at_the_page_edges():
    header = [Run(50, 30, 400, 38, "Département de l'Ain — Rapport 2023")]
    footer = [Run(280, 810, 320, 818, "Page 4")]
    body = _column(50, 545, 100, [f"ligne {i}" for i in range(10)])
    head, _, foot = split_furniture(body + footer + header, HEIGHT)
    assert [r.text for r in head] == ["Département de l'Ain — Rapport 2023"]
    assert [r.text for r in foot] == ["Page 4"]
    lines = layout_page(footer + body + header, [], WIDTH, HEIGHT).split("\n")
    assert lines[0].startswith("Département") and lines[-1] == "Page 4"


def test_blocks_are_joined_as_paragraphs_unless_a_sentence_goes_on():
    assert join_blocks(["Fin de phrase.", "Nouvelle phrase."]) == "Fin de phrase.\n\nNouvelle phrase."
    assert join_blocks(["dans les entreprises du", "Bugey et de la Dombes."]) == (
        "dans les entreprises du\nBugey et de la Dombes."
    )
    assert join_blocks(["En", "2023, le Département"]) == "En\n2023, le Département"
    assert join_blocks(["", "Seul."]) == "Seul."


def test_a_page_with_thousands_of_runs_is_read_in_plain_order_quickly() -> None:
    import time

    from indexer.pdf_layout import Rule, Run, layout_page

    runs = [
        Run(
            float(10 + (i % 50) * 11),
            float(20 + (i // 50) * 12),
            float(18 + (i % 50) * 11),
            float(30 + (i // 50) * 12),
            "ab",
        )
        for i in range(8000)
    ]
    rules = [Rule(float(i), 5.0, float(i) + 0.5, 9000.0) for i in range(2000)]
    started = time.perf_counter()
    text = layout_page(runs, rules, 600.0, 2000.0)
    assert time.perf_counter() - started < 2.0
    assert text.count("ab") == 8000 and text.count("\n") == 159  # 160 lines of 50 runs


def test_lines_at_a_roomy_pitch_stay_in_their_paragraph_whatever_their_descenders():
    """Issue 19: 9 pt text at 13 pt pitch. A line without descenders (« communal de ») has a shorter
    glyph box, and the gap under it looked like a paragraph break; the pitch does not change."""
    texts = ["restauration du lavoir communal de", "Saint-Ours-les-Roches, classé en 1987.", None,
             "Les travaux dureront six mois et seront", "suivis par l'architecte des bâtiments."]  # fmt: skip
    runs = []
    for row, text in enumerate(texts):
        if text is None:  # a blank row
            continue
        baseline = 100 + 13 * row
        descends = any(c in text for c in "gjpqy,")
        runs.append(Run(307, baseline - 7, 520, baseline + (2 if descends else 0), text))
    assert layout_page(runs, [], WIDTH, HEIGHT) == (
        "restauration du lavoir communal de\nSaint-Ours-les-Roches, classé en 1987.\n\n"
        "Les travaux dureront six mois et seront\nsuivis par l'architecte des bâtiments."
    )


def test_a_list_of_single_lines_set_apart_keeps_them_apart():
    runs = [Run(50, 100 + 24 * i, 300, 109 + 24 * i, f"Point {i} du programme") for i in range(6)]
    assert layout_page(runs, [], WIDTH, HEIGHT).count("\n\n") == 5


def test_running_lines_are_never_joined_to_the_body():
    header = [Run(50, 30, 400, 38, "Commune de Saint-Ours — Rapport 2023")]
    footer = [Run(280, 810, 320, 818, "Page 1")]
    body = _column(50, 545, 100, ["la route des Granges et du chemin du Puy de", "Côme, pour un"])
    assert layout_page(header + body + footer, [], WIDTH, HEIGHT) == (
        "Commune de Saint-Ours — Rapport 2023\n\nla route des Granges et du chemin du Puy de\nCôme, pour un\n\nPage 1"
    )


def test_small_runs_between_the_lines_do_not_set_the_line_pitch():
    """Footnote calls or marks a few points under a line read as lines of their own; the distances
    to them are not the column's line pitch, and do not set its lines apart."""
    runs = []
    for row in range(4):
        top = 100 + 13 * row
        runs.append(Run(50, top, 280, top + 9, f"ligne {row} du même paragraphe"))
        if row < 3:
            runs.append(Run(282, top + 10, 286, top + 14, "*"))
    assert "\n\n" not in layout_page(runs, [], WIDTH, HEIGHT)
