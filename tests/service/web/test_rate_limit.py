"""A real 429 from a rate-limited service: the page and the widget (across origins) tell how long to wait."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from browser_support import HOST_PAGE, Service, StaticSite, open_context, start_service, watch


@pytest.fixture
def limited_service(web_index: Path, sites: dict[str, StaticSite], tmp_path: Path):
    """A second service that limits loopback clients: 3 tokens at once, then one every 30 s (an API call
    takes one, the page and its files a tenth each)."""
    env = {
        "RAPPORTEUR_CORS_ORIGINS": sites["allowed"].origin,
        "RAPPORTEUR_LOG_LEVEL": "WARNING",
        "RAPPORTEUR_RATE_LIMIT_LOOPBACK": "true",
        "RAPPORTEUR_RATE_LIMIT_BURST": "3",
        "RAPPORTEUR_RATE_LIMIT_PER_MINUTE": "2",
    }
    service = start_service(web_index, tmp_path / "limited.log", env)
    yield service
    service.stop()


def test_page_shows_the_wait_of_a_real_429(browser, limited_service: Service, artifacts):
    ctx = open_context(browser, limited_service.url)
    try:
        page = ctx.new_page()
        seen = watch(page)
        # Two API calls (the facets and the question) and the page's files (a tenth of a token each).
        page.goto("/?" + urlencode({"q": "routes départementales"}))
        page.wait_for_selector("#resultats:not([aria-busy]) #answer .result-item")
        page.get_by_role("button", name="Rechercher").click()
        alert = page.get_by_role("alert")
        alert.get_by_text("Trop de demandes en peu de temps.").wait_for()
        wait = int(re.search(r"patienter (\d+) secondes", alert.inner_text()).group(1))
        assert 1 <= wait <= 31, "the wait comes from the service's Retry-After (a token every 30 s)"
        assert alert.get_by_role("button", name=re.compile(r"Réessayer \(\d+ s\)")).is_disabled()
        assert page.locator("h1").is_visible()
        page.screenshot(path=str(artifacts / "09-erreur-429-reelle.png"))
        assert not seen.errors and not seen.dialogs
    finally:
        ctx.close()


def test_widget_reads_retry_after_across_origins(browser, limited_service: Service, sites, artifacts):
    site = sites["allowed"]
    (site.root / "limited.html").write_text(HOST_PAGE.format(endpoint=limited_service.url), encoding="utf-8")
    ctx = open_context(browser, None)
    try:
        page = ctx.new_page()
        page.goto(f"{site.origin}/limited.html")
        field = page.get_by_label("Rechercher sur le site")
        field.fill("crèche")
        for _ in range(2):
            page.get_by_role("button", name="OK").click()
            page.locator(".rapporteur-item").first.wait_for()
            page.wait_for_function("() => !document.querySelector('.rapporteur-widget').hasAttribute('aria-busy')")
        page.get_by_role("button", name="OK").click()
        status = page.locator(".rapporteur-status-error")
        status.wait_for()
        assert re.search(r"réessayez dans \d+ secondes", status.inner_text()), status.inner_text()
        page.screenshot(path=str(artifacts / "16-widget-429.png"))
    finally:
        ctx.close()
