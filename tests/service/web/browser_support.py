"""Helpers of the browser tests: the test corpus (the tiny corpus extended, with HTML/JS injection attempts),
servers (the service through evals.live_server, static sites), page watching.

Kept out of conftest.py so that test modules can import them by a unique name.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import threading
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tiny_corpus import DEPARTEMENT_ROUTES, DEPARTEMENT_SOLIDARITE, TINY_MANIFEST, VILLE_MD_OPEN, write_corpus

from evals import live_server
from evals.live_server import LiveServer

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "test-artifacts" / "web"
CHROMIUM = Path(os.environ.get("RAPPORTEUR_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERVICE_START_TIMEOUT_S = 90.0

try:
    from playwright.sync_api import sync_playwright

    PLAYWRIGHT_MISSING = None
except ImportError as exc:  # pragma: no cover - depends on the machine
    sync_playwright = None
    PLAYWRIGHT_MISSING = f"playwright for Python is not installed ({exc}); run `make setup`"


def browser_skip_reason() -> str | None:
    if PLAYWRIGHT_MISSING:
        return PLAYWRIGHT_MISSING
    if not CHROMIUM.exists():
        return f"no chromium at {CHROMIUM} (apt-get install -y chromium, or set RAPPORTEUR_CHROMIUM)"
    return None


# -- the corpus ------------------------------------------------------------------------------------

WEB_MANIFEST = (
    TINY_MANIFEST
    + """
[documents.ville-test-deliberation-2024]
file = "deliberation.txt"
title = "Délibération du 12 mars 2024 : budget participatif"
organisation = "Ville de Testville"
organisation_type = "commune"
territory = "com:99999"
year = 2024
kind = "délibération"

[documents.syndicat-eaux-2024]
file = "syndicat.txt"
title = "Rapport annuel 2024 <script>alert('titre')</script> du syndicat des eaux"
organisation = "Syndicat des eaux <b>du Test</b>"
organisation_type = "syndicat"
territory = "com:99999"
year = 2024
kind = "rapport annuel"
"""
)

# The crèche paragraph goes on with one more sentence.
WEB_VILLE_MD = (
    VILLE_MD_OPEN
    + """ Les familles
inscrivent leurs enfants auprès du guichet unique de la mairie.
"""
)

# Many sections before the one the tests cite, so the whole-document view has to scroll to the span.
_CANTONS = ["Arles", "Aubagne", "Berre", "Châteaurenard", "Gardanne", "Istres", "La Ciotat", "Marignane"]
WEB_DEPARTEMENT_TXT = (
    DEPARTEMENT_SOLIDARITE
    + "".join(
        f"""COLLÈGES DU CANTON DE {name.upper()}

Les collèges du canton de {name} accueillent {400 + 37 * i} élèves. Le Département a financé la rénovation
des cantines, l'équipement numérique des salles de classe et le transport scolaire des demi-pensionnaires.
Les agents départementaux assurent l'entretien des bâtiments et l'accueil des familles toute l'année.

"""
        for i, name in enumerate(_CANTONS)
    )
    + DEPARTEMENT_ROUTES
)

DELIBERATION_TXT = """DÉLIBÉRATION DU CONSEIL MUNICIPAL

BUDGET PARTICIPATIF

Le conseil municipal approuve un budget participatif de 300 000 euros pour l'année 2024. Les habitants
proposent des projets pour leur quartier puis votent en ligne ou à la mairie.

Les projets retenus concernent les jardins partagés, les pistes cyclables et les aires de jeux.
"""

XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_TITLE = "Rapport annuel 2024 <script>alert('titre')</script> du syndicat des eaux"
XSS_ORGANISATION = "Syndicat des eaux <b>du Test</b>"

SYNDICAT_TXT = f"""RAPPORT ANNUEL 2024

QUALITÉ DE L'EAU

Le syndicat a contrôlé la qualité de l'eau potable distribuée dans 14 communes. Un agent a saisi par erreur
la balise {XSS_SCRIPT} dans le formulaire de signalement, ainsi que le texte
{XSS_IMG} qui doit apparaître tel quel sans jamais être exécuté.

RÉSEAU

Le réseau de canalisations mesure 480 kilomètres et 6 kilomètres ont été renouvelés en 2024.
"""

WEB_FILES = {
    "manifest.toml": WEB_MANIFEST,
    "ville.md": WEB_VILLE_MD,
    "departement.txt": WEB_DEPARTEMENT_TXT,
    "deliberation.txt": DELIBERATION_TXT,
    "syndicat.txt": SYNDICAT_TXT,
}


def write_web_corpus(target: Path) -> Path:
    """The tiny corpus (tests/tiny_corpus.py), longer, with two more documents (one with injection attempts)."""
    return write_corpus(target, WEB_FILES)


# -- servers ---------------------------------------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class StaticSite:
    """A plain http.server on its own 127.0.0.1 port: another origin than the service."""

    root: Path
    server: http.server.ThreadingHTTPServer
    thread: threading.Thread

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def start_static_site(root: Path) -> StaticSite:
    root.mkdir(parents=True, exist_ok=True)
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name=f"site-{root.name}", daemon=True)
    thread.start()
    return StaticSite(root, server, thread)


Service = LiveServer  # `python -m service` running in a subprocess (evals.live_server)


def start_service(index: Path, log: Path, env_extra: dict[str, str]) -> Service:
    """The service on a free 127.0.0.1 port, ready, with one OpenMP thread and the settings in `env_extra`."""
    return live_server.start_service(
        index, log, env_overrides={"OMP_NUM_THREADS": "1", **env_extra}, ready_timeout=SERVICE_START_TIMEOUT_S
    )


HOST_PAGE = """<!doctype html>
<html lang="fr">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Ville de Testville — site officiel</title>
  <link rel="icon" href="data:,">
</head>
<body>
  <header><h1>Ville de Testville</h1></header>
  <main>
    <form id="search-form" action="/recherche" method="get" role="search">
      <label for="site-q">Rechercher sur le site</label>
      <input id="site-q" name="q" type="search">
      <button type="submit">OK</button>
    </form>
    <p id="after-form">Actualités de la ville…</p>
  </main>
  <script type="module" src="{endpoint}/static/widget.js" data-endpoint="{endpoint}/" data-form="#search-form"></script>
</body>
</html>
"""


# -- pages -----------------------------------------------------------------------------------------

WATCH_SCRIPT = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || ''));
});
"""


@dataclass
class Watched:
    """What a page did that a test must not let pass: dialogs (alert), uncaught errors, console errors."""

    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


def open_context(browser, base_url: str | None, **options):
    defaults = {"viewport": {"width": 1280, "height": 900}, "locale": "fr-FR"}
    defaults.update(options)
    if base_url:
        defaults["base_url"] = base_url
    context = browser.new_context(**defaults)
    context.add_init_script(WATCH_SCRIPT)
    return context


def watch(page) -> Watched:
    seen = Watched()

    def on_dialog(dialog) -> None:
        seen.dialogs.append(f"{dialog.type}: {dialog.message}")
        with contextlib.suppress(Exception):
            dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda exc: seen.errors.append(str(exc)))
    page.on("console", lambda msg: seen.console_errors.append(msg.text) if msg.type == "error" else None)
    return seen


def api_json(base_url: str, path: str, body: dict | None = None) -> dict:
    """Call the service directly (to compare what the page shows with what the API says)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        base_url + path, data=data, headers={"Content-Type": "application/json"} if data else {}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())
