"""The text layer of a PDF, page by page, in reading order (pypdfium2 feeding `pdf_layout`).

Pages whose text layer is (almost) empty but that show an image are reported as scanned, for OCR
(`indexer.ocr`); the document's title, author and creation date come from its info dictionary.
"""

from __future__ import annotations

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
    layer, an image), and the metadata (title, author, created: ISO date) that the file gives."""

    pages: list[str]
    scanned: list[int] = field(default_factory=list)
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


def is_scanned(page: pdfium.PdfPage, params: ExtractionParams = EXTRACTION) -> bool:
    """True for a page with (almost) no text layer that shows at least one image."""
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range()
    finally:
        textpage.close()
    if sum(1 for c in text if not c.isspace()) >= params.min_text_chars:
        return False
    return any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2))


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
        for i in range(len(pdf)):
            page = pdf[i]
            try:
                runs, rules = _runs_and_rules(page, params)
                text = layout_page(runs, rules, page.get_width(), page.get_height(), params)
                if is_scanned(page, params):
                    scanned.append(i)
            finally:
                page.close()
            pages.append(text)
        return PdfText(pages, scanned, _metadata(pdf))
    finally:
        pdf.close()
