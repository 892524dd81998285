"""Read corpus files into cleaned text with page boundaries and the metadata the files give.

Dispatch by suffix: .txt/.md as text; .html/.htm by `web_pages` (main content only); .pdf by
`pdf_text` (reading order, ruled tables as rows) with `ocr` for the pages without text layer;
.docx/.odt by `office`. Every text then goes through `cleaning`.
"""

from __future__ import annotations

import codecs
import io
import logging
import re
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

from indexer.cleaning import goes_on, normalize_text, remove_repeated_page_lines, unwrap_lines, words_of
from indexer.file_types import kind_by_bytes, office_suffix
from rapporteur.errors import LoaderError, OcrUnavailableError
from rapporteur.parameters import EXTRACTION

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".odt")
_MIN_TEXT = 20  # characters: less is not a document
_PLACEHOLDERS = frozenset({"untitled", "sans titre", "anonymous", "unknown", "inconnu", "user", "utilisateur", "admin"})
# A title that is the name of a layout or office file (« RA2023_BAT_v4.indd »), not of the document.
_FILE_NAME = re.compile(
    r"\S+\.(?:indd|idml|qxp|qxd|ai|psd|pub|docx?|odt|pdf|rtf|xlsx?|pptx?|txt)|[^\s]*_[^\s]*", re.IGNORECASE
)
_WORD_PREFIX = re.compile(r"^Microsoft (?:Word|PowerPoint) - |\.(?:docx?|odt|pdf)$", re.IGNORECASE)


@dataclass(frozen=True)
class LoadedDocument:
    """Cleaned text of one file; `page_starts[i]` is the offset where page i+1 begins. The hints are
    the file's own metadata: title, date (ISO, YYYY-MM-DD), author (a person, service or site), and
    kind ("article" for a web page that says it is one)."""

    text: str
    page_starts: tuple[int, ...] | None = None
    title_hint: str | None = None
    date_hint: str | None = None
    author_hint: str | None = None
    kind_hint: str | None = None


def read_file(path: Path) -> bytes:
    """The bytes of a corpus file; raises LoaderError naming it when it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise LoaderError(f"{path}: cannot read ({exc.strerror})") from exc


def load_file(path: Path, data: bytes | None = None) -> LoadedDocument:
    """Load and clean one file (from `data` when its bytes were read already); raises LoaderError
    for anything that is not usable text (OcrUnavailableError for a scan that cannot be read here)."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoaderError(f"{path}: unsupported file type {suffix!r}")
    if data is None:
        data = read_file(path)
    if not data.strip():
        raise LoaderError(f"{path}: empty file")
    real = _real_suffix(data)
    if real is not None and real != _SAME_TYPE.get(suffix, suffix):
        log.warning("%s: the file is a %s named %s; read as %s", path, real[1:].upper(), suffix, real[1:].upper())
        suffix = real
    if suffix == ".pdf":
        doc = _load_pdf(path, data)
    elif suffix in (".docx", ".odt"):
        doc = _load_office(path, suffix, data)
    elif suffix in (".html", ".htm"):
        doc = _load_html(path, _decode(path, data, _declared_charset(data)))
    else:
        doc = LoadedDocument(normalize_text(_decode(path, data)))
    if len(doc.text.strip()) < _MIN_TEXT:
        raise LoaderError(f"{path}: no usable text")
    return _without_placeholders(path, doc)


_SAME_TYPE = {".htm": ".html"}


def _real_suffix(data: bytes) -> str | None:
    """The suffix of what `data` is, by its bytes, when that is a PDF, an office file or a web page;
    None for text or anything else (the name's suffix then decides)."""
    kind = kind_by_bytes(data)
    if kind != "zip":
        return {"pdf": ".pdf", "html": ".html"}.get(kind or "")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            return office_suffix(names, archive.read("mimetype") if "mimetype" in names else None)
    except (zipfile.BadZipFile, OSError, KeyError):
        return None


def _without_placeholders(path: Path, doc: LoadedDocument) -> LoadedDocument:
    """`doc` without the title and author that tools write by default ("untitled", "anonymous",
    the file's own name, "Microsoft Word - rapport.docx")."""
    title, author = doc.title_hint, doc.author_hint
    if title:
        title = _WORD_PREFIX.sub("", title).strip()
        if (
            title.lower() in _PLACEHOLDERS
            or title.lower() in (path.stem.lower(), path.name.lower())
            or _FILE_NAME.fullmatch(title)
        ):
            title = None
    if author and author.lower() in _PLACEHOLDERS:
        author = None
    return replace(doc, title_hint=title or None, author_hint=author or None)


# <meta charset="iso-8859-1"> or <meta http-equiv="Content-Type" content="text/html; charset=windows-1252">
_META_CHARSET = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)


