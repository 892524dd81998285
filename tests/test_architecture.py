"""The architecture the code must keep: data flows corpus → indexer → bundle → service → client.

- The service imports the bundle format, text analysis and embedders (`rapporteur`), never the build
  pipeline (`indexer`) nor its libraries (langchain, pypdfium2, docx, odf, selectolax): serving never loads the build.
- `rapporteur` imports neither side; the indexer never imports the service; nothing imports `evals`.
- No module imports another that imports it back (no import cycle).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("rapporteur", "indexer", "service", "evals")
BUILD_PIPELINE = (
    "indexer",
    "langchain",
    "langchain_text_splitters",
    "langchain_core",
    "pypdfium2",
    "docx",
    "odf",
    "selectolax",
)


def _imported_by_python(code: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}; import sys; print('\\n'.join(sorted(sys.modules)))"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


@pytest.mark.parametrize("module", ["service.app", "service.__main__", "service.serving", "service.search.engine"])
def test_serving_never_loads_the_build_pipeline(module: str) -> None:
    loaded = _imported_by_python(f"import {module}")
    assert [m for m in loaded if m.split(".")[0] in BUILD_PIPELINE] == []


def _module_imports() -> dict[str, set[str]]:
    """Modules of the project and the project modules each imports (static, from the source)."""
    graph: dict[str, set[str]] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            found: set[str] = set()
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    found.add(node.module)
                    found.update(f"{node.module}.{alias.name}" for alias in node.names)
                elif isinstance(node, ast.Import):
                    found.update(alias.name for alias in node.names)
            graph[name] = {m for m in found if m.split(".")[0] in PACKAGES}
    return {name: {m for m in imports if m in graph} for name, imports in graph.items()}


def test_layers_import_downwards_only() -> None:
    allowed = {
        "rapporteur": {"rapporteur"},
        "indexer": {"rapporteur", "indexer"},
        "service": {"rapporteur", "service"},
        "evals": {"rapporteur", "indexer", "service", "evals"},
    }
    wrong = [
        f"{module} imports {imported}"
        for module, imports in _module_imports().items()
        for imported in imports
        if imported.split(".")[0] not in allowed[module.split(".")[0]]
    ]
    assert wrong == []


def test_no_import_cycle() -> None:
    graph = _module_imports()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt] if nxt in path else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    # A package's __init__ that re-exports its own modules is not a cycle of logic.
    real = [c for c in cycles if not any(m.endswith(("__init__",)) for m in c) and len(set(c)) > 1]
    assert real == []
