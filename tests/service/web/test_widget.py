"""The widget on a collectivité's website: a module script from another origin, loaded and calling /v1/search
through the CORS allow-list."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from browser_support import XSS_IMG, XSS_SCRIPT, XSS_TITLE, api_json, open_context, watch
from js_modules import STATIC, WIDGET_ENTRY, module_graph

# Two tags with the same URL (the module runs once) and their own options: results in a chosen element, a
# number of passages, a second form (the first tag's form is the site's own search form).
OPTIONS_PAGE = """<!doctype html>
<html lang="fr">
<head><meta charset="utf-8"><title>Ville de Testville — options du widget</title><link rel="icon" href="data:,"></head>
<body>
  <form id="search-form" action="/recherche" method="get" role="search">
    <label for="site-q">Rechercher sur le site</label>
    <input id="site-q" name="q" type="search">
    <button type="submit">OK</button>
  </form>
  <p>Actualités de la ville…</p>
  <div id="ici"></div>
  <footer>
    <form id="footer-form" action="/recherche" method="get">
      <label for="footer-q">Rechercher en bas de page</label>
      <input id="footer-q" name="q">
      <button type="submit">Chercher</button>
    </form>
  </footer>
  <script type="module" src="{endpoint}/static/widget.js" data-form="#search-form" data-k="2"
          data-results="#ici"></script>
  <script type="module" src="{endpoint}/static/widget.js" data-form="#footer-form" data-k="1"
          data-styles="none"></script>
