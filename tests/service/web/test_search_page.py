"""The search page in a real chromium: answer and passages, citations, keyboard, filters, states, XSS, sizes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode, urlparse

import pytest
from browser_support import XSS_IMG, XSS_ORGANISATION, XSS_SCRIPT, XSS_TITLE, api_json, open_context, watch
from js_modules import PAGE_ENTRY, STATIC, module_graph

ANSWERED = "Combien de kilomètres de routes départementales ?"
UNANSWERED = "Qui a gagné la coupe du monde de football ?"
NO_CLEAR_ANSWER_TITLE = "Les rapports ne répondent pas clairement"


# -- helpers ---------------------------------------------------------------------------------------


def one_line(text: str) -> str:
    return " ".join(text.split())


def citation_line(c: dict) -> str:
    """What the page must show for a citation: "organisation — title (year) · section · p. N" (or "p. N–M")."""
    head = " — ".join(one_line(v) for v in (c.get("organisation"), c.get("title")) if v)
    if c.get("year") is not None:
        head += f" ({c['year']})"
    parts = [head]
    if c.get("section") and one_line(c["section"]):
        parts.append(one_line(c["section"]))
    if c.get("page") is not None:
        last = c["page"] if c.get("page_end") is None else c["page_end"]
        parts.append(f"p. {c['page']}" + (f"–{last}" if last > c["page"] else ""))
    return " · ".join(parts)


def display(text: str) -> str:
    """The page shows single line breaks as spaces (same length, offsets unchanged)."""
    return re.sub(r"(?<!\n)\n(?!\n)", " ", text)


def search(page, query: str) -> None:
    box = page.get_by_role("combobox", name="Votre question ou quelques mots")
    box.fill(query)
    box.press("Enter")
    wait_results(page)


def wait_results(page) -> None:
    page.wait_for_selector("#resultats:not([hidden]):not([aria-busy]) #answer .result-item")


def shot(page, artifacts: Path, name: str, full_page: bool = False) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=full_page)


def url_params(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def shown_citations(page) -> list[tuple[str, int, int]]:
    """(document, start, end) of each passage's document link, in order."""
    hrefs = page.locator("#passages .open-citation").evaluate_all("links => links.map(a => a.href)")
    out = []
    for href in hrefs:
        q = parse_qs(urlparse(href).query)
        out.append((q["doc"][0], int(q["start"][0]), int(q["end"][0])))
    return out


def in_viewport(locator) -> bool:
    return locator.evaluate(
        "el => { const r = el.getBoundingClientRect();"
        " return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight + 1; }"
    )


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def assert_focus_visible(page) -> None:
    style = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
    )
    assert style[0] != "none" and style[1] >= 2, f"no visible focus indicator: {style}"


def ask(base_url: str, question: str, **filters) -> dict:
    return api_json(base_url, "/v1/ask", {"question": question, "k": 10, **filters})


# -- the page itself -------------------------------------------------------------------------------


def test_home_page_is_french_labelled_and_loads_facets(page, artifacts):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "fr"
    box = page.get_by_role("combobox", name="Votre question ou quelques mots")
    assert box.is_visible()
    assert box.evaluate("el => el === document.activeElement"), "the box has the focus on an empty page"
    assert box.get_attribute("aria-controls") == "suggestions"
    assert box.get_attribute("aria-expanded") == "false"
    for label in ("Organisation", "Année", "Type de document"):
        assert page.get_by_label(label, exact=True).is_visible()
    assert page.get_by_role("button", name="Rechercher").is_visible()
    assert page.locator("[role=status][aria-live=polite]").count() >= 1
    page.wait_for_selector("#f-organisation option:nth-child(2)", state="attached")
    shot(page, artifacts, "01-accueil")


def test_page_loads_its_es_modules_without_console_errors(page, base_url):
    responses = []
    page.on("response", lambda r: responses.append(r) if "/static/" in r.url else None)
    page.goto("/")
    page.wait_for_selector("#f-organisation option:nth-child(2)", state="attached")  # the facets are in
    assert page.locator("html.js").count() == 1, "main.js ran to its end"
    modules = {r.url.removeprefix(base_url + "/static/"): r for r in responses if r.url.endswith(".js")}
    expected = {m.name for m in module_graph(PAGE_ENTRY).values()}
    assert set(modules) == expected, "the page loads exactly the modules main.js imports"
    for name, response in modules.items():
        assert response.status == 200, name
        assert response.header_value("content-type").split(";")[0] in {"text/javascript", "application/javascript"}
        assert response.body() == (STATIC / name).read_bytes()
    assert not page.watched.console_errors, page.watched.console_errors