def _declared_charset(data: bytes) -> str | None:
    """The character set a web page declares in its first 4 KB, if Python knows it."""
    found = _META_CHARSET.search(data[:4096])
    if found is None:
        return None
    name = found.group(1).decode("ascii", "replace")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _decode(path: Path, data: bytes, declared: str | None = None) -> str:
    """Text of a file: UTF-16 or UTF-8 by their byte-order mark, else the declared character set, else
    UTF-8, else Windows-1252 (what Notepad and older sites write), with a warning naming the file."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise LoaderError(f"{path}: undecodable UTF-16 text") from exc
    if b"\x00" in data[:8192]:
        raise LoaderError(f"{path}: binary content, not text")
    if declared and declared not in ("utf-8", "utf-16") and not data.startswith(b"\xef\xbb\xbf"):
        try:
            return data.decode(declared)
        except UnicodeDecodeError:
            pass  # a page that does not hold to what it declares: read it as if it declared nothing
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        log.warning("%s: not valid UTF-8 (byte %d); read as Windows-1252", path, exc.start)
        return data.decode("cp1252", errors="replace")


def _load_pdf(path: Path, data: bytes) -> LoadedDocument:
    from indexer.pdf_text import read_pdf

    try:
        content = read_pdf(data)
    except Exception as exc:  # pdfium raises its own errors, and others on odd files
        if "password" in str(exc).lower():
            raise LoaderError(f"{path}: password-protected PDF; send it without a password") from exc
        raise LoaderError(f"{path}: corrupt PDF ({type(exc).__name__}: {exc})") from exc
    pages = list(content.pages)
    if content.scanned or content.overlaid:
        pages = _ocr_scanned(path, data, pages, content.scanned, content.overlaid)
    words = words_of("\n".join(pages))  # the whole document says how a word cut at a line end is written
    pages = [normalize_text(p, words) for p in pages]
    # Running headers and footers go; an overlaid page's text layer (a prefecture's stamp, the same on
    # every page of the act) is kept, as the reference it is.
    overlaid = set(content.overlaid)
    plain = [i for i in range(len(pages)) if i not in overlaid]
    for i, page in zip(plain, remove_repeated_page_lines([pages[i] for i in plain]), strict=True):
        pages[i] = page
    text = ""
    starts: list[int] = []
    read_by_ocr = {*content.scanned, *content.overlaid}
    for number, page in enumerate(pages):
        page = unwrap_lines(normalize_text(page), across_blank_lines=number in read_by_ocr)
        if starts:  # a sentence that runs over the page break stays one: a space, not a paragraph break
            text += " " if page and goes_on(text[text.rfind("\n") + 1 :], page.split("\n", 1)[0]) else "\n\n"
        starts.append(len(text))
        text += page
    meta = content.metadata
    return LoadedDocument(text, tuple(starts), meta.get("title"), meta.get("created"), meta.get("author"))


def _ocr_scanned(path: Path, data: bytes, pages: list[str], scanned: list[int], overlaid: list[int]) -> list[str]:
    """`pages` with the scanned ones read by OCR, and the overlaid ones followed by their OCR where it
    reads much more than their text layer (the scan under a stamp); without OCR, a warning when other pages have
    text, an error naming the file when none has."""
    from indexer.ocr import ocr_pdf_pages
    from indexer.pdf_text import visible_chars

    try:
        read = ocr_pdf_pages(data, sorted([*scanned, *overlaid]), under_text=set(overlaid))
    except Exception as exc:  # OCR missing, or a page it cannot render or read (memory, damage)
        if not isinstance(exc, LoaderError):
            exc = LoaderError(f"OCR failed ({type(exc).__name__}: {exc})")
        unread = set(scanned)
        if scanned and not any(p.strip() for i, p in enumerate(pages) if i not in unread):
            kind = OcrUnavailableError if isinstance(exc, OcrUnavailableError) else LoaderError
            raise kind(f"{path}: no text layer and no OCR ({exc})") from exc
        if scanned:
            numbers = ", ".join(str(i + 1) for i in scanned)
            log.warning("%s: page(s) %s have no text layer and were not read by OCR: %s", path, numbers, exc)
        if overlaid:
            numbers = ", ".join(str(i + 1) for i in overlaid)
            log.warning("%s: page(s) %s show a scan under a short text layer, not read by OCR: %s", path, numbers, exc)
        return pages
    out = list(pages)
    for i in scanned:
        out[i] = read.get(i, pages[i])
    for i in overlaid:
        if visible_chars(read.get(i, "")) >= EXTRACTION.ocr_overlay_gain * visible_chars(pages[i]):
            out[i] = f"{pages[i]}\n\n{read[i]}"  # the layer's exact text (a stamp's reference), then the scan
    return out


def _load_office(path: Path, suffix: str, data: bytes) -> LoadedDocument:
    from indexer.office import docx_text, odt_text

    try:
        content = docx_text(data) if suffix == ".docx" else odt_text(data)
    except Exception as exc:  # zip, XML and library errors of a damaged or mislabelled file
        raise LoaderError(f"{path}: corrupt {suffix} file ({type(exc).__name__}: {exc})") from exc
    meta = content.metadata
    return LoadedDocument(
        normalize_text(content.text), None, meta.get("title"), meta.get("created"), meta.get("author")
    )


def _load_html(path: Path, raw: str) -> LoadedDocument:
    from indexer.web_pages import web_page

    try:
        page = web_page(raw)
    except Exception as exc:  # the parser's errors on malformed input
        raise LoaderError(f"{path}: unreadable HTML ({type(exc).__name__}: {exc})") from exc
    return LoadedDocument(
        normalize_text(page.text), None, page.title, page.date, page.site, "article" if page.article else None
    )
