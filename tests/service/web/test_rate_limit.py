"""A real 429 from a rate-limited service: the page and the widget (across origins) tell how long to wait."""

from __future__ import annotations

import math
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from browser_support import HOST_PAGE, Service, StaticSite, open_context, start_service, watch
from js_modules import PAGE_ENTRY, module_graph

# What loading the page costs: "/", style.css and every module of the page (a tenth of a token each), then the
# two API calls it makes (the facets and the question).
PAGE_LOAD_TOKENS = 0.1 * (2 + len(module_graph(PAGE_ENTRY))) + 2


@pytest.fixture
def limited_service(web_index: Path, sites: dict[str, StaticSite], tmp_path: Path):
    """Start a second service that limits loopback clients: `burst` tokens at once, then one every 30 s (an API
    call takes one, the page and its files a tenth each)."""
    started: list[Service] = []

    def start(burst: int) -> Service:
        env = {
            "RAPPORTEUR_CORS_ORIGINS": sites["allowed"].origin,
            "RAPPORTEUR_LOG_LEVEL": "WARNING",
            "RAPPORTEUR_RATE_LIMIT_LOOPBACK": "true",
            "RAPPORTEUR_RATE_LIMIT_BURST": str(burst),
            "RAPPORTEUR_RATE_LIMIT_PER_MINUTE": "2",
        }
        started.append(start_service(web_index, tmp_path / f"limited-{len(started)}.log", env))
        return started[-1]

    yield start
    for service in started:
        service.stop()


def test_page_shows_the_wait_of_a_real_429(browser, limited_service, artifacts):
    # Enough for the page to load whole (with a margin for rounding), under two tokens left: at most two more
    # searches to a 429.
    service = limited_service(math.ceil(PAGE_LOAD_TOKENS + 0.05))
    ctx = open_context(browser, service.url)
    try:
        page = ctx.new_page()
        seen = watch(page)
        page.goto("/?" + urlencode({"q": "routes départementales"}))
        page.wait_for_selector("#resultats:not([aria-busy]) #answer .result-item")
        page.wait_for_selector("#f-organisation option:nth-child(2)", state="attached")  # the facets came too
        assert not seen.console_errors, seen.console_errors
        alert = page.get_by_role("alert")
        for _ in range(2):
            page.get_by_role("button", name="Rechercher").click()
            page.wait_for_selector("#error .error-box, #resultats:not([aria-busy]) #answer .result-item")
            if alert.get_by_text("Trop de demandes en peu de temps.").count():
                break
        alert.get_by_text("Trop de demandes en peu de temps.").wait_for()
        wait = int(re.search(r"patienter (\d+) secondes", alert.inner_text()).group(1))
        assert 1 <= wait <= 31, "the wait comes from the service's Retry-After (a token every 30 s)"
        assert alert.get_by_role("button", name=re.compile(r"Réessayer \(\d+ s\)")).is_disabled()
        assert page.locator("h1").is_visible()
        page.screenshot(path=str(artifacts / "09-erreur-429-reelle.png"))
        assert not seen.errors and not seen.dialogs
    finally:
        ctx.close()


def test_widget_reads_retry_after_across_origins(browser, limited_service, sites, artifacts):
    # The widget, its modules and its stylesheet take less than half a token: two searches, then a 429.
    service = limited_service(3)
    site = sites["allowed"]
    (site.root / "limited.html").write_text(HOST_PAGE.format(endpoint=service.url), encoding="utf-8")
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
