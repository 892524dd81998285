import logging
import subprocess
import sys
from pathlib import Path

import document_fixtures
import pytest

from indexer import ocr
from indexer.chunking import section_starts
from indexer.corpus import infer_meta
from indexer.loaders import load_file
from indexer.pdf_text import read_pdf
from rapporteur.bundle.model import page_at
from rapporteur.errors import LoaderError, OcrUnavailableError


def make_pdf(path: Path, pages: list[list[str]]) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setTitle("Rapport de test")
    for lines in pages:
        y = 800
        for line in lines:
            pdf.drawString(60, y, line)
            y -= 18
        pdf.showPage()
    pdf.save()
    return path


def test_txt_and_md(tmp_path: Path):
    (tmp_path / "a.txt").write_text("Le Département de l\u2019Ain\n\n\n\naide les collèges.", encoding="utf-8")
    doc = load_file(tmp_path / "a.txt")
    assert doc.text == "Le Département de l'Ain\n\naide les collèges."
    assert doc.page_starts is None and page_at(doc.page_starts, 5) is None


def test_html_drops_scripts_and_marks_headings(tmp_path: Path):
    html = (
        "<html><head><title>Rapport 2023</title><script>alert(1)</script></head><body>"
        "<h1>Budget</h1><p>Le budget s&#39;élève à 2,9&nbsp;milliards.</p><style>p{}</style></body></html>"
    )
    (tmp_path / "r.html").write_text(html, encoding="utf-8")
    doc = load_file(tmp_path / "r.html")
    assert "alert" not in doc.text and "p{}" not in doc.text
    assert "# Budget" in doc.text
    assert "Le budget s'élève à 2,9 milliards." in doc.text
    assert doc.title_hint == "Rapport 2023"


def test_pdf_keeps_page_numbers(tmp_path: Path):
    path = make_pdf(
        tmp_path / "r.pdf",
        [
            ["Rapport d'activité", "La crèche compte 60 places."],
            ["Routes", "Le pont de la Durance a été rénové."],
        ],
    )
    doc = load_file(path)
    assert len(doc.page_starts) == 2
    offset = doc.text.index("pont de la Durance")
    assert page_at(doc.page_starts, offset) == 2
    assert page_at(doc.page_starts, doc.text.index("crèche")) == 1
    assert doc.title_hint == "Rapport de test"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.md", b"   \n\n", "empty"),
        ("binary.txt", b"\x00\x01\x02ELF\x00" * 50, "binary"),
        ("broken.pdf", b"%PDF-1.4\n garbage \x00\x01 not a pdf", "PDF"),
        ("image.png", b"\x89PNG....", "unsupported"),
    ],
)
def test_bad_files_raise_a_clear_error(tmp_path: Path, name: str, content: bytes, message: str):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LoaderError, match=message) as info:
        load_file(path)
    assert name in str(info.value)


def test_windows_1252_text_is_read_with_a_warning_naming_it(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    path = tmp_path / "note-bloc-notes.txt"
    path.write_bytes("Le Département aide l’écologie : 1 200 € versés.".encode("cp1252"))
    with caplog.at_level("WARNING"):
        doc = load_file(path)
    assert doc.text == "Le Département aide l'écologie : 1 200 € versés."
    assert "note-bloc-notes.txt" in caplog.text and "Windows-1252" in caplog.text


def test_a_web_page_is_read_in_the_character_set_it_declares(tmp_path: Path):
    path = tmp_path / "actualite.html"
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
        "<title>Plan grand froid</title></head><body><main><h1>Plan grand froid</h1>"
        "<p>La Ville ouvre un accueil de nuit pour les personnes sans abri, tous les soirs de décembre.</p>"
        "</main></body></html>"
    )
    path.write_bytes(page.encode("latin-1"))
    assert "personnes sans abri, tous les soirs de décembre" in load_file(path).text


# -- generated documents (tests/document_fixtures.py) ----------------------------------------------


