"""The text layer of a PDF, page by page, in reading order (pypdfium2 feeding `pdf_layout`).

Pages whose text layer is (almost) empty but that show an image are reported as scanned, for OCR
(`indexer.ocr`); so are, as overlaid, pages whose images cover most of the page under a short text
layer (a scanned deliberation carrying a digital stamp « Reçu en préfecture le… »), for OCR to read
the scan under the stamp; the document's title, author and creation date come from its info dictionary.
"""

from __future__ import annotations

import ctypes
import math
import re
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from indexer.pdf_layout import Rule, Run, layout_page
from rapporteur.parameters import EXTRACTION, ExtractionParams

_PDF_DATE = re.compile(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?")
LINE_END_HYPHEN = "\x02"  # what pdfium gives for a hyphen that ends a line ("dépar\x02" + "tement")


@dataclass(frozen=True)
class PdfText:
    """One string per page ("" for a page without text), the indexes of the scanned pages (no text
    layer, an image) and of the overlaid ones (a short text layer over page-covering images), and
    the metadata (title, author, created: ISO date) that the file gives."""

    pages: list[str]
    scanned: list[int] = field(default_factory=list)
    overlaid: list[int] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)


def open_pdf(data: bytes) -> pdfium.PdfDocument:
    """A pdfium document over `data`; raises pdfium.PdfiumError when it is not a readable PDF."""
    return pdfium.PdfDocument(data)


def _runs_and_rules(page: pdfium.PdfPage, params: ExtractionParams) -> tuple[list[Run], list[Rule]]:
    height = page.get_height()
    textpage = page.get_textpage()
    try:
        runs = []
        for i in range(textpage.count_rects()):
            left, bottom, right, top = textpage.get_rect(i)
            text = textpage.get_text_bounded(left, bottom, right, top)
            text = " ".join(text.replace(LINE_END_HYPHEN, "-").split())  # the cleaning joins the word again
            runs.append(Run(left, height - top, right, height - bottom, text))
    finally:
        textpage.close()
    rules: list[Rule] = []
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH]):
        left, bottom, right, top = obj.get_bounds()
        w, h = right - left, top - bottom
        t, b = height - top, height - bottom
        if w <= params.rule_thickness or h <= params.rule_thickness:
            rules.append(Rule(left, t, right, b))
        elif pdfium_c.FPDFPath_CountSegments(obj.raw) <= 5:  # a rectangle: its four edges
            rules += [
                Rule(left, t, right, t),
                Rule(left, b, right, b),
                Rule(left, t, left, b),
                Rule(right, t, right, b),
            ]
    return runs, rules


def visible_chars(text: str) -> int:
    """How many characters of `text` are not white space."""
    return sum(1 for c in text if not c.isspace())


def _scan_kind(page: pdfium.PdfPage, params: ExtractionParams) -> str | None:
    """ "scanned" (almost no text layer, an image), "overlaid" (a short text layer over images that
    cover most of the page), or None."""
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range()
    finally:
        textpage.close()
    chars = visible_chars(text)
    if chars >= params.ocr_overlay_max_chars:
        return None
    if chars < params.min_text_chars:
        has_image = any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2))
        return "scanned" if has_image else None
    return "overlaid" if image_cover(page) >= params.ocr_overlay_cover else None


COVER_GRID = 64  # image cover is measured on a grid of this many cells a side


def image_cover(page: pdfium.PdfPage) -> float:
    """Share of the page under its images: the bounds of each image or image-holding form, cut to
    its clipping path, united on a grid over the media box (a cell counts when its centre is under
    an image; overlaps count once). A clip inside a form is not looked at: the form may be counted
    larger than it shows, which only costs an OCR run whose text is then not kept."""
    x_a, y_a, x_b, y_b = page.get_mediabox()
    left, bottom, right, top = min(x_a, x_b), min(y_a, y_b), max(x_a, x_b), max(y_a, y_b)
    width, height = max(right - left, 1e-3), max(top - bottom, 1e-3)
    covered: set[tuple[int, int]] = set()
    for obj in page.get_objects(max_depth=1):
        if obj.type == pdfium_c.FPDF_PAGEOBJ_FORM:
            if not any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], form=obj)):
                continue
        elif obj.type != pdfium_c.FPDF_PAGEOBJ_IMAGE:
            continue
        x0, y0, x1, y1 = _clipped(obj, obj.get_bounds())
        cols = _cells((x0 - left) / width, (x1 - left) / width)
        rows = _cells((y0 - bottom) / height, (y1 - bottom) / height)
        covered.update((c, r) for c in cols for r in rows)
    return len(covered) / COVER_GRID**2


def _cells(start: float, end: float) -> range:
    """The grid cells whose centre lies between `start` and `end` (shares of the page side)."""
    first = math.ceil(start * COVER_GRID - 0.5)
    last = math.floor(end * COVER_GRID - 0.5)
    return range(max(0, first), min(COVER_GRID, last + 1))


def _clipped(obj: pdfium.PdfObject, bounds: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """`bounds` cut to the object's clipping path: the intersection of its paths' bounding boxes."""
    x0, y0, x1, y1 = bounds
    clip = pdfium_c.FPDFPageObj_GetClipPath(obj.raw)
    if not clip:
        return bounds
    x, y = ctypes.c_float(), ctypes.c_float()
    for path in range(pdfium_c.FPDFClipPath_CountPaths(clip)):
        xs: list[float] = []
        ys: list[float] = []
        for index in range(pdfium_c.FPDFClipPath_CountPathSegments(clip, path)):
            segment = pdfium_c.FPDFClipPath_GetPathSegment(clip, path, index)
            if segment and pdfium_c.FPDFPathSegment_GetPoint(segment, x, y):
                xs.append(x.value)
                ys.append(y.value)
        if xs:
            x0, y0, x1, y1 = max(x0, min(xs)), max(y0, min(ys)), min(x1, max(xs)), min(y1, max(ys))
    return x0, y0, max(x0, x1), max(y0, y1)


def _iso_date(value: str) -> str | None:
    match = _PDF_DATE.match(value.strip())
    if not match:
        return None
    year, month, day = match.group(1), match.group(2) or "01", match.group(3) or "01"
    return f"{year}-{month}-{day}"


def _metadata(pdf: pdfium.PdfDocument) -> dict[str, str]:
    info = pdf.get_metadata_dict(skip_empty=True)
    out = {
        "title": " ".join((info.get("Title") or "").split()),
        "author": " ".join((info.get("Author") or "").split()),
        "created": _iso_date(info.get("CreationDate") or "") or "",
    }
    return {k: v for k, v in out.items() if v}


def read_pdf(data: bytes, params: ExtractionParams = EXTRACTION) -> PdfText:
    """Reading-order text of every page of the PDF in `data`; raises pdfium.PdfiumError (or another
    error of the library) for a file it cannot read."""
    pdf = open_pdf(data)
    try:
        pages: list[str] = []
        scanned: list[int] = []
        overlaid: list[int] = []
        for i in range(len(pdf)):
            page = pdf[i]
            try:
                runs, rules = _runs_and_rules(page, params)
                text = layout_page(runs, rules, page.get_width(), page.get_height(), params)
                kind = _scan_kind(page, params)
                if kind == "scanned":
                    scanned.append(i)
                elif kind == "overlaid":
                    overlaid.append(i)
            finally:
                page.close()
            pages.append(text)
        return PdfText(pages, scanned, overlaid, _metadata(pdf))
    finally:
        pdf.close()