def test_page_works_under_a_root_path(page, base_url):
    """Behind a proxy that mounts the service at /sous-chemin/: every URL of the page and of its modules is
    relative, so the page, its modules and its API calls all stay under the prefix."""
    prefix = "/sous-chemin"
    seen = []

    def strip_prefix(route) -> None:
        seen.append(urlparse(route.request.url).path)
        route.fulfill(response=route.fetch(url=route.request.url.replace(base_url + prefix, base_url, 1)))

    page.route(f"{base_url}{prefix}/**", strip_prefix)
    page.on("request", lambda r: seen.append(urlparse(r.url).path) if r.url.startswith(base_url) else None)
    page.goto(f"{prefix}/?" + urlencode({"q": ANSWERED}))
    wait_results(page)
    page.locator("#answer").get_by_role("link", name="Voir la source").click()
    page.locator("#cited-span").wait_for(state="visible")
    assert urlparse(page.url).path == prefix + "/"
    assert "/sous-chemin/static/js/main.js" in seen and "/sous-chemin/static/js/text.js" in seen
    assert "/sous-chemin/v1/ask" in seen and any(p.startswith("/sous-chemin/v1/documents/") for p in seen)
    assert all(p.startswith(prefix + "/") for p in seen), sorted(set(seen))
    assert not page.watched.console_errors, page.watched.console_errors


def test_question_shows_answer_first_then_highlighted_passages(page, base_url, artifacts):
    page.goto("/")
    search(page, ANSWERED)
    expected = ask(base_url, ANSWERED)
    assert expected["answer"] is not None, "the fixture question must be answered by the corpus"

    card = page.locator("#answer .answer-card")
    assert one_line(card.locator(".answer-text").inner_text()) == one_line(expected["answer"]["text"])
    assert one_line(card.locator(".citation").inner_text()) == "Source : " + citation_line(
        expected["answer"]["citation"]
    )
    assert "2 900 kilomètres" in card.inner_text()
    # The answer comes before the passages.
    order = page.evaluate(
        "document.querySelector('#answer').compareDocumentPosition(document.querySelector('#passages'))"
    )
    assert order & 4, "the answer must precede the passages"

    passages = page.locator("#passages .passage-card")
    assert passages.count() == len(expected["passages"])
    assert shown_citations(page) == [
        (p["citation"]["document_id"], p["citation"]["start"], p["citation"]["end"]) for p in expected["passages"]
    ]
    for i, p in enumerate(expected["passages"][:3]):
        item = passages.nth(i)
        assert one_line(item.locator(".citation").inner_text()).endswith(citation_line(p["citation"]))
        marks = item.locator(".passage-text mark").all_inner_texts()
        text = display(p["text"])
        assert [one_line(m) for m in marks] == [one_line(text[s:e]) for s, e in p["highlights"]]
    assert passages.first.locator("mark").count() > 0, "query terms are highlighted"

    params = url_params(page)
    assert params == {"q": ANSWERED}
    assert "Réponse trouvée" in page.locator("#status").inner_text()
    assert page.title().startswith(ANSWERED)
    shot(page, artifacts, "03-reponse", full_page=True)


def test_a_citation_shows_the_pages_its_passage_runs_over(page, base_url):
    """Issue 19: « p. 1–2 » for a passage over two pages, on the page and in the widget (both use
    `citationLine` of js/text.js) and in the document view (`pagesLabel`)."""
    page.goto("/")
    lines = page.evaluate(
        """async (url) => {
            const { citationLine, pagesLabel } = await import(url);
            const c = { organisation: "Commune", title: "Rapport", year: 2023, section: "Voirie" };
            return [citationLine({ ...c, page: 1, page_end: 2 }), citationLine({ ...c, page: 3, page_end: 3 }),
                    citationLine({ ...c, page: 3 }), citationLine({ ...c, page: null, page_end: null }),
                    pagesLabel(4, 6)];
        }""",
        base_url + "/static/js/text.js",
    )
    head = "Commune — Rapport (2023) · Voirie"
    assert lines == [f"{head} · p. 1–2", f"{head} · p. 3", f"{head} · p. 3", head, "p. 4–6"]
    assert lines[:4] == [
        citation_line({"organisation": "Commune", "title": "Rapport", "year": 2023, "section": "Voirie", **pages})
        for pages in ({"page": 1, "page_end": 2}, {"page": 3, "page_end": 3}, {"page": 3}, {"page": None})
    ]


