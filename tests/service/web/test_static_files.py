"""The static files: no inline code (the CSP forbids it), corpus text never parsed as HTML, ES modules that load
(relative imports of names their targets export, the shared helpers defined once), served right: a JavaScript
type, and across origins to the CORS allow-list only (the widget is a module script loaded from other sites)."""

from __future__ import annotations

import re
import urllib.request
from html.parser import HTMLParser

import pytest
from js_modules import (
    ADMIN_ENTRY,
    PAGE_ENTRY,
    SHARED_HELPERS,
    STATIC,
    WIDGET_ENTRY,
    module_graph,
    read_module,
    script_files,
)

SCRIPTS = [path.relative_to(STATIC).as_posix() for path in script_files()]
JAVASCRIPT_TYPES = {"text/javascript", "application/javascript"}  # what browsers accept for module scripts
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
        self.scripts: list[tuple[str, str | None]] = []  # (src, type)
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
                self.scripts.append((names["src"], names.get("type")))
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
    assert parser.scripts == [("static/js/main.js", "module")], "one module script, relative to the page"
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
    files = {name: "javascript" for name in SCRIPTS} | {"style.css": "text/css", "widget.css": "text/css"}
    for name, kind in files.items():
        with urllib.request.urlopen(f"{base_url}/static/{name}") as response:
            content_type = response.headers.get_content_type()
            if kind == "javascript":
                assert content_type in JAVASCRIPT_TYPES, f"{name} served as {content_type}: not loadable as a module"
            else:
                assert content_type == kind, name
            assert response.headers.get("X-Content-Type-Options") == "nosniff"
            assert response.read() == (STATIC / name).read_bytes()


def test_scripts_load_across_origins_only_for_the_allow_list(base_url, sites):
    """Module scripts are fetched with CORS: the widget and the modules it imports need the CORS headers."""
    names = {"widget.js", "widget.css"} | {m.name for m in module_graph(WIDGET_ENTRY).values()}
    for name in sorted(names):
        for site, allowed in (("allowed", True), ("refused", False)):
            origin = sites[site].origin
            request = urllib.request.Request(f"{base_url}/static/{name}", headers={"Origin": origin})
            with urllib.request.urlopen(request) as response:
                assert response.status == 200
                granted = response.headers.get("Access-Control-Allow-Origin")
                assert granted == (origin if allowed else None), f"{name} from the {site} origin: {granted}"


# -- the modules --------------------------------------------------------------------------------------


def _code(source: str) -> str:
    """`source` without its /* … */ comments."""
    return re.sub(r"/\*.*?\*/", "", source, flags=re.S)


def test_modules_import_relative_paths_and_names_their_targets_export():
    page, widget, admin = module_graph(PAGE_ENTRY), module_graph(WIDGET_ENTRY), module_graph(ADMIN_ENTRY)
    for module in {**page, **widget, **admin}.values():
        assert not module.problems, f"{module.name}: {module.problems}"
        for specifier, names in module.imports:
            # Relative to the importing module: the page and the widget work wherever the service is mounted.
            assert specifier.startswith(("./", "../")) and specifier.endswith(".js"), f"{module.name}: {specifier}"
            target = module.resolve(specifier)
            assert target.is_file(), f"{module.name} imports {specifier}: no such file"
            assert STATIC in target.parents, f"{module.name} imports {specifier}: outside service/static/"
            missing = set(names) - read_module(target).exports
            assert not missing, f"{module.name} imports {sorted(missing)} that {specifier} does not export"
    served = {path.resolve() for path in script_files()}
    assert set(page) | set(widget) | set(admin) == served, (
        "every script is the page's, the widget's or the admin page's"
    )
    assert WIDGET_ENTRY.resolve() not in page and PAGE_ENTRY.resolve() not in widget
    assert SHARED_HELPERS.resolve() in page and SHARED_HELPERS.resolve() in widget


@pytest.mark.parametrize("name", SCRIPTS)
def test_each_module_opens_with_a_comment_saying_what_it_holds(name):
    source = (STATIC / name).read_text(encoding="utf-8")
    assert source.startswith("/* Rapporteur"), f"{name} has no header comment"
    assert "use strict" not in source, f"{name}: modules are always strict"


def test_shared_helpers_are_defined_only_in_text_js():
    shared = read_module(SHARED_HELPERS).exports
    assert {"h", "oneLine", "citationLine", "appendHighlighted", "displayText", "cleanQuery"} <= shared
    names = "|".join(sorted(shared))
    definition = re.compile(
        rf"\bfunction\s+({names})\s*\(|\b(?:const|let|var)\s+({names})\s*=|\b({names})\s*=\s*function\b"
    )
    for path in script_files():
        if path == SHARED_HELPERS:
            continue
        source = path.read_text(encoding="utf-8")
        found = sorted({next(g for g in m.groups() if g) for m in definition.finditer(source)})
        assert not found, f"{path.relative_to(STATIC)} defines {found} again: import them from js/text.js"


def test_widget_reads_its_options_as_a_module_does():
    """`document.currentScript` is null in a module script: the widget finds its tag from import.meta.url."""
    code = _code(WIDGET_ENTRY.read_text(encoding="utf-8"))
    assert "document.currentScript" not in code
    assert "import.meta.url" in code
