"""The admin page in a real browser: a report sent, followed to the swap, listed, then removed."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_support import open_context, start_service
from tiny_corpus import write_tiny_corpus

from indexer.build import build_index
from rapporteur.embedders.hashing import HashingEmbedder

KEY = "cle-admin-navigateur"
REPORT = (
    "# Rapport 2024 de la médiathèque\n\n## Horaires\n\n"
    "La médiathèque Jean-Moulin ouvre désormais le dimanche matin de 10 heures à 13 heures.\n"
)


@pytest.fixture
def admin_service(tmp_path: Path):
    corpus = write_tiny_corpus(tmp_path / "corpus")
    build_index(corpus, tmp_path / "index", HashingEmbedder())
    env = {
        "RAPPORTEUR_ADMIN_API_KEY": KEY,
        "RAPPORTEUR_CORPUS_DIR": str(corpus),
        "RAPPORTEUR_EMBEDDER": "hashing",
        "RAPPORTEUR_LOG_LEVEL": "WARNING",
    }
    service = start_service(tmp_path / "index", tmp_path / "service.log", env)
    yield service, corpus
    service.stop()


def test_admin_page_adds_and_removes_a_report(browser, admin_service, artifacts: Path) -> None:
    service, corpus = admin_service
    context = open_context(browser, service.url)
    page = context.new_page()
    page.set_default_timeout(60_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: dialog.accept())  # « Retirer … de l'index ? »
    try:
        page.goto("/admin")
        assert page.locator("h1").inner_text() == "Documents de l'index"
        page.locator("#documents tbody tr").first.wait_for()
        page.fill("#admin-key", KEY)
        page.click("#key-form button")
        page.set_input_files(
            "#file", files=[{"name": "mediatheque.md", "mimeType": "text/markdown", "buffer": REPORT.encode()}]
        )
        page.fill("#title", "Rapport 2024 de la médiathèque")
        page.fill("#year", "2024")
        page.click("#upload-form button")
        page.locator("#status.succeeded").wait_for()
        assert "index" in page.locator("#status").inner_text() and "en service" in page.locator("#status").inner_text()
        row = page.locator("#documents tbody tr", has_text="Rapport 2024 de la médiathèque")
        row.wait_for()
        page.screenshot(path=str(artifacts / "admin-added.png"))
        assert (corpus / "mediatheque.md").exists()

        row.get_by_role("button", name="Retirer").click()
        page.locator("#status.succeeded", has_text="Retrait").wait_for()
        page.locator("#documents tbody tr", has_text="médiathèque").wait_for(state="detached")
        assert not (corpus / "mediatheque.md").exists()
        assert not errors, errors
        assert not page.evaluate("window.__cspViolations")
    finally:
        context.close()
