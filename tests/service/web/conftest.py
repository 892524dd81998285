"""Browser tests of the search page and the widget: Playwright for Python driving Debian's chromium.

The session builds a small corpus index with the fast `hashing` embedder (one document holds HTML/JS
injection attempts), starts `python -m service` on a free 127.0.0.1 port, and serves a collectivité's
website from a second local origin (in the service's CORS allow-list) and a third one (not in it).

Never `playwright install`: the browser is the system chromium (`apt-get install -y chromium`).
Screenshots of the main states go to test-artifacts/web/ (git-ignored).
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    HOST_PAGE,
    Service,
    StaticSite,
    browser_skip_reason,
    open_context,
    start_service,
    start_static_site,
    sync_playwright,
    watch,
    write_web_corpus,
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives a real chromium through Playwright")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests that use the browser; skip them, with the reason, when it is missing."""
    reason = browser_skip_reason()
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents and "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def web_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from indexer.build import build_index
    from rapporteur.embedders.hashing import HashingEmbedder

    base = tmp_path_factory.mktemp("web")
    corpus = write_web_corpus(base / "corpus")
    build_index(corpus, base / "index", HashingEmbedder())
    return base / "index"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """test-artifacts/web/, emptied once per session (screenshots of the main states)."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, StaticSite]]:
    """Two collectivité websites: `allowed` is in the service's CORS allow-list, `refused` is not."""
    base = tmp_path_factory.mktemp("sites")
    started = {name: start_static_site(base / name) for name in ("allowed", "refused")}
    yield started
    for site in started.values():
        site.stop()


@pytest.fixture(scope="session")
def service(web_index: Path, sites: dict[str, StaticSite], tmp_path_factory: pytest.TempPathFactory):
    log = tmp_path_factory.mktemp("service-log") / "service.log"
    env = {
        "RAPPORTEUR_CORS_ORIGINS": sites["allowed"].origin,
        "RAPPORTEUR_LOG_LEVEL": "WARNING",
    }
    started = start_service(web_index, log, env)
    yield started
    started.stop()


@pytest.fixture(scope="session")
def base_url(service: Service) -> str:
    return service.url


@pytest.fixture(scope="session")
def widget_pages(service: Service, sites: dict[str, StaticSite]) -> dict[str, str]:
    """URL of the same host page on the allowed and on the refused origin."""
    urls = {}
    for name, site in sites.items():
        (site.root / "index.html").write_text(HOST_PAGE.format(endpoint=service.url), encoding="utf-8")
        urls[name] = f"{site.origin}/index.html"
    return urls


# -- the browser ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    reason = browser_skip_reason()
    if reason:
        pytest.skip(reason)
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def context(browser, base_url: str):
    ctx = open_context(browser, base_url)
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.watched = watch(page)
    yield page
    seen = page.watched
    assert not seen.dialogs, f"the page opened dialogs: {seen.dialogs}"
    assert not seen.errors, f"uncaught errors in the page: {seen.errors}"
    with contextlib.suppress(Exception):
        violations = page.evaluate("window.__cspViolations")
        assert not violations, f"CSP violations: {violations}"