def _norm(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").split())


@pytest.fixture(scope="module")
def docs() -> dict[str, Path]:
    return document_fixtures.documents()


@pytest.mark.parametrize("name", ["report", "report_rows"])
def test_two_column_pdf_reads_in_order_with_tables_as_rows_and_pages_kept(docs: dict[str, Path], name: str):
    path = docs[name]
    doc = load_file(path)
    truth = document_fixtures.truth(path)
    assert doc.page_starts is not None and len(doc.page_starts) == len(truth["pages"]) == 3
    ends = [*doc.page_starts[1:], len(doc.text)]  # a page ends with the blank line or space before the next
    for number, page in enumerate(truth["pages"], 1):
        page_text = _norm(doc.text[doc.page_starts[number - 1] : ends[number - 1]])
        last = -1
        for segment in page["segments"]:  # in reading order, on their own page
            if segment["kind"] == "table":
                continue
            key = _norm(segment["text"])[:60]
            at = page_text.find(key, last + 1)
            assert at > last, f"page {number}: {key!r} out of order"
            last = at
        for paragraph in page["paragraphs"]:
            assert _norm(paragraph) in page_text
    lines = doc.text.split("\n")
    for row in document_fixtures.TABLE_ROWS:
        assert " | ".join(row) in lines  # one row per line, nothing else on it
    table_at = doc.text.index(" | ".join(document_fixtures.TABLE_ROWS[0]))
    assert doc.text[table_at - 2 : table_at] == "\n\n"  # not interleaved with the body
    sentence = document_fixtures.CROSS_COLUMN_SENTENCE
    assert sentence in " ".join(doc.text.split()), "the sentence that runs across columns is whole"
    start = doc.text.index("Grâce au plan")
    assert "\n\n" not in doc.text[start : doc.text.index("l'année.", start)]  # one paragraph
    assert page_at(doc.page_starts, start) == 2
    assert document_fixtures.HEADER not in doc.text and "Page 2" not in doc.text  # repeated lines removed
    assert doc.title_hint == "Rapport d'activité 2023" and doc.author_hint == "Département de l'Ain"


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_a_turned_pdf_page_reads_as_the_upright_one(docs: dict[str, Path], tmp_path: Path, turn: int) -> None:
    """Pages with a /Rotate entry (a landscape annex, a sheet saved sideways) read in the same order."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(docs["report"].read_bytes())
    for index in range(len(pdf)):
        pdf[index].set_rotation(turn)
    turned = tmp_path / "turned.pdf"
    pdf.save(str(turned))
    pdf.close()
    upright = load_file(docs["report"])
    doc = load_file(turned)
    assert (doc.text, doc.page_starts) == (upright.text, upright.page_starts)


def test_words_hyphenated_at_a_line_end_are_whole_again(tmp_path: Path) -> None:
    """pdfium marks a hyphen that ends a line with \\x02: the word is joined again ("dépar-" +
    "tement"), a compound keeps its hyphen ("Aix-en-" + "Provence", "sous-" + "préfet"), also across
    two columns."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "justified.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    column_1 = [
        "Le conseil a voté le budget du dépar-",
        "tement pour les collèges et les ser-",
        "vices sociaux d'Aix-en-",
    ]
    column_2 = ["Provence, dont la médiathèque inter-", "communale rouvre en juin, a dit le sous-", "préfet."]
    for x, lines in ((60, column_1), (320, column_2)):
        y = 800
        for line in lines:
            pdf.drawString(x, y, line)
            y -= 14
    pdf.save()
    text = " ".join(load_file(path).text.split())
    assert text == (
        "Le conseil a voté le budget du département pour les collèges et les services sociaux "
        "d'Aix-en-Provence, dont la médiathèque intercommunale rouvre en juin, a dit le sous-préfet."
    )


def test_a_bulleted_page_is_not_cut_into_columns(docs: dict[str, Path]):
    doc = load_file(docs["bullets"])
    lines = {_norm(line) for line in doc.text.split("\n")}
    for item in document_fixtures.truth(docs["bullets"])["items"]:
        assert _norm(f"• {item}") in lines


@pytest.mark.parametrize("name", ["docx", "odt"])
def test_office_documents_keep_headings_tables_and_metadata(docs: dict[str, Path], name: str):
    doc = load_file(docs[name])
    assert doc.text.startswith("# Introduction\n\n")
    assert "\n\n# Les actions de l'année\n\n## Insertion et emploi\n\n" in doc.text
    assert "\n".join(" | ".join(row) for row in document_fixtures.TABLE_ROWS) in doc.text
    sections = [path for _, path in section_starts(doc.text)]
    assert "Les actions de l'année › Insertion et emploi" in sections
    assert doc.title_hint == document_fixtures.OFFICE_TITLE and document_fixtures.OFFICE_TITLE not in doc.text
    assert doc.author_hint == document_fixtures.OFFICE_AUTHOR
    assert doc.date_hint == "2024-03-15" and doc.page_starts is None


@pytest.mark.parametrize("name", ["web", "web_divs"])
def test_web_page_keeps_the_article_only(docs: dict[str, Path], name: str):
    doc = load_file(docs[name])
    for item in document_fixtures.NAV_ITEMS[1:]:
        assert item not in doc.text
    for noise in ("cookies", "Mentions légales", "Plan du site", "À lire aussi", "Partager", "Rechercher"):
        assert noise not in doc.text
    truth = document_fixtures.truth(docs[name])
    assert doc.text.startswith(f"# {document_fixtures.WEB_TITLE}\n")
    assert "\n## Des travaux de rénovation énergétique\n" in doc.text
    for paragraph in truth["paragraphs"]:
        assert paragraph in doc.text
    assert doc.title_hint == document_fixtures.WEB_TITLE
    assert doc.date_hint == document_fixtures.WEB_DATE


def test_html_text_outside_paragraphs_is_kept(tmp_path: Path):
    (tmp_path / "p.html").write_text(
        "<html><body><div>Le conseil municipal a voté <b>le budget</b> des écoles.<br>Deuxième ligne du texte."
        "</div><div class='action-sociale'><p>L'action sociale reste au programme.</p></div></body></html>",
        encoding="utf-8",
    )
    doc = load_file(tmp_path / "p.html")
    assert doc.text == (
        "Le conseil municipal a voté le budget des écoles.\n\nDeuxième ligne du texte.\n\n"
        "L'action sociale reste au programme."
    )


@pytest.mark.parametrize("name", ["r.docx", "r.odt"])
def test_damaged_office_files_raise_a_clear_error(tmp_path: Path, name: str):
    path = tmp_path / name
    path.write_bytes(b"PK\x03\x04 not really a zip archive" * 10)
    with pytest.raises(LoaderError, match="corrupt") as info:
        load_file(path)
    assert name in str(info.value)


def _without_tesseract(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir(exist_ok=True)
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(ocr, "_cache_dir", None)
    monkeypatch.delenv(ocr.CACHE_ENV, raising=False)


def test_without_tesseract_a_scanned_page_is_left_out_with_a_warning(
    docs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    _without_tesseract(monkeypatch, tmp_path)
    with caplog.at_level(logging.WARNING, logger="indexer.loaders"):
        doc = load_file(docs["mixed"])
    assert doc.text.startswith(document_fixtures.MIXED_TEXT_PAGE) and len(doc.page_starts) == 2
    messages = [r.getMessage() for r in caplog.records]
    assert any("mixed_annex.pdf" in m and "page(s) 2" in m and "tesseract is not installed" in m for m in messages)
    with pytest.raises(OcrUnavailableError, match=r"scan_300dpi\.pdf.*tesseract-ocr"):
        load_file(docs["scan"])


@pytest.mark.skipif(not ocr.ocr_available(), reason="tesseract with French data is not installed")
def test_a_scan_under_a_digital_stamp_is_read_by_ocr(tmp_path: Path) -> None:
    """A scanned deliberation with the prefecture's stamp as a text layer: the body is read, stamp included."""
    from test_ocr import character_error_rate

    path = document_fixtures.stamped_scan_pdf(tmp_path)
    content = read_pdf(path.read_bytes())
    assert (content.scanned, content.overlaid) == ([], [0, 1])
    doc = load_file(path)
    reference = path.with_suffix(".txt").read_text(encoding="utf-8").split("\f")
    ends = [*doc.page_starts[1:], len(doc.text)]
    for number, (start, end) in enumerate(zip(doc.page_starts, ends, strict=True), 1):
        page = doc.text[start:end]
        assert page.startswith(document_fixtures.STAMP)  # the layer's exact text, once: OCR reads the scan only
        assert page.count("Reçu le") == 1 and page.count("Accusé") == 1
        body = page[len(document_fixtures.STAMP) :]
        assert character_error_rate(body, reference[number - 1]) <= 0.03, f"page {number}"


@pytest.mark.skipif(not ocr.ocr_available(), reason="tesseract with French data is not installed")
def test_a_photo_under_a_caption_keeps_its_text_layer(tmp_path: Path) -> None:
    path = document_fixtures.photo_page_pdf(tmp_path)
    assert read_pdf(path.read_bytes()).overlaid == [0]  # looked at by OCR, which reads no more than the caption
    assert load_file(path).text == document_fixtures.PHOTO_CAPTION


@pytest.mark.skipif(not ocr.ocr_available(), reason="tesseract with French data is not installed")
def test_a_cover_with_a_short_title_and_a_logo_keeps_its_title(tmp_path: Path) -> None:
    """Under 20 characters and an image: the page is read by OCR, which must see the title too."""
    from PIL import Image
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    path = tmp_path / "couverture.pdf"
    sheet = canvas.Canvas(str(path), pagesize=A4)
    sheet.drawImage(ImageReader(Image.new("RGB", (80, 80), (20, 90, 160))), 40, 740, 80, 80)
    sheet.setFont("Helvetica", 36)
    sheet.drawString(100, 600, "Rapport 2024")
    sheet.showPage()
    sheet.setFont("Helvetica", 11)
    sheet.drawString(60, 780, "Le conseil départemental a voté un plan de soutien aux collèges.")
    sheet.showPage()
    sheet.save()
    assert read_pdf(path.read_bytes()).scanned == [0]
    assert load_file(path).text.startswith("Rapport 2024\n\nLe conseil départemental")


def test_without_tesseract_a_stamped_scan_keeps_its_stamp_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = document_fixtures.stamped_scan_pdf(tmp_path / "docs")
    _without_tesseract(monkeypatch, tmp_path)
    with caplog.at_level(logging.WARNING, logger="indexer.loaders"):
        doc = load_file(path)
    assert doc.text.split("\n\n") == [document_fixtures.STAMP] * 2
    assert "page(s) 1, 2 show a scan under a short text layer" in caplog.text


def test_without_the_french_data_ocr_says_what_to_install(
    docs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    _without_tesseract(monkeypatch, tmp_path)
    fake = tmp_path / "empty-bin" / "tesseract"
    fake.write_text('#!/bin/sh\ncase "$1" in --version) echo "tesseract 5.0.0";; *) echo "eng";; esac\n')
    fake.chmod(0o755)
    with pytest.raises(OcrUnavailableError, match=r"'fra' language data.*tesseract-ocr-fra"):
        load_file(docs["scan"])


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("report", {"title": "Rapport d'activité 2023", "organisation": "Département de l'Ain", "year": 2023,
                    "territory": "dep:01", "organisation_type": "département", "kind": "rapport d'activité"}),
        ("docx", {"title": document_fixtures.OFFICE_TITLE, "organisation": "Département de l'Ain", "year": 2023,
                  "territory": "dep:01", "kind": "rapport d'activité"}),
        ("web", {"title": document_fixtures.WEB_TITLE, "organisation": "Département de l'Ain", "year": 2023,
                 "kind": "article"}),
    ],
)  # fmt: skip
def test_unlisted_documents_get_metadata_from_the_file_and_the_text(
    docs: dict[str, Path], name: str, expected: dict[str, object]
):
    doc = load_file(docs[name])
    meta = infer_meta(
        name, doc.text, doc.title_hint, date_hint=doc.date_hint, author_hint=doc.author_hint, kind_hint=doc.kind_hint
    )
    assert {key: getattr(meta, key) for key in expected} == expected
    assert set(expected) <= set(meta.inferred)


def test_a_text_that_names_no_authority_gets_its_departement_from_its_places():
    text = (
        "Délibération n° 2023-41 du conseil départemental\n\nLes routes du Bugey, de la Dombes et du pays de Gex "
        "ont été rénovées, ainsi que le collège d'Oyonnax."
    )
    meta = infer_meta("d", text)
    assert (meta.organisation, meta.territory, meta.year, meta.kind) == (
        "Département de l'Ain",
        "dep:01",
        2023,
        "délibération",
    )
    assert infer_meta("c", "Compte rendu\n\nLes routes du Bugey et de la Dombes.").organisation is None


def test_an_authority_in_a_capitalised_letterhead_is_read():
    text = (
        "RÉPUBLIQUE FRANÇAISE\nCOMMUNE DE SAINT-JUST-SAINT-RAMBERT\n\nEXTRAIT DU REGISTRE DES DÉLIBÉRATIONS\n\n"
        "Le conseil municipal fixe le prix du repas de la cantine à 3,10 euros."
    )
    meta = infer_meta("deliberation", text)
    assert meta.organisation == "Commune de Saint-Just-Saint-Rambert"
    assert meta.territory is not None and meta.territory.startswith("com:")


def test_an_act_is_titled_by_its_object_not_by_the_republic():
    text = (
        "RÉPUBLIQUE FRANÇAISE\nCOMMUNE DE SAINT-JUST-SAINT-RAMBERT\nDélibération n° 2024-037\n"
        "Objet : Tarifs de la restauration scolaire\n\nLe conseil municipal fixe le prix du repas à 3,10 euros."
    )
    assert infer_meta("d", text).title == "Tarifs de la restauration scolaire"
    assert infer_meta("n", "RÉPUBLIQUE FRANÇAISE\nNote sur les tarifs\n\nLe texte suit.").title == "Note sur les tarifs"


def test_a_published_article_keeps_its_date_and_amounts_are_not_years():
    article = "Les travaux seront finis à la rentrée 2024, pour 2000 euros par classe."
    published = infer_meta("a", article, "Rénovation des écoles", date_hint="2023-09-18", kind_hint="article")
    assert published.year == 2023
    assert infer_meta("b", "Une aide de 2000 euros, 1500 € pour les autres, versée en 2021.").year == 2021


def test_a_file_is_read_as_what_it_is_whatever_its_name(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    pdf = make_pdf(tmp_path / "source.pdf", [["Le conseil a voté le budget des écoles de la commune en 2024."]])
    named_txt = tmp_path / "budget.txt"
    named_txt.write_bytes(pdf.read_bytes())
    with caplog.at_level("WARNING"):
        doc = load_file(named_txt)
    assert "budget des écoles" in doc.text
    assert "budget.txt" in caplog.text and "a PDF named .txt" in caplog.text


def test_placeholder_titles_are_dropped(tmp_path: Path):
    path = make_pdf(tmp_path / "notes.pdf", [["Le conseil a voté le budget des écoles de la commune."]])
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path))
    pdf.drawString(60, 800, "Le conseil a voté le budget des écoles de la commune.")
    pdf.save()  # reportlab's defaults: title "untitled", author "anonymous"
    doc = load_file(path)
    assert doc.title_hint is None and doc.author_hint is None


def test_the_service_never_loads_the_extractors():
    code = (
        "import service.app, sys; print(' '.join(m for m in sys.modules if m.split('.')[0] in "
        "('pypdfium2', 'pypdfium2_raw', 'docx', 'odf', 'selectolax', 'PIL', 'indexer')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.split() == []


def test_a_layout_file_name_is_not_a_title(tmp_path: Path):
    from reportlab.pdfgen import canvas

    path = tmp_path / "rapport.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.setTitle("RA2023_BAT_v4.indd")
    pdf.drawString(60, 800, "Rapport d'activité 2023 de la commune, services et chiffres clés.")
    pdf.save()
    assert load_file(path).title_hint is None
