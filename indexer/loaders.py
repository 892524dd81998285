"""Read corpus files (.txt, .md, .html, .pdf) into cleaned text with page boundaries."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from indexer.cleaning import normalize_text, remove_repeated_page_lines
from rapporteur.errors import LoaderError

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf")


@dataclass(frozen=True)
class LoadedDocument:
    """Cleaned text of one file; `page_starts[i]` is the offset where page i+1 begins."""

    text: str
    page_starts: tuple[int, ...] | None = None
    title_hint: str | None = None


def read_file(path: Path) -> bytes:
    """The bytes of a corpus file; raises LoaderError naming it when it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise LoaderError(f"{path}: cannot read ({exc.strerror})") from exc


def load_file(path: Path, data: bytes | None = None) -> LoadedDocument:
    """Load and clean one file (from `data` when its bytes were read already); raises LoaderError
    for anything that is not usable text."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoaderError(f"{path}: unsupported file type {suffix!r}")
    if data is None:
        data = read_file(path)
    if not data.strip():
        raise LoaderError(f"{path}: empty file")
    if suffix == ".pdf":
        doc = _load_pdf(path, data)
    else:
        raw = _decode(path, data)
        doc = _load_html(raw) if suffix in (".html", ".htm") else LoadedDocument(normalize_text(raw))
    if len(doc.text.strip()) < 20:
        raise LoaderError(f"{path}: no usable text")
    return doc


def _decode(path: Path, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise LoaderError(f"{path}: undecodable UTF-16 text") from exc
    if b"\x00" in data[:8192]:
        raise LoaderError(f"{path}: binary content, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoaderError(f"{path}: not valid UTF-8 (byte {exc.start})") from exc


def _load_pdf(path: Path, data: bytes) -> LoadedDocument:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        raw_pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise LoaderError(f"{path}: corrupt PDF ({exc})") from exc
    pages = remove_repeated_page_lines([normalize_text(p) for p in raw_pages])
    text_parts: list[str] = []
    starts: list[int] = []
    offset = 0
    for page in pages:
        page = normalize_text(page)
        starts.append(offset)
        text_parts.append(page)
        offset += len(page) + 2
    title = None
    try:
        title = (reader.metadata or {}).get("/Title") or None
    except (PdfReadError, ValueError, KeyError, TypeError):
        title = None
    return LoadedDocument("\n\n".join(text_parts), tuple(starts), str(title).strip() if title else None)


class _HTMLText(HTMLParser):
    _BLOCKS = frozenset(
        [
            "p",
            "div",
            "section",
            "article",
            "header",
            "footer",
            "li",
            "ul",
            "ol",
            "table",
            "tr",
            "br",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "blockquote",
            "pre",
            "dd",
            "dt",
            "dl",
            "main",
            "nav",
            "aside",
            "figure",
            "figcaption",
        ]
    )
    _SKIP = frozenset(("script", "style", "noscript", "template", "svg"))

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: list[str] = []
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif tag in self._BLOCKS:
            self.parts.append("\n")
            if len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
                self.parts.append("#" * int(tag[1]) + " ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skip:
            self._skip -= 1
        elif tag == "title":
            self._in_title = False
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._in_title:
            self.title.append(data)
        else:
            self.parts.append(data.replace("\n", " "))


def _load_html(raw: str) -> LoadedDocument:
    parser = _HTMLText()
    parser.feed(raw)
    parser.close()
    title = " ".join("".join(parser.title).split()) or None
    return LoadedDocument(normalize_text("".join(parser.parts)), None, title)
