"""What a submitted file is (indexer/inspection.py): its type from its bytes, not its name, and the
limits that protect the build, each refusal with its reason code and a French message."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from indexer.inspection import Inspection, inspect_file, sniff
from rapporteur.errors import RejectedFileError
from rapporteur.parameters import UploadParams


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _pdf(path: Path, pages: int) -> Path:
    document = pdfium.PdfDocument.new()
    for _ in range(pages):
        document.new_page(595, 842)
    document.save(str(path))
    document.close()
    return path


def _refusal(path: Path, name: str = "", **kwargs: object) -> RejectedFileError:
    with pytest.raises(RejectedFileError) as caught:
        inspect_file(path, name, **kwargs)  # type: ignore[arg-type]
    return caught.value


@pytest.mark.parametrize(
    ("head", "declared", "expected"),
    [
        (b"%PDF-1.7\n...", ".txt", ("pdf", ".pdf")),  # the bytes win over the name
        (b"PK\x03\x04rest", ".pdf", ("zip", "")),
        (b"\xef\xbb\xbf  <!DOCTYPE html><html>", "", ("html", ".html")),
        (b"<!-- saved page -->\n<html lang='fr'>", ".txt", ("html", ".html")),
        (b"# Rapport 2023\n\nLa cr\xc3\xa8che.", ".md", ("text", ".md")),
        (b"Rapport 2023", ".pdf", ("text", ".txt")),  # a text named .pdf is stored as text
    ],
)
def test_the_type_comes_from_the_bytes(head: bytes, declared: str, expected: tuple[str, str]) -> None:
    assert sniff(head, declared) == expected


def test_text_must_be_utf8_but_a_character_cut_at_the_sample_end_is_not_held_against_it() -> None:
    with pytest.raises(RejectedFileError, match="pas de l'UTF-8") as caught:
        sniff("Région".encode("latin-1"), ".txt")
    assert caught.value.reason == "type"
    cut = b"a" * (65536 - 1) + "é".encode()  # the 64 KiB sample ends inside « é »
    assert sniff(cut, ".txt") == ("text", ".txt")
    with pytest.raises(RejectedFileError, match="envoyez un PDF") as binary:
        sniff(b"\x7fELF\x02\x01\x01\x00", ".pdf")
    assert binary.value.reason == "type"


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    assert _refusal(_write(tmp_path / "vide.md", b"")).reason == "empty"


def test_a_pdf_is_counted_in_pages_and_refused_over_the_limit(tmp_path: Path) -> None:
    pdf = _pdf(tmp_path / "rapport.pdf", 3)
    assert inspect_file(pdf, "rapport.pdf") == Inspection("pdf", ".pdf", pdf.stat().st_size, 3)
    refused = _refusal(pdf, "rapport.pdf", max_pages=2)
    assert refused.reason == "pages" and "3 pages, au plus 2" in str(refused)
    assert _refusal(_write(tmp_path / "abime.pdf", b"%PDF-1.7\n" + b"0" * 400)).reason == "corrupt"


def test_office_files_are_told_apart_by_their_members(tmp_path: Path) -> None:
    docx = _write(tmp_path / "a.bin", _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}))
    assert inspect_file(docx, "rapport.odt").kind == "docx" and inspect_file(docx).suffix == ".docx"
    odt = _write(tmp_path / "b.bin", _zip({"mimetype": b"application/vnd.oasis.opendocument.text"}))
    assert (inspect_file(odt).kind, inspect_file(odt).suffix) == ("odt", ".odt")
    other = _write(tmp_path / "c.zip", _zip({"photo.jpg": b"\xff\xd8"}))
    assert _refusal(other).reason == "type"
    assert _refusal(_write(tmp_path / "d.docx", b"PK\x03\x04" + b"\0" * 100)).reason == "corrupt"


def test_decompression_bombs_are_refused(tmp_path: Path) -> None:
    ratio = _write(tmp_path / "bomb.docx", _zip({"word/document.xml": b"\0" * (2 * 1024 * 1024)}))
    refused = _refusal(ratio)
    assert refused.reason == "bomb" and "bombe de décompression" in str(refused)
    big = UploadParams(max_unpacked_bytes=1000, max_compression_ratio=1e9)
    text = _write(tmp_path / "big.docx", _zip({"word/document.xml": b"x" * 2000}))
    assert _refusal(text, limits=big).reason == "bomb"
    members = {"word/document.xml": b"<w/>", **{f"word/media/{i}.xml": b"<w/>" for i in range(4)}}
    many = _write(tmp_path / "many.docx", _zip(members))
    assert _refusal(many, limits=UploadParams(max_archive_members=4)).reason == "bomb"
    assert inspect_file(many, limits=UploadParams(max_archive_members=5)).kind == "docx"
