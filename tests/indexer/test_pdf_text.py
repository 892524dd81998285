"""What `indexer.pdf_text` says of a page: how much of it images cover, scanned or overlaid."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import document_fixtures
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from indexer.pdf_text import image_cover, read_pdf

BODY = "Le conseil départemental a voté un plan de soutien aux collèges ruraux du pays."


def _page(draw: Callable[[canvas.Canvas], None]) -> bytes:
    out = io.BytesIO()
    sheet = canvas.Canvas(out, pagesize=A4)
    draw(sheet)
    text = sheet.beginText(40, 500)
    for _ in range(3):
        text.textLine(BODY)
    sheet.drawText(text)
    sheet.showPage()
    sheet.save()
    return out.getvalue()


def _photo() -> ImageReader:
    return ImageReader(Image.new("RGB", (600, 850), (120, 60, 30)))


def _cover(data: bytes) -> float:
    pdf = pdfium.PdfDocument(data)
    try:
        return image_cover(pdf[0])
    finally:
        pdf.close()


def test_a_page_covering_photo_under_a_short_text_is_overlaid() -> None:
    data = _page(lambda sheet: sheet.drawImage(_photo(), 0, 0, A4[0], A4[1]))
    assert _cover(data) == 1.0 and read_pdf(data).overlaid == [0]


def test_a_photo_clipped_to_a_small_frame_covers_only_the_frame() -> None:
    def clipped(sheet: canvas.Canvas) -> None:
        sheet.saveState()
        frame = sheet.beginPath()
        frame.rect(40, 600, 200, 150)
        sheet.clipPath(frame, stroke=0, fill=0)
        sheet.drawImage(_photo(), 0, 0, A4[0], A4[1])
        sheet.restoreState()

    data = _page(clipped)
    assert _cover(data) < 0.1 and read_pdf(data).overlaid == []


def test_nested_clips_keep_only_their_intersection() -> None:
    """A frame bleeding off the page edge, inside a page-size clip: the photo shows in the frame only."""

    def framed(sheet: canvas.Canvas) -> None:
        sheet.saveState()
        for x, y, w, h in ((0, 0, A4[0], A4[1]), (-10, 600, 250, 150)):
            frame = sheet.beginPath()
            frame.rect(x, y, w, h)
            sheet.clipPath(frame, stroke=0, fill=0)
        sheet.drawImage(_photo(), 0, 0, A4[0], A4[1])
        sheet.restoreState()

    assert _cover(_page(framed)) < 0.1


def test_overlapping_images_count_once() -> None:
    def twice(sheet: canvas.Canvas) -> None:
        for _ in range(2):
            sheet.drawImage(_photo(), 0, 0, A4[0], A4[1] / 2)

    assert _cover(_page(twice)) == pytest.approx(0.5, abs=0.02)


@pytest.mark.parametrize(("scale", "cover"), [(1.0, 1.0), (0.5, 0.25)])
def test_a_scan_placed_in_a_form_is_measured_on_the_page(tmp_path: Path, scale: float, cover: float) -> None:
    source = pdfium.PdfDocument(document_fixtures.stamped_scan_pdf(tmp_path).read_bytes())
    target = pdfium.PdfDocument.new()
    xobject = pdfium_c.FPDF_NewXObjectFromPage(target.raw, source.raw, 0)
    page = target.new_page(595, 842)
    form = pdfium_c.FPDF_NewFormObjectFromXObject(xobject)
    pdfium_c.FPDFPageObj_Transform(form, scale, 0, 0, scale, 0, 0)
    pdfium_c.FPDFPage_InsertObject(page.raw, form)
    pdfium_c.FPDFPage_GenerateContent(page.raw)
    assert image_cover(page) == pytest.approx(cover, abs=0.03)
    page.close()
    target.close()
    source.close()
