"""The widget on a collectivité's website: another origin, calling /v1/search through the CORS allow-list."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from browser_support import XSS_IMG, XSS_SCRIPT, XSS_TITLE, api_json, open_context, watch


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
        assert not seen.dialogs and not seen.errors
    finally:
        ctx.close()


def test_widget_on_an_origin_outside_the_allow_list_is_refused_in_french(browser, widget_pages, artifacts):
    ctx = open_context(browser, None)
    try:
        page = ctx.new_page()
        seen = watch(page)
        page.goto(widget_pages["refused"])
        page.get_by_label("Rechercher sur le site").fill("routes départementales")
        page.get_by_role("button", name="OK").click()
        status = page.locator(".rapporteur-status-error")
        status.wait_for()
        assert "injoignable" in status.inner_text()
        assert page.locator(".rapporteur-item").count() == 0
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
