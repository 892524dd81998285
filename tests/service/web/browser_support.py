"""Helpers of the browser tests: the test corpus (with HTML/JS injection attempts), servers, page watching.

Kept out of conftest.py so that test modules can import them by a unique name.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

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

MANIFEST = """
[documents.ville-test-2023]
file = "ville.md"
title = "Rapport d'activité 2023 de la Ville de Testville"
organisation = "Ville de Testville"
organisation_type = "commune"
territory = "com:99999"
year = 2023
kind = "rapport d'activité"

[documents.departement-test-2022]
file = "departement.txt"
title = "Rapport d'activités 2022 du Département du Test"
organisation = "Département du Test"
organisation_type = "département"
territory = "dep:13"
year = 2022
kind = "rapport d'activité"

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

VILLE_MD = """# Rapport d'activité 2023

## Sécurité et tranquillité publique

La police municipale a réalisé 1 250 interventions en 2023. La vidéoprotection compte désormais
42 caméras réparties dans les quartiers.

## Événements

Le festival d'été a accueilli 12 000 visiteurs. Les évènements culturels de la médiathèque ont réuni
les familles tout au long de l'année.

## Petite enfance

La crèche municipale propose 60 places d'accueil pour les enfants de moins de trois ans. Les familles
inscrivent leurs enfants auprès du guichet unique de la mairie.
"""

# Many sections before the one the tests cite, so the whole-document view has to scroll to the span.
_CANTONS = ["Arles", "Aubagne", "Berre", "Châteaurenard", "Gardanne", "Istres", "La Ciotat", "Marignane"]
DEPARTEMENT_TXT = (
    """RAPPORT D'ACTIVITÉS 2022

SOLIDARITÉ

▷ Personnes âgées

Le Département verse l'allocation personnalisée d'autonomie (APA) à 18 000 personnes âgées qui vivent
à domicile. Le service de téléassistance aide les seniors isolés.

▷ Insertion

Le revenu de solidarité active (RSA) est versé à 35 000 foyers. Le programme départemental d'insertion
accompagne le retour à l'emploi.

"""
    + "".join(
        f"""COLLÈGES DU CANTON DE {name.upper()}

Les collèges du canton de {name} accueillent {400 + 37 * i} élèves. Le Département a financé la rénovation
des cantines, l'équipement numérique des salles de classe et le transport scolaire des demi-pensionnaires.
Les agents départementaux assurent l'entretien des bâtiments et l'accueil des familles toute l'année.

"""
        for i, name in enumerate(_CANTONS)
    )
    + """ROUTES ET MOBILITÉS

Le Département entretient 2 900 kilomètres de routes départementales et a rénové le pont de la Durance.
Le service départemental d'incendie et de secours (SDIS) a reçu 12 millions d'euros.
"""
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


def write_web_corpus(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    (target / "manifest.toml").write_text(MANIFEST, encoding="utf-8")
    (target / "ville.md").write_text(VILLE_MD, encoding="utf-8")
    (target / "departement.txt").write_text(DEPARTEMENT_TXT, encoding="utf-8")
    (target / "deliberation.txt").write_text(DELIBERATION_TXT, encoding="utf-8")
    (target / "syndicat.txt").write_text(SYNDICAT_TXT, encoding="utf-8")
    return target


# -- servers ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


@dataclass
class Service:
    """`python -m service` running in a subprocess."""

    url: str
    process: subprocess.Popen
    log: Path
    env: dict[str, str] = field(default_factory=dict)

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def start_service(index: Path, log: Path, env_extra: dict[str, str]) -> Service:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAPPORTEUR_")}
    env.update({"PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1", **env_extra})
    out = log.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "service", "--index", str(index), "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    out.close()
    service = Service(f"http://127.0.0.1:{port}", process, log, env_extra)
    deadline = time.monotonic() + SERVICE_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the service exited with {process.returncode}:\n{service.log_tail()}")
        try:
            with urllib.request.urlopen(f"{service.url}/readyz", timeout=2) as response:
                if response.status == 200:
                    return service
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    service.stop()
    raise RuntimeError(f"the service was not ready in {SERVICE_START_TIMEOUT_S:.0f} s:\n{service.log_tail()}")


HOST_PAGE = """<!doctype html>
<html lang="fr">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Ville de Testville — site officiel</title>
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
  <script src="{endpoint}/static/widget.js" data-endpoint="{endpoint}/" data-form="#search-form"></script>
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
