"""What a file is by its bytes, not its name: a PDF, an office archive or a web page.

Shared by the upload checks (`indexer.inspection`) and the loaders (`indexer.loaders`, which read a
misnamed corpus file as what it is); free of the upload limits, so that the build's fingerprint
does not depend on them.
"""

from __future__ import annotations

from collections.abc import Collection

ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"  # the first member of an .odt archive
_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<title")


def kind_by_bytes(data: bytes) -> str | None:
    """ "pdf", "zip" (an office file, told apart by its members: `office_suffix`) or "html" from the
    first bytes; None for anything else (text, or an unsupported type)."""
    head = data[:2048]
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith(_HTML_STARTS) or (stripped.startswith(b"<!--") and b"<html" in head.lower()):
        return "html"
    return None


def office_suffix(members: Collection[str], mimetype: bytes | None) -> str | None:
    """ ".docx" or ".odt" from an archive's member names and its `mimetype` member; None otherwise."""
    if "word/document.xml" in members:
        return ".docx"
    if "mimetype" in members and mimetype is not None and mimetype.strip() == ODT_MIMETYPE:
        return ".odt"
    return None