def test_loading_state_is_shown_while_the_service_works(page, artifacts):
    held = []
    page.route("**/v1/ask", lambda route: held.append(route))
    page.goto("/?" + urlencode({"q": ANSWERED}))
    page.wait_for_function("() => document.querySelector('#status').textContent.includes('Recherche en cours')")
    assert page.locator("#resultats").get_attribute("aria-busy") == "true"
    assert page.get_by_role("heading", name=re.compile("Résultats pour")).is_visible()
    shot(page, artifacts, "02-chargement")
    assert len(held) == 1
    held[0].continue_()
    wait_results(page)
    assert page.locator("#answer .answer-card").is_visible()


def test_suggestions_combobox_from_the_api(page, base_url, artifacts):
    page.goto("/")
    box = page.locator("#q")
    box.press_sequentially("budg", delay=40)
    listbox = page.get_by_role("listbox", name="Suggestions")
    listbox.wait_for(state="visible")
    expected = [s["text"] for s in api_json(base_url, "/v1/suggest?q=budg")["suggestions"]]
    options = listbox.get_by_role("option")
    assert [one_line(t) for t in options.all_inner_texts()] == [one_line(t) for t in expected][:8]
    assert box.get_attribute("aria-expanded") == "true"
    box.press("ArrowDown")
    first = options.first
    assert first.get_attribute("aria-selected") == "true"
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    shot(page, artifacts, "02-suggestions")
    chosen = one_line(first.inner_text())
    box.press("Enter")
    wait_results(page)
    assert box.input_value() == chosen
    assert url_params(page)["q"] == chosen
    assert listbox.is_hidden()
    assert box.get_attribute("aria-expanded") == "false"


def test_shared_url_reproduces_the_search_with_its_filters(page, base_url):
    query = "kilomètres de canalisations du réseau"
    filters = {"organisation": XSS_ORGANISATION, "year": "2024", "kind": "rapport annuel"}
    page.goto("/?" + urlencode({"q": query, **filters}))
    wait_results(page)
    assert page.locator("#q").input_value() == query
    assert page.locator("#f-organisation").input_value() == XSS_ORGANISATION
    assert page.locator("#f-year").input_value() == "2024"
    assert page.locator("#f-kind").input_value() == "rapport annuel"
    expected = ask(base_url, query, organisation=XSS_ORGANISATION, year=2024, kind="rapport annuel")
    assert shown_citations(page) == [
        (p["citation"]["document_id"], p["citation"]["start"], p["citation"]["end"]) for p in expected["passages"]
    ]
    assert {d for d, _, _ in shown_citations(page)} == {"syndicat-eaux-2024"}
    # Reloading the shared address gives the same page.
    before = shown_citations(page)
    page.reload()
    wait_results(page)
    assert shown_citations(page) == before


def test_open_citation_shows_the_span_highlighted_and_scrolled_into_view(page, base_url, artifacts):
    page.goto("/")
    search(page, ANSWERED)
    answer = ask(base_url, ANSWERED)["answer"]
    page.get_by_role("link", name="Voir la source").click()

    span = page.locator("#cited-span")
    span.wait_for(state="visible")
    params = url_params(page)
    assert params["doc"] == answer["citation"]["document_id"]
    assert (int(params["start"]), int(params["end"])) == (answer["citation"]["start"], answer["citation"]["end"])
    assert params["q"] == ANSWERED, "the document address keeps the search, for the way back"
    assert one_line(span.inner_text()).endswith(one_line(answer["text"]) + " Fin de l'extrait cité.") or (
        one_line(answer["text"]) in one_line(span.inner_text())
    )
    assert page.locator("#doc-title").inner_text() == answer["citation"]["title"]
    body = one_line(page.locator("#doc-body").inner_text())
    assert len(body) > len(one_line(answer["text"])) + 50, "the span is shown with its context"
    assert in_viewport(span)
    assert span.evaluate("el => el === document.activeElement")
    assert span.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(255, 205, 56)"
    shot(page, artifacts, "04-document-extrait")

    # The whole document, scrolled to the cited span.
    page.get_by_role("link", name="Afficher le document entier").click()
    page.wait_for_function("() => new URLSearchParams(location.search).get('full') === '1'")
    span.wait_for(state="visible")
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'cited-span'")
    assert page.evaluate("window.scrollY") > 200, "a long document is scrolled to the span"
    assert in_viewport(span)
    assert "COLLÈGES DU CANTON" in page.locator("#doc-body").inner_text()
    shot(page, artifacts, "05-document-entier")

    # Back to the results, focus on the answer that was opened.
    page.get_by_role("link", name="← Retour aux résultats").click()
    wait_results(page)
    page.wait_for_function("() => !document.querySelector('#resultats').hidden")
    assert url_params(page) == {"q": ANSWERED}
    assert page.evaluate("document.activeElement.classList.contains('answer-card')")


