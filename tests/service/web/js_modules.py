"""The browser code's ES modules read statically: their imports, their exports and the graph from an entry.

Good enough for the code in service/static/ (one `import {…} from "…";` or `import "…";` statement per import,
`export function|const|let|class NAME` declarations); anything else is reported, not guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

STATIC = Path(__file__).resolve().parents[3] / "service" / "static"
PAGE_ENTRY = STATIC / "js" / "main.js"
WIDGET_ENTRY = STATIC / "widget.js"
ADMIN_ENTRY = STATIC / "admin" / "admin.js"
SHARED_HELPERS = STATIC / "js" / "text.js"

_IMPORT = re.compile(r"""^import\s+(?:\{(?P<names>[^}]*)\}\s+from\s+)?["'](?P<spec>[^"']+)["']\s*;""", re.M)
_ANY_IMPORT = re.compile(r"^import\b", re.M)
_DYNAMIC_IMPORT = re.compile(r"\bimport\s*\(")
_EXPORT = re.compile(r"^export\s+(?:async\s+)?(?:function\*?|const|let|var|class)\s+(?P<name>[A-Za-z_$][\w$]*)", re.M)


@dataclass
class Module:
    path: Path
    imports: list[tuple[str, list[str]]] = field(default_factory=list)  # (specifier, imported names)
    exports: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.relative_to(STATIC).as_posix()

    def resolve(self, specifier: str) -> Path:
        return (self.path.parent / specifier).resolve()


def script_files() -> list[Path]:
    """Every JavaScript file served from service/static/."""
    return sorted(STATIC.rglob("*.js"))


def read_module(path: Path) -> Module:
    source = path.read_text(encoding="utf-8")
    module = Module(path)
    found = list(_IMPORT.finditer(source))
    if len(found) != len(_ANY_IMPORT.findall(source)):
        module.problems.append('an import statement of an unsupported form (use `import { a, b } from "./x.js";`)')
    if _DYNAMIC_IMPORT.search(source):
        module.problems.append("a dynamic import()")
    for match in found:
        names = [n.strip().split(" as ")[0].strip() for n in (match["names"] or "").split(",") if n.strip()]
        module.imports.append((match["spec"], names))
    module.exports = {m["name"] for m in _EXPORT.finditer(source)}
    return module


def module_graph(entry: Path) -> dict[Path, Module]:
    """The modules `entry` loads, itself included, by resolved path (missing files are left out)."""
    seen: dict[Path, Module] = {}
    todo = [entry.resolve()]
    while todo:
        path = todo.pop()
        if path in seen or not path.is_file():
            continue
        module = seen[path] = read_module(path)
        todo.extend(module.resolve(spec) for spec, _ in module.imports)
    return seen
