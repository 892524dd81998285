"""What a submitted file really is, and whether it may enter the corpus: its type from its bytes (not
its name), and the limits that protect the build (pages, decompression bombs).

`inspect_file(path, limits)` returns an `Inspection` or raises `RejectedFileError` with a reason
code (`type`, `bomb`, `pages`, `corrupt`) and a message in French for the person who sent it.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from indexer.file_types import kind_by_bytes, office_suffix
from rapporteur.errors import RejectedFileError
from rapporteur.parameters import UPLOADS, UploadParams

TEXT_SUFFIXES = (".md", ".markdown", ".txt")


@dataclass(frozen=True)
class Inspection:
    """The file's type as its content says, the suffix it will be stored with, and its size."""

    kind: str  # pdf, docx, odt, html, text
    suffix: str
    size: int
    pages: int | None = None


def sniff(data: bytes, declared_suffix: str = "") -> tuple[str, str]:
    """(kind, suffix) from the first bytes; raises RejectedFileError for an unsupported type."""
    kind = kind_by_bytes(data)
    if kind is not None:
        return kind, {"pdf": ".pdf", "zip": "", "html": ".html"}[kind]
    if b"\x00" not in data[:2048]:
        try:
            data[:65536].decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < 65536 - 4:  # not a character cut at the end of the sample
                raise RejectedFileError(
                    "type", "Type de fichier non pris en charge : texte illisible (pas de l'UTF-8)."
                ) from exc
        return "text", declared_suffix if declared_suffix in TEXT_SUFFIXES else ".txt"
    raise RejectedFileError(
        "type", "Type de fichier non pris en charge : envoyez un PDF, un .docx, un .odt, une page HTML ou du texte."
    )


def _office_kind(path: Path, limits: UploadParams) -> tuple[str, str]:
    """docx or odt, after checking the archive is not a decompression bomb."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > limits.max_archive_members:
                raise RejectedFileError("bomb", "Archive refusée : trop de fichiers à l'intérieur.")
            unpacked = sum(m.file_size for m in members)
            packed = max(1, sum(m.compress_size for m in members))
            if unpacked > limits.max_unpacked_bytes or unpacked / packed > limits.max_compression_ratio:
                raise RejectedFileError(
                    "bomb", "Fichier refusé : son contenu décompressé serait démesuré (bombe de décompression)."
                )
            names = {m.filename for m in members}
            suffix = office_suffix(names, archive.read("mimetype") if "mimetype" in names else None)
            if suffix is not None:
                return suffix[1:], suffix
    except RejectedFileError:
        raise
    except Exception as exc:  # zipfile raises many types (encrypted members, unknown compression…)
        raise RejectedFileError("corrupt", "Fichier illisible : archive endommagée ou chiffrée.") from exc
    raise RejectedFileError("type", "Type de fichier non pris en charge : seuls les .docx et .odt sont acceptés.")


def _pdf_pages(path: Path) -> int:
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise RejectedFileError("corrupt", "PDF illisible (endommagé ou protégé par un mot de passe).") from exc
    try:
        return len(document)
    finally:
        document.close()


def inspect_file(
    path: Path, declared_name: str = "", max_pages: int = 2000, limits: UploadParams = UPLOADS
) -> Inspection:
    """Type and size of the file at `path` (sent as `declared_name`); RejectedFileError when refused."""
    size = path.stat().st_size
    if size == 0:
        raise RejectedFileError("empty", "Fichier vide.")
    with path.open("rb") as fh:
        head = fh.read(65536)
    kind, suffix = sniff(head, Path(declared_name).suffix.lower())
    pages = None
    if kind == "zip":
        kind, suffix = _office_kind(path, limits)
    elif kind == "pdf":
        pages = _pdf_pages(path)
        if pages > max_pages:
            raise RejectedFileError("pages", f"PDF refusé : {pages} pages, au plus {max_pages} par document.")
    return Inspection(kind, suffix, size, pages)