def test_a_shared_document_address_opens_directly(page, base_url):
    answer = ask(base_url, ANSWERED)["answer"]["citation"]
    query = urlencode({"doc": answer["document_id"], "start": answer["start"], "end": answer["end"]})
    page.goto("/?" + query)
    page.locator("#cited-span").wait_for(state="visible")
    assert in_viewport(page.locator("#cited-span"))
    assert page.locator("#back-link").inner_text() == "← Nouvelle recherche"
    page.keyboard.press("Escape")
    page.locator("#intro").wait_for(state="visible")


def test_keyboard_only_navigation_and_copy(page, base_url, artifacts):
    page.goto("/")
    page.locator("h1").click()  # focus out of the box
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    assert page.locator("#q").input_value() == "", "'/' focuses the box without typing itself"
    page.keyboard.type(ANSWERED)
    page.keyboard.press("Enter")
    wait_results(page)
    expected = ask(base_url, ANSWERED)

    items = page.locator("#resultats .result-item")
    focused = "() => Array.from(document.querySelectorAll('#resultats .result-item')).indexOf(document.activeElement)"
    page.keyboard.press("ArrowDown")  # from the box to the answer
    assert page.evaluate(focused) == 0
    assert_focus_visible(page)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.evaluate(focused) == 2
    page.keyboard.press("ArrowUp")
    assert page.evaluate(focused) == 1
    page.keyboard.press("ArrowDown")
    assert page.evaluate(focused) == 2
    assert in_viewport(items.nth(2))
    shot(page, artifacts, "06-clavier-passage-selectionne")

    # Enter opens the citation of the selected passage (the second one).
    second = expected["passages"][1]["citation"]
    page.keyboard.press("Enter")
    page.locator("#cited-span").wait_for(state="visible")
    params = url_params(page)
    assert (params["doc"], int(params["start"]), int(params["end"])) == (
        second["document_id"],
        second["start"],
        second["end"],
    )
    # Escape comes back to the results, on the same passage.
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.querySelector('#resultats').hidden")
    page.wait_for_function(f"() => ({focused})() === 2")

    # `c` copies "answer — citation" (focus on the answer), the button does the same.
    page.keyboard.press("Home")
    assert page.evaluate(focused) == 0
    page.keyboard.press("c")
    wanted = one_line(expected["answer"]["text"]) + " — " + citation_line(expected["answer"]["citation"])
    page.wait_for_function("() => document.querySelector('#status').textContent.includes('Copié')")
    assert page.evaluate("navigator.clipboard.readText()") == wanted
    page.evaluate("navigator.clipboard.writeText('')")
    page.get_by_role("button", name="Copier la réponse et la citation").click()
    page.get_by_role("button", name="Copié !").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == wanted
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"


NO_ANSWER_CASES = [
    ("Allô, bonjour madame, vous m'entendez ?", "no_question", "Pas de question à rechercher"),
    ("combien de places en crèche à Ajaccio ?", "territory_not_covered", "Territoire non couvert par les rapports"),
    ("combien de places en crèche en 2015 ?", "period_not_covered", "Période non couverte par les rapports"),
    (UNANSWERED, "no_clear_answer", NO_CLEAR_ANSWER_TITLE),
]


