"""Web pages read by `indexer.web_pages`: main content, headings, title and date."""

from __future__ import annotations

import document_fixtures

from indexer.web_pages import web_page


def test_semantic_page_metadata_and_headings() -> None:
    page = web_page(document_fixtures.documents()["web"].read_text(encoding="utf-8"))
    assert page.title == document_fixtures.WEB_TITLE and page.date == document_fixtures.WEB_DATE
    assert page.site == "Département de l'Ain" and page.article
    headings = [line for line in page.text.split("\n") if line.startswith("#")]
    assert headings == [
        f"# {document_fixtures.WEB_TITLE}",
        "## Des travaux de rénovation énergétique",
        "## Un chantier en site occupé",
    ]


def test_div_soup_page_finds_its_content_title_and_date() -> None:
    page = web_page(document_fixtures.documents()["web_divs"].read_text(encoding="utf-8"))
    assert page.title == document_fixtures.WEB_TITLE  # from <title>, without " | site"
    assert page.date == document_fixtures.WEB_DATE  # from <time datetime>
    assert not page.article and page.site == "Département de l'Ain"  # og:site_name stays
    for noise in (document_fixtures.COOKIE_TEXT[:30], "Mentions légales", "Vos démarches", "Partager"):
        assert noise not in page.text


def test_tables_lists_and_class_names_that_only_look_like_boilerplate() -> None:
    html = """<html><head><title>Budget - Ville de Testville</title></head><body>
    <nav class="menu"><a href="/">Accueil</a></nav>
    <main><h2>Budget</h2><ul><li>Écoles</li><li>Voirie</li></ul>
    <table><tr><th>Poste</th><th>Montant</th></tr><tr><td>Écoles</td><td>1 M€</td></tr></table>
    <div class="action-sociale"><p>L'aide sociale est maintenue.</p></div>
    <div class="cookie-consent"><p>Acceptez les cookies.</p></div></main></body></html>"""
    page = web_page(html)
    assert page.text == (
        "## Budget\n\n- Écoles\n\n- Voirie\n\nPoste | Montant\nÉcoles | 1 M€\n\nL'aide sociale est maintenue."
    )
    assert page.title == "Budget" and page.date is None


def test_the_title_leaves_out_the_parts_naming_the_site() -> None:
    html = """<html><head><title>Ville de Roanne - Actualités - Plan grand froid</title></head><body>
    <div id="contenu"><div class="titre_page">Plan grand froid : la Ville ouvre un accueil de nuit</div>
    <p>Du 1er décembre au 31 mars, un accueil de nuit est ouvert aux personnes sans abri, salle Fontalon.</p>
    </div></body></html>"""
    page = web_page(html)
    assert page.title == "Plan grand froid"
    assert page.text.startswith("# Plan grand froid : la Ville ouvre un accueil de nuit\n")  # a titling <div>
    yoast = (
        '<html><head><meta property="og:title" content="Collèges : 12 millions pour la rénovation - '
        'Département de la Loire"><meta property="og:site_name" content="Département de la Loire"></head>'
        "<body><main><p>Le Département engage 12 millions d'euros pour rénover ses collèges.</p></main></body></html>"
    )
    assert web_page(yoast).title == "Collèges : 12 millions pour la rénovation"
