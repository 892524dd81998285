"""What a bundle holds: documents, chunks (passages), citations, and the helpers that place an offset
in a document (its page, its section) or name a passage's context (its header)."""

from __future__ import annotations

import bisect
from dataclasses import asdict, dataclass, field

SECTION_SEPARATOR = " › "


@dataclass(frozen=True)
class DocumentMeta:
    """What citations show about a document."""

    id: str
    title: str
    organisation: str | None = None
    organisation_type: str | None = None
    territory: str | None = None
    year: int | None = None
    kind: str | None = None
    source_url: str | None = None
    inferred: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["inferred"] = list(self.inferred)
        return data


@dataclass(frozen=True)
class DocumentRecord:
    """A document of the bundle: metadata, cleaned text, page boundaries, section starts."""

    meta: DocumentMeta
    text: str
    content_hash: str
    page_starts: tuple[int, ...] | None
    sections: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class Chunk:
    """A passage of a document: `text == document_text[start:end]`; it runs from page `page` to page
    `page_end` (None when the document has no pages)."""

    id: str
    doc_id: str
    start: int
    end: int
    text: str
    section: str
    page: int | None
    page_end: int | None = None


@dataclass(frozen=True)
class Citation:
    """Where a passage or an answer comes from; start/end are offsets in the document text, `page`
    the page where the span starts and `page_end` the one where it ends (the same for a span on one
    page; both None when the document has no pages)."""

    document_id: str
    title: str
    organisation: str | None
    year: int | None
    kind: str | None
    section: str
    page: int | None
    start: int
    end: int
    page_end: int | None = None


def page_at(page_starts: tuple[int, ...] | None, offset: int) -> int | None:
    """1-based page holding `offset` given the start offsets of the pages; None when unpaged."""
    if not page_starts:
        return None
    return max(1, bisect.bisect_right(page_starts, offset))


def page_range(page_starts: tuple[int, ...] | None, start: int, end: int) -> tuple[int | None, int | None]:
    """First and last page of the span [start, end) (its last character's page); (None, None) when
    unpaged."""
    return page_at(page_starts, start), page_at(page_starts, max(start, end - 1))


def section_at(sections: list[tuple[int, str]] | tuple[tuple[int, str], ...], offset: int) -> str:
    """Section path governing `offset`, given the (start, path) of the document's sections."""
    index = bisect.bisect_right([start for start, _ in sections], offset) - 1
    return sections[index][1] if index >= 0 else ""


def passage_header(organisation: str | None, section: str) -> str:
    """Context prepended to a chunk for embedding and BM25: who wrote it and where it sits."""
    return " · ".join(part for part in (organisation, section) if part)


def embedded_passage(organisation: str | None, section: str, text: str) -> str:
    """A chunk as it is embedded and indexed: its header, a line break, its text."""
    return f"{passage_header(organisation, section)}\n{text}"