@pytest.mark.parametrize(("question", "reason", "title"), NO_ANSWER_CASES, ids=[c[1] for c in NO_ANSWER_CASES])
def test_each_no_answer_reason_is_shown_in_french(page, base_url, artifacts, question, reason, title):
    """`no_answer` from /v1/ask: its title and message in the answer box; the closest passages below,
    each with the sentence that comes closest to answering set apart (none for an input that asks nothing)."""
    expected = ask(base_url, question)
    assert expected["answer"] is None and expected["no_answer"]["reason"] == reason
    page.goto("/")
    search(page, question)
    state = page.locator("#answer .no-answer")
    assert state.get_attribute("data-reason") == reason
    assert state.get_by_role("heading", name=title).is_visible()
    assert state.locator(".no-answer-message").inner_text() == expected["no_answer"]["message"]
    assert page.locator("#answer .answer-card").count() == 0
    assert title in page.locator("#status").inner_text()
    passages = expected["passages"]
    assert page.locator("#passages .passage-card").count() == len(passages)
    if reason == "no_question":
        assert not passages and page.locator("#passages-heading").is_hidden()
    else:
        assert page.locator("#passages-heading").inner_text() == "Passages les plus proches"
        best = page.locator("#passages .passage-card .best-sentence")
        assert best.count() == sum(p["best_sentence"] is not None for p in passages) > 0
        first = passages[0]
        start, end = first["best_sentence"]
        assert one_line(best.first.inner_text()) == one_line(first["text"][start:end])
    page.locator("h1").click()
    page.keyboard.press("c")
    assert "Rien à copier" in page.locator("#status").inner_text()
    shot(page, artifacts, f"07-sans-reponse-{reason}", full_page=True)


def test_an_answer_shows_no_best_sentence_marks(page, base_url):
    """With an answer line, passages show only the query words marked."""
    page.goto("/")
    search(page, ANSWERED)
    assert page.locator("#answer .answer-card").count() == 1
    assert page.locator("#passages .best-sentence").count() == 0


def test_filters_with_counts_refine_without_losing_the_query(page, base_url, artifacts):
    facets = api_json(base_url, "/v1/documents")["facets"]
    page.goto("/")
    search(page, "kilomètres")
    organisation = page.locator("#f-organisation")
    labels = organisation.locator("option").all_inner_texts()
    for f in facets["organisation"]:
        assert f"{f['value']} ({f['count']})" in labels
    assert labels[0] == f"Toutes ({sum(f['count'] for f in facets['organisation'])})"
    assert {d for d, _, _ in shown_citations(page)} >= {"departement-test-2022", "syndicat-eaux-2024"}

    organisation.select_option("Département du Test")
    wait_results(page)
    assert url_params(page) == {"q": "kilomètres", "organisation": "Département du Test"}
    assert page.locator("#q").input_value() == "kilomètres"
    citations = page.locator("#passages .passage-citation").all_inner_texts()
    assert citations and all(c.startswith("Département du Test —") for c in citations)
    # Counts of the other filters follow the chosen organisation.
    years = page.locator("#f-year option").all_inner_texts()
    assert years[0] == "Toutes (1)"
    assert "2022 (1)" in years and "2024 (0)" in years
    assert page.locator("#f-year option", has_text="2024 (0)").is_disabled(), "no filter leads to nothing"
    assert "organisation : Département du Test" in page.locator("#active-filters").inner_text()
    assert page.locator("#filters-count").inner_text() == "(1 filtre actif)"
    shot(page, artifacts, "08-filtres", full_page=True)

    page.locator("#f-year").select_option("2022")
    wait_results(page)
    assert url_params(page) == {"q": "kilomètres", "organisation": "Département du Test", "year": "2022"}

    # Back undoes the last filter; "Effacer les filtres" removes them all and keeps the query.
    page.go_back()
    page.wait_for_function("() => new URLSearchParams(location.search).get('year') === null")
    wait_results(page)
    assert page.locator("#f-year").input_value() == ""
    page.get_by_role("button", name="Effacer les filtres").click()
    page.wait_for_function("() => new URLSearchParams(location.search).get('organisation') === null")
    wait_results(page)
    assert url_params(page) == {"q": "kilomètres"}
    assert page.get_by_role("button", name="Effacer les filtres").is_hidden()


