"""OCR of scanned pages (`indexer.ocr`): quality on the generated scan, the cache, detection."""

from __future__ import annotations

import shutil
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import document_fixtures
import pytest

from indexer import ocr
from indexer.pdf_text import read_pdf
from rapporteur.parameters import EXTRACTION, ExtractionParams

needs_tesseract = pytest.mark.skipif(not ocr.ocr_available(), reason="tesseract with French data is not installed")


def _normalised(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\u2019", "'")
    return " ".join(text.split())


def levenshtein(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def character_error_rate(hypothesis: str, reference: str) -> float:
    ref, hyp = _normalised(reference), _normalised(hypothesis)
    return levenshtein(hyp, ref) / max(1, len(ref))


def test_levenshtein():
    assert levenshtein("kitten", "sitting") == 3 and levenshtein("", "abc") == 3
    assert character_error_rate("Le  Département", "Le Département") == 0.0


def test_scanned_pages_are_detected_and_text_pages_are_not():
    docs = document_fixtures.documents()
    assert read_pdf(docs["scan"].read_bytes()).scanned == [0, 1]
    assert read_pdf(docs["mixed"].read_bytes()).scanned == [1]
    assert read_pdf(docs["report"].read_bytes()).scanned == []


@needs_tesseract
def test_ocr_of_the_scan_is_accurate(capsys: pytest.CaptureFixture[str]):
    reading = document_fixtures.scan_reading()
    reference = document_fixtures.documents()["scan"].with_suffix(".txt").read_text(encoding="utf-8").split("\f")
    rates = [character_error_rate(reading.pages[i], reference[i]) for i in range(2)]
    with capsys.disabled():
        print(f"\nOCR: {reading.seconds_per_page:.2f} s/page, CER {', '.join(f'{r:.2%}' for r in rates)}")
    assert max(rates) <= 0.03


@needs_tesseract
def test_a_page_read_once_is_read_from_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    reading = document_fixtures.scan_reading()
    assert reading.runs == 2
    cache = tmp_path / "ocr"
    shutil.copytree(reading.cache, cache)
    monkeypatch.setattr(ocr, "_cache_dir", None)
    monkeypatch.setenv(ocr.CACHE_ENV, str(cache))  # as a build's worker process finds it
    data = document_fixtures.documents()["scan"].read_bytes()
    runs, hits = ocr.stats.runs, ocr.stats.hits
    assert ocr.ocr_pdf_pages(data, [0, 1]) == reading.pages
    assert (ocr.stats.runs - runs, ocr.stats.hits - hits) == (0, 2)
    assert len(list(cache.glob("*/*/*.txt"))) == 2  # one small file per page
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # no tesseract: what an earlier version read is used
    assert ocr.ocr_pdf_pages(data, [1]) == {1: reading.pages[1]}


@needs_tesseract
@pytest.mark.parametrize("turn", [90, 180])
def test_a_sheet_scanned_sideways_or_upside_down_is_read(tmp_path: Path, turn: int) -> None:
    """Page 2 of the scan turned in the scanner: its orientation is detected and it reads as upright."""
    scan = document_fixtures.image_only_pdf(tmp_path, 300, turn=turn)
    reference = scan.with_suffix(".txt").read_text(encoding="utf-8").split("\f")[1]
    data = scan.read_bytes()
    assert ocr.tesseract().orientation  # `make setup` installs tesseract-ocr-osd
    assert character_error_rate(ocr.ocr_pdf_pages(data, [1])[1], reference) <= 0.03
    if turn == 180:  # read as printed, the same page is noise: the check above has teeth
        as_printed = ExtractionParams(ocr_page_segmentation=ocr.AS_PRINTED)
        assert character_error_rate(ocr.ocr_pdf_pages(data, [1], as_printed)[1], reference) > 0.5


def test_without_orientation_data_pages_are_read_as_printed_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A tesseract without `osd`: pages read with --psm 3, cached apart from a reading with the
    orientation detected, which is preferred when the cache has it."""
    calls = tmp_path / "calls.txt"
    fake = tmp_path / "bin" / "tesseract"
    fake.parent.mkdir()
    fake.write_text(
        '#!/bin/sh\ncase "$1" in\n--version) echo "tesseract 9.9.9";;\n'
        '--list-langs) printf "List of available languages (2):\\neng\\nfra\\n";;\n'
        f'*) echo "$@" >> {calls}; cat > /dev/null; echo "lu tel quel";;\nesac\n'
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake.parent))
    with caplog.at_level("WARNING", logger="indexer.ocr"):
        engine = ocr.tesseract()
    assert (engine.version, engine.orientation, engine.reading) == ("9.9.9", False, "9.9.9-as-printed")
    assert "tesseract-ocr-osd" in caplog.text

    cache = tmp_path / "cache"
    monkeypatch.setattr(ocr, "_cache_dir", cache)
    data = document_fixtures.documents()["scan"].read_bytes()
    assert ocr.ocr_pdf_pages(data, [0]) == {0: "lu tel quel\n"}
    assert "--psm 3" in calls.read_text()
    (stored,) = cache.glob("*/*/*.txt")
    assert stored.name == "9.9.9-as-printed.txt"
    (stored.parent / "9.9.9.txt").write_text("lu à l'endroit", encoding="utf-8")  # e.g. by another node
    assert ocr.ocr_pdf_pages(data, [0]) == {0: "lu à l'endroit"}
    assert len(calls.read_text().splitlines()) == 1


def test_the_cache_key_depends_on_what_the_page_draws_and_the_settings(tmp_path: Path) -> None:
    """The key comes from the page's objects (no rendering): equal for the same page in another file,
    different for another image, another place on the page, another rotation or other settings."""
    import pypdfium2 as pdfium

    def key(data: bytes, index: int, params: ExtractionParams = EXTRACTION) -> str:
        pdf = pdfium.PdfDocument(data)
        try:
            return ocr.page_key(pdf, index, params)
        finally:
            pdf.close()

    scan = document_fixtures.documents()["scan"].read_bytes()
    mixed = document_fixtures.documents()["mixed"].read_bytes()
    assert key(scan, 0) == key(scan, 0)
    assert len({key(scan, 0), key(scan, 1), key(mixed, 1)}) == 3
    assert key(scan, 0) != key(scan, 0, ExtractionParams(ocr_language="eng"))
    assert key(scan, 0) != key(scan, 0, ExtractionParams(ocr_page_segmentation=ocr.AS_PRINTED))
    assert key(scan, 0) != key(scan, 0, ExtractionParams(ocr_dpi=200))

    pdf = pdfium.PdfDocument(scan)
    pdf.del_page(1)
    alone = tmp_path / "page1.pdf"
    pdf.save(str(alone))  # the same page saved in another file: the same key
    page = pdf[0]
    page.set_rotation(90)
    turned = tmp_path / "turned.pdf"
    pdf.save(str(turned))
    page.set_rotation(0)
    image = next(page.get_objects(filter=[pdfium.raw.FPDF_PAGEOBJ_IMAGE]))
    image.transform(pdfium.PdfMatrix().translate(5, 0))
    page.gen_content()
    moved = tmp_path / "moved.pdf"
    pdf.save(str(moved))
    page.close()
    pdf.close()
    assert key(alone.read_bytes(), 0) == key(scan, 0)
    assert key(turned.read_bytes(), 0) != key(scan, 0)
    assert key(moved.read_bytes(), 0) not in {key(scan, 0), key(turned.read_bytes(), 0)}


def _two_pages(draw: Callable[[Any, int], None]) -> bytes:
    """Two 600 x 400 pt pages showing the same scanned image, each with `draw(canvas, page_number)`
    drawn before it (crop box, clipping) or after it (on top)."""
    import io

    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = Image.new("L", (1200, 800), 255)
    ImageDraw.Draw(image).text((50, 200), "GAUCHE                    DROITE", fill=0)
    png = io.BytesIO()
    image.save(png, "PNG")
    out = io.BytesIO()
    sheet = canvas.Canvas(out, pagesize=(600, 400))
    for number in range(2):
        before = draw in (_crop_halves, _clip_halves)
        if before:
            draw(sheet, number)
        sheet.drawImage(ImageReader(io.BytesIO(png.getvalue())), 0, 0, 600, 400)
        if not before:
            draw(sheet, number)
        sheet.showPage()
    sheet.save()
    return out.getvalue()


def _crop_halves(sheet: Any, number: int) -> None:  # a double-page scan split into two pages
    sheet.setCropBox((300 * number, 0, 300 * number + 300, 400))


def _clip_halves(sheet: Any, number: int) -> None:
    path = sheet.beginPath()
    path.rect(300 * number, 0, 300, 400)
    sheet.clipPath(path, stroke=0, fill=0)


def _triangle_up_or_down(sheet: Any, number: int) -> None:  # same bounds, same segment count
    path = sheet.beginPath()
    top, bottom = (300, 100) if number else (100, 300)
    path.moveTo(100, bottom)
    path.lineTo(300, bottom)
    path.lineTo(200, top)
    path.close()
    sheet.drawPath(path, fill=1, stroke=0)


def _white_or_black_box(sheet: Any, number: int) -> None:
    sheet.setFillGray(number)
    sheet.rect(100, 100, 200, 200, fill=1, stroke=0)


def _stamp_on_the_second(sheet: Any, number: int) -> None:
    if number:
        sheet.acroForm.textfield(name="tampon", value="Reçu le 15/03/2024", x=50, y=50, width=300, height=40)


@pytest.mark.parametrize(
    "draw", [_crop_halves, _clip_halves, _triangle_up_or_down, _white_or_black_box, _stamp_on_the_second]
)
def test_pages_drawn_differently_never_share_a_key(draw: Callable[[Any, int], None]) -> None:
    """Same image, different crop box, clipping, vector shape, colour or annotation: different keys
    (a shared key would give one page the other's text)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(_two_pages(draw))
    try:
        assert read_pdf(bytes(_two_pages(draw))).scanned == [0, 1]
        assert ocr.page_key(pdf, 0) != ocr.page_key(pdf, 1)
    finally:
        pdf.close()


def test_a_plain_scanned_page_is_keyed_without_rendering() -> None:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(document_fixtures.documents()["scan"].read_bytes())
    try:
        assert ocr._page_key(pdf, 0, EXTRACTION)[1] is None  # no rendering
    finally:
        pdf.close()
    crop = pdfium.PdfDocument(_two_pages(_clip_halves))
    try:
        assert ocr._page_key(crop, 0, EXTRACTION)[1] is not None  # clipped: its pixels decide
    finally:
        crop.close()


def test_a_cached_page_is_not_rendered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reading = document_fixtures.scan_reading()
    cache = tmp_path / "ocr"
    shutil.copytree(reading.cache, cache)
    monkeypatch.setattr(ocr, "_cache_dir", cache)

    def no_rendering(*args: object) -> None:
        raise AssertionError("a page in the cache was rendered")

    monkeypatch.setattr(ocr, "_render", no_rendering)
    data = document_fixtures.documents()["scan"].read_bytes()
    assert ocr.ocr_pdf_pages(data, [0, 1]) == reading.pages


def test_text_objects_are_hidden_only_when_asked() -> None:
    """A page whose text layer is kept (a stamp over a scan) is rendered without it; others with it."""
    import io

    import pypdfium2 as pdfium
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=(300, 200))
    sheet.setFont("Helvetica", 36)
    sheet.drawString(20, 80, "Rapport 2024")
    sheet.save()
    pdf = pdfium.PdfDocument(buffer.getvalue())
    try:
        shown = ocr._render(pdf, 0, EXTRACTION)
        hidden = ocr._render(pdf, 0, EXTRACTION, hide_text=True)
        again = ocr._render(pdf, 0, EXTRACTION)  # hiding is not kept on the page
    finally:
        pdf.close()
    assert shown.getextrema()[0] < 100 and again.getextrema()[0] < 100
    assert hidden.getextrema() == (255, 255)


def test_a_huge_page_is_rendered_under_the_pixel_cap(tmp_path: Path) -> None:
    """A 5 m wide page at 300 dpi would be 3.5 billion pixels: it is rendered smaller instead."""
    import io

    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=(14400, 14400))
    sheet.drawString(100, 100, "Affiche")
    sheet.save()
    params = ExtractionParams(ocr_max_pixels=1_000_000)
    image = ocr.render_page(buffer.getvalue(), 0, params)
    assert image.width * image.height <= 1_000_000 * 1.01
