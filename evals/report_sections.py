"""Sections of a Markdown report that separate benchmarks own: each rewrites its own section, between
`<!-- NAME:start -->` and `<!-- NAME:end -->`, and keeps the others."""

from __future__ import annotations

import re
from pathlib import Path


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def sections_of(text: str) -> dict[str, str]:
    """Every marked section of `text`, markers included, by name."""
    found = re.finditer(r"<!-- (?P<name>[\w-]+):start -->.*?<!-- (?P=name):end -->", text, flags=re.S)
    return {m.group("name"): m.group(0) for m in found}


def replace_section(path: Path, name: str, body: str) -> None:
    """Write `body` as section `name` of the report at `path` (appended when the report lacks it)."""
    start, end = _markers(name)
    block = f"{start}\n{body.strip()}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    current = sections_of(text).get(name)
    if current is not None:
        text = text.replace(current, block)
    else:
        text = f"{text.rstrip()}\n\n{block}\n" if text.strip() else f"{block}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def keep_sections(previous: Path, text: str) -> str:
    """`text` followed by the marked sections of the report at `previous` that `text` lacks."""
    if not previous.exists():
        return text
    ours = sections_of(text)
    kept = [block for name, block in sections_of(previous.read_text(encoding="utf-8")).items() if name not in ours]
    return text.rstrip() + "".join(f"\n\n{block}" for block in kept) + "\n"