def test_rate_limited_then_recovers(page, artifacts):
    calls = {"n": 0}

    def limited(route):
        calls["n"] += 1
        if calls["n"] == 1:
            route.fulfill(
                status=429,
                headers={"Retry-After": "2", "Content-Type": "application/json"},
                body=json.dumps({"detail": "Trop de requêtes : réessayez dans 2 secondes."}),
            )
        else:
            route.continue_()

    page.route("**/v1/ask", limited)
    page.goto("/?" + urlencode({"q": ANSWERED}))
    alert = page.get_by_role("alert")
    alert.get_by_text("Trop de demandes en peu de temps.").wait_for()
    assert "patienter 2 secondes" in alert.inner_text()
    retry = alert.get_by_role("button", name=re.compile("Réessayer"))
    assert retry.is_disabled()
    assert page.locator("h1").is_visible() and page.locator("#q").input_value() == ANSWERED
    shot(page, artifacts, "09-erreur-429")
    page.wait_for_function("() => !document.querySelector('.error-retry').disabled", timeout=6000)
    retry.click()
    wait_results(page)
    assert page.locator("#error").inner_text() == ""


def test_service_unreachable_is_explained_not_blank(page, artifacts):
    page.route("**/v1/**", lambda route: route.abort("connectionrefused"))
    page.goto("/?" + urlencode({"q": ANSWERED}))
    alert = page.get_by_role("alert")
    alert.get_by_text("Le service Rapporteur est injoignable.").wait_for()
    assert page.locator("h1").is_visible()
    assert page.get_by_role("combobox", name="Votre question ou quelques mots").is_visible()
    assert "n'a pas abouti" in page.locator("#status").inner_text()
    shot(page, artifacts, "10-service-injoignable")
    page.unroute("**/v1/**")
    alert.get_by_role("button", name="Réessayer").click()
    wait_results(page)
    assert page.locator("#answer .answer-card").is_visible()


def test_unknown_document_is_a_french_error(page):
    page.goto("/?doc=" + quote("pas-un-document") + "&start=0&end=10")
    page.get_by_role("alert").get_by_text("Ce document est introuvable.").wait_for()
    assert page.locator("#doc-title").inner_text() == "Document indisponible"


def test_xss_document_shows_the_characters_and_runs_nothing(page, artifacts):
    page.goto("/")
    search(page, "balise script formulaire de signalement")
    first = page.locator("#passages .passage-card").first
    text = first.inner_text()
    assert XSS_SCRIPT in text and XSS_IMG in text
    assert one_line(XSS_TITLE) in first.locator(".citation").inner_text()
    assert XSS_ORGANISATION in first.locator(".citation").inner_text()
    assert XSS_ORGANISATION + " (1)" in page.locator("#f-organisation option").all_inner_texts()
    for tag in ("img", "b", "script:not([src])"):
        assert page.locator(f"main {tag}").count() == 0, f"a <{tag}> element came from the corpus"
    shot(page, artifacts, "11-xss-resultats")

    first.get_by_role("link", name="Voir le passage dans le document").click()
    page.locator("#cited-span").wait_for(state="visible")
    assert page.locator("#doc-title").inner_text() == XSS_TITLE
    body = page.locator("#doc-body").inner_text()
    assert XSS_SCRIPT in body and XSS_IMG in body
    assert page.locator("main img, main b, main script").count() == 0
    page.wait_for_timeout(500)  # an injected onerror would have fired by now
    assert page.watched.dialogs == []
    assert page.evaluate("document.scripts.length") == 1, "only the page's module script runs"
    shot(page, artifacts, "12-xss-document")