</body>
</html>
"""


def test_widget_turns_the_site_form_into_a_rapporteur_search(browser, base_url, widget_pages, artifacts):
    ctx = open_context(browser, None)
    try:
        page = ctx.new_page()
        seen = watch(page)
        page.goto(widget_pages["allowed"])
        assert page.evaluate("window.Rapporteur && typeof window.Rapporteur.attach") == "function"
        page.get_by_label("Rechercher sur le site").fill("routes départementales")
        page.get_by_role("button", name="OK").click()
        results = page.locator(".rapporteur-results")
        results.locator(".rapporteur-item").first.wait_for()
        assert page.url == widget_pages["allowed"], "the form is not submitted: results show in place"

        expected = api_json(base_url, "/v1/search?q=routes+d%C3%A9partementales&k=5")["results"]
        items = results.locator(".rapporteur-item")
        assert items.count() == len(expected)
        assert results.locator("mark").count() > 0, "query terms are highlighted"
        first_link = items.first.get_by_role("link")
        href = first_link.get_attribute("href")
        assert href.startswith(base_url + "/?")
        q = parse_qs(urlparse(href).query)
        c = expected[0]["citation"]
        assert (q["doc"][0], int(q["start"][0]), int(q["end"][0])) == (c["document_id"], c["start"], c["end"])
        assert "passages trouvés" in page.get_by_role("status").inner_text()
        # The results come right after the site's own form, before the rest of its page.
        assert page.evaluate(
            "document.querySelector('#search-form').nextElementSibling.classList.contains('rapporteur-widget')"
        )
        page.screenshot(path=str(artifacts / "14-widget.png"), full_page=True)

        # Corpus text is text, there too.
        page.get_by_label("Rechercher sur le site").fill("balise script formulaire de signalement")
        page.get_by_role("button", name="OK").click()
        page.wait_for_function(
            "() => document.querySelector('.rapporteur-results') &&"
            " document.querySelector('.rapporteur-results').textContent.includes('onerror')"
        )
        text = results.inner_text()
        assert XSS_SCRIPT in text and XSS_IMG in text and XSS_TITLE in text
        assert page.locator(".rapporteur-widget img, .rapporteur-widget script, .rapporteur-widget b").count() == 0
        page.wait_for_timeout(300)
        page.screenshot(path=str(artifacts / "15-widget-xss.png"), full_page=True)

        # The link opens the cited span on Rapporteur.
        results.locator(".rapporteur-item").first.get_by_role("link").click()
        page.locator("#cited-span").wait_for(state="visible")
        assert page.url.startswith(base_url + "/?")
        assert not seen.dialogs and not seen.errors and not seen.console_errors, seen
    finally:
        ctx.close()


def test_widget_module_loads_and_reads_the_options_of_its_script_tags(browser, base_url, sites):
    site = sites["allowed"]
    (site.root / "options.html").write_text(OPTIONS_PAGE.format(endpoint=base_url), encoding="utf-8")
    ctx = open_context(browser, None)
    try:
        page = ctx.new_page()
        seen = watch(page)
        responses = []
        page.on("response", lambda r: responses.append(r) if r.url.startswith(base_url) else None)
        page.goto(f"{site.origin}/options.html")
        page.wait_for_function("() => window.Rapporteur && typeof window.Rapporteur.attach === 'function'")
        loaded = {r.url.removeprefix(base_url + "/static/"): r.status for r in responses}
        expected = {m.name for m in module_graph(WIDGET_ENTRY).values()} | {"widget.css"}
        assert loaded == dict.fromkeys(expected, 200), "the widget, the modules it imports and its stylesheet"
        assert (STATIC / "js" / "text.js").resolve() in module_graph(WIDGET_ENTRY)
        assert page.evaluate("document.querySelectorAll('link[rel=stylesheet]').length") == 1, "loaded once"

        page.get_by_label("Rechercher sur le site").fill("routes départementales")
        page.get_by_role("button", name="OK").click()
        page.locator("#ici .rapporteur-item").first.wait_for()
        assert page.locator("#ici .rapporteur-item").count() == 2, "data-k of the first tag"
        assert page.evaluate("document.querySelector('#search-form').nextElementSibling.tagName") == "P"

        page.get_by_label("Rechercher en bas de page").fill("routes départementales")
        page.get_by_role("button", name="Chercher").click()
        footer = page.locator("#footer-form + .rapporteur-widget")
        footer.locator(".rapporteur-item").first.wait_for()
        assert footer.locator(".rapporteur-item").count() == 1, "data-k of the second tag"
        assert page.url == f"{site.origin}/options.html"
        assert not seen.dialogs and not seen.errors and not seen.console_errors, seen
    finally:
        ctx.close()


def test_widget_does_not_load_on_an_origin_outside_the_allow_list(browser, widget_pages, artifacts):
    """A module script is fetched with CORS: outside the allow-list the browser refuses the widget itself, so the
    site's own search form stays as it was."""
    ctx = open_context(browser, None)
    try:
        page = ctx.new_page()
        seen = watch(page)
        page.goto(widget_pages["refused"])
        assert page.evaluate("typeof window.Rapporteur") == "undefined"
        assert page.locator(".rapporteur-widget").count() == 0
        assert page.locator("#search-form").get_attribute("data-rapporteur") is None, "the form is not taken over"
        assert any("CORS" in message for message in seen.console_errors), seen.console_errors
        page.screenshot(path=str(artifacts / "16-widget-origine-refusee.png"))
        assert not seen.dialogs and not seen.errors
    finally:
        ctx.close()


def test_widget_empty_query_and_rate_limit_messages(browser, widget_pages):
    ctx = open_context(browser, None)
    try:
        page = ctx.new_page()
        page.goto(widget_pages["allowed"])
        page.get_by_role("button", name="OK").click()
        assert page.locator(".rapporteur-status").inner_text() == "Saisissez une question ou quelques mots."
        page.route(
            "**/v1/search?*",
            lambda route: route.fulfill(
                status=429,
                headers={
                    "Retry-After": "12",
                    "Access-Control-Allow-Origin": "*",
                    "Access-Control-Expose-Headers": "Retry-After",
                },
                body="{}",
            ),
        )
        page.get_by_label("Rechercher sur le site").fill("crèche")
        page.get_by_role("button", name="OK").click()
        page.get_by_text("réessayez dans 12 secondes").wait_for()
    finally:
        ctx.close()
