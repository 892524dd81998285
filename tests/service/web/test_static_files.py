"""The static files: no inline code (the CSP forbids it), corpus text never parsed as HTML, served right."""

from __future__ import annotations

import re
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[3] / "service" / "static"
SCRIPTS = ("app.js", "widget.js")
# Sinks that parse strings as HTML or code.
DANGEROUS = re.compile(
    r"\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML|document\.write|\beval\s*\(|new\s+Function\s*\("
    r"|setTimeout\(\s*['\"`]|setInterval\(\s*['\"`]|\.setAttribute\(\s*['\"]on|\.setAttribute\(\s*['\"]style"
    r"|\.srcdoc\b|createContextualFragment|DOMParser"
)


class _Inline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.in_script = False
        self.scripts: list[str] = []
        self.stylesheets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        for name, _ in attrs:
            if name.startswith("on") or name == "style":
                self.problems.append(f"<{tag} {name}=…>")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script":
            if not names.get("src"):
                self.problems.append("inline <script>")
            else:
                self.scripts.append(names["src"])
            self.in_script = True
        if tag == "link" and names.get("rel") == "stylesheet":
            self.stylesheets.append(names.get("href") or "")
        for name in ("href", "src", "action"):
            value = (names.get(name) or "").strip().lower()
            if value.startswith("javascript:"):
                self.problems.append(f"javascript: URL in <{tag}>")
            if value.startswith(("http://", "https://", "//")):
                self.problems.append(f"other origin in <{tag} {name}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.in_script = False

    def handle_data(self, data: str) -> None:
        if self.in_script and data.strip():
            self.problems.append("inline script code")


def test_index_html_has_no_inline_code_and_only_local_assets():
    parser = _Inline()
    parser.feed((STATIC / "index.html").read_text(encoding="utf-8"))
    assert not parser.problems
    assert parser.scripts == ["static/app.js"]
    assert parser.stylesheets == ["static/style.css"]


@pytest.mark.parametrize("name", SCRIPTS)
def test_scripts_never_turn_strings_into_html_or_code(name):
    source = (STATIC / name).read_text(encoding="utf-8")
    found = DANGEROUS.findall(source)
    assert not found, f"{name} uses {found}"


def test_page_and_assets_are_served_with_the_csp(base_url):
    with urllib.request.urlopen(base_url + "/") as response:
        csp = response.headers.get("Content-Security-Policy", "")
        body = response.read().decode()
    assert response.headers.get_content_type() == "text/html"
    directives = {d.strip().split(" ", 1)[0]: d.strip() for d in csp.split(";") if d.strip()}
    assert directives.get("script-src") == "script-src 'self'"
    assert "'unsafe-inline'" not in csp and "*" not in csp
    assert directives.get("frame-ancestors") == "frame-ancestors 'none'"
    assert 'id="search-form"' in body
    types = {
        "app.js": "javascript",
        "style.css": "text/css",
        "widget.js": "javascript",
        "widget.css": "text/css",
    }
    for name, kind in types.items():
        with urllib.request.urlopen(f"{base_url}/static/{name}") as response:
            assert kind in response.headers.get("Content-Type", ""), name
            assert response.read() == (STATIC / name).read_bytes()