def test_page_has_aa_contrast_and_labels(page):
    def low_contrast(state: str) -> None:
        low = page.evaluate(CONTRAST_SCRIPT)
        assert not low, f"{state}: text below WCAG AA contrast: {low}"

    page.goto("/")
    low_contrast("home")
    page.locator("#q").press_sequentially("budg", delay=30)
    page.get_by_role("listbox").wait_for()
    page.locator("#q").press("ArrowDown")
    low_contrast("suggestions")
    search(page, ANSWERED)
    low_contrast("answer and passages")
    page.route("**/v1/ask", lambda route: route.abort("connectionrefused"))
    page.locator("#q").fill(UNANSWERED)
    page.locator("#q").press("Enter")
    page.get_by_role("alert").get_by_text("injoignable").wait_for()
    low_contrast("error")
    page.unroute("**/v1/ask")

    def without_answer(route):
        response = route.fetch()
        route.fulfill(response=response, json={**response.json(), "answer": None})

    page.route("**/v1/ask", without_answer)
    page.get_by_role("alert").get_by_role("button", name="Réessayer").click()
    page.locator("#answer .no-answer").wait_for()
    low_contrast("no answer")
    page.locator("#passages .open-citation").first.click()
    page.locator("#cited-span").wait_for()
    low_contrast("document")

    page.goto("/?" + urlencode({"q": ANSWERED}))
    wait_results(page)
    unlabelled = page.evaluate(
        "Array.from(document.querySelectorAll('input, select, button, textarea'))"
        ".filter(el => el.offsetParent !== null)"
        ".filter(el => !((el.labels && el.labels.length) || el.getAttribute('aria-label')"
        " || el.getAttribute('aria-labelledby') || el.textContent.trim()))"
        ".map(el => el.outerHTML.slice(0, 80))"
    )
    assert not unlabelled, f"controls without an accessible name: {unlabelled}"
    # Tab reaches the controls with a visible focus indicator.
    page.locator("#q").focus()
    for _ in range(6):
        page.keyboard.press("Tab")
        assert_focus_visible(page)


@pytest.mark.parametrize(
    ("name", "viewport", "scale"),
    [("telephone", {"width": 375, "height": 740}, 2), ("zoom-200", {"width": 640, "height": 450}, 2)],
)
def test_narrow_screens_phone_and_200_percent_zoom(browser, base_url, artifacts, name, viewport, scale):
    mobile = name == "telephone"
    ctx = open_context(
        browser, base_url, viewport=viewport, device_scale_factor=scale, is_mobile=mobile, has_touch=mobile
    )
    try:
        page = ctx.new_page()
        seen = watch(page)
        page.goto("/")
        assert no_horizontal_scroll(page)
        shot(page, artifacts, f"13-{name}-accueil", full_page=True)
        search(page, ANSWERED)
        assert no_horizontal_scroll(page), "nothing wider than the screen"
        box = page.locator("#q").bounding_box()
        assert box["width"] >= viewport["width"] * 0.6
        answer = page.locator("#answer .answer-card")
        assert answer.is_visible()
        assert answer.bounding_box()["width"] <= viewport["width"]
        button = page.get_by_role("button", name="Rechercher").bounding_box()
        assert button["height"] >= 44, "touch targets of at least 44 px"
        shot(page, artifacts, f"13-{name}-reponse", full_page=True)
        page.get_by_role("link", name="Voir la source").click()
        page.locator("#cited-span").wait_for(state="visible")
        assert no_horizontal_scroll(page)
        assert (
            in_viewport(page.locator("#cited-span"))
            or page.locator("#cited-span").bounding_box()["height"] > viewport["height"] / 2
        )
        shot(page, artifacts, f"13-{name}-document")
        # The filters start folded on narrow screens; one tap opens them.
        panel = page.locator("#filters-panel")
        assert panel.evaluate("el => !el.open")
        assert page.get_by_label("Organisation", exact=True).is_hidden()
        page.get_by_text("Affiner les résultats").click()
        assert page.get_by_label("Organisation", exact=True).is_visible()
        assert no_horizontal_scroll(page)
        page.locator("#filters-panel").scroll_into_view_if_needed()
        shot(page, artifacts, f"13-{name}-filtres")
        assert not seen.dialogs and not seen.errors
    finally:
        ctx.close()


CONTRAST_SCRIPT = """
(() => {
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a),
    g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a),
    a: 1,
  });
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    let out = { r: 255, g: 255, b: 255, a: 1 };
    for (const layer of layers.reverse()) out = over(layer, out);
    return out;
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const low = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!walker.currentNode.textContent.trim() || !el || seen.has(el)) continue;
    seen.add(el);
    if (!el.checkVisibility() || el.closest('.visually-hidden, option')) continue;
    const style = getComputedStyle(el);
    const fg = parse(style.color);
    if (!fg) continue;
    const bg = background(el);
    const r = ratio(over(fg, bg), bg);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (r < (large ? 3 : 4.5)) {
      low.push(`${el.tagName}.${el.className} "${el.textContent.trim().slice(0, 30)}" ${r.toFixed(2)}`);
    }
  }
  return low;
})()
"""
