"""Word-processor documents (.docx with python-docx, .odt with odfpy) as markdown-like text.

Headings become "#" lines (Heading 1 -> "# ", Heading 2 -> "## "), so that `indexer.sections`
makes them sections; a table becomes one "a | b | c" line per row; list items "- " lines;
paragraphs are separated by blank lines. The Title paragraph is left out of the text and returned
as metadata (kept as a "# " line when the properties give another title), with the author and the
creation date (ISO) of the document's properties. A merged table cell is written once, then left
empty, so that the columns stay aligned.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

_HEADING_STYLE = re.compile(r"^(?:heading|titre)\s*(\d)$", re.IGNORECASE)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class OfficeText:
    """Text of a document and its metadata (title, author, created: ISO date), those it has."""

    text: str
    metadata: dict[str, str] = field(default_factory=dict)


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "/").split())


def _iso(value: str | None) -> str | None:
    value = (value or "").strip()
    return value[:10] if _ISO_DATE.match(value) else None


def _clean(meta: dict[str, str | None]) -> dict[str, str]:
    return {k: " ".join(v.split()) for k, v in meta.items() if v and v.strip()}


def docx_text(data: bytes) -> OfficeText:
    """Text and metadata of a .docx file's bytes; raises the library's errors for a bad file."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(data))
    props = document.core_properties
    blocks: list[str] = []
    title_from_style = None
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = Paragraph(child, document)
            text = " ".join(para.text.split())
            if not text:
                continue
            style = (para.style.name if para.style is not None else "") or ""
            match = _HEADING_STYLE.match(style)
            if style.lower() in ("title", "titre"):
                title_from_style = title_from_style or text
                if props.title and " ".join(props.title.split()) != text:
                    blocks.append("# " + text)  # the properties title another text: keep the visible one
            elif match:
                blocks.append("#" * min(6, max(1, int(match.group(1)))) + " " + text)
            elif style.lower().startswith(("list", "liste")):
                blocks.append("- " + text)
            else:
                blocks.append(text)
        elif tag == "tbl":
            rows = []
            for row in Table(child, document).rows:
                cells: list[str] = []
                last = None
                for cell in row.cells:  # a merged cell is repeated: once, then empty, so columns stay aligned
                    cells.append("" if cell._tc is last else _cell(cell.text))
                    last = cell._tc
                if any(cells):
                    rows.append(" | ".join(cells))
            if rows:
                blocks.append("\n".join(rows))
    meta = {
        "title": props.title or title_from_style,
        "author": props.author,
        "created": props.created.date().isoformat() if props.created else None,
    }
    return OfficeText("\n\n".join(blocks), _clean(meta))


def odt_text(data: bytes) -> OfficeText:
    """Text and metadata of an .odt file's bytes; raises the library's errors for a bad file."""
    from odf import teletype
    from odf.namespaces import DCNS, METANS, STYLENS, TABLENS, TEXTNS
    from odf.opendocument import load
    from odf.table import TableRow

    doc = load(io.BytesIO(data))
    parents: dict[str, str] = {}  # automatic style -> the named style it derives from
    for style in doc.automaticstyles.childNodes:
        name = style.getAttrNS(STYLENS, "name")
        parent = style.getAttrNS(STYLENS, "parent-style-name")
        if name and parent:
            parents[name] = parent

    def style_of(el: Any) -> str:
        name = el.getAttrNS(TEXTNS, "style-name") or ""
        return parents.get(name, name)

    def words(el: Any) -> str:
        return " ".join(teletype.extractText(el).split())

    blocks: list[str] = []
    titles: list[str] = []

    def walk(el: Any) -> None:
        for child in el.childNodes:
            if child.nodeType != child.ELEMENT_NODE:
                continue
            ns, tag = child.qname
            if ns == TEXTNS and tag == "h":
                level = int(child.getAttrNS(TEXTNS, "outline-level") or 1)
                text = words(child)
                if text:
                    blocks.append("#" * min(6, max(1, level)) + " " + text)
            elif ns == TEXTNS and tag == "p":
                text = words(child)
                if text and style_of(child) == "Title":
                    titles.append(text)
                elif text:
                    blocks.append(text)
            elif ns == TEXTNS and tag == "list":
                for item in child.childNodes:
                    text = words(item)
                    if text:
                        blocks.append("- " + text)
            elif ns == TABLENS and tag == "table":
                rows = []
                for row in child.getElementsByType(TableRow):
                    cells = [
                        _cell(teletype.extractText(c)) if c.qname[1] == "table-cell" else ""
                        for c in row.childNodes
                        if c.qname[1] in ("table-cell", "covered-table-cell")
                    ]
                    if any(cells):
                        rows.append(" | ".join(cells))
                if rows:
                    blocks.append("\n".join(rows))
            elif ns == TEXTNS and tag == "section":
                walk(child)

    walk(doc.text)
    keys = {
        (DCNS, "title"): "title",
        (DCNS, "creator"): "author",
        (METANS, "initial-creator"): "author",
        (METANS, "creation-date"): "created",
    }
    found: dict[str, str | None] = {}
    for el in doc.meta.childNodes:
        key = keys.get(el.qname)
        if key and not found.get(key):
            value = teletype.extractText(el).strip()
            found[key] = _iso(value) if key == "created" else value
    if titles and not found.get("title"):
        found["title"] = titles[0]
    return OfficeText("\n\n".join(blocks), _clean(found))
