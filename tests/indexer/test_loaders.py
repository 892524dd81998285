from pathlib import Path

import pytest

from indexer.loaders import load_file
from rapporteur.bundle.model import page_at
from rapporteur.errors import LoaderError


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
        ("latin1.txt", "Département écologie".encode("latin-1") * 5, "UTF-8"),
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
