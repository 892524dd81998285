"""Structure-aware chunking: sections from headings, then size-bounded pieces with exact offsets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from indexer.sections import Heading, find_headings
from rapporteur.bundle.model import SECTION_SEPARATOR, Chunk
from rapporteur.parameters import CHUNKING, ChunkingParams


@dataclass(frozen=True)
class _Block:
    start: int
    end: int
    path: tuple[str, ...]


def _blocks(text: str, headings: list[Heading]) -> list[_Block]:
    """Split the document at headings; each block carries its section path."""
    blocks: list[_Block] = []
    stack: list[tuple[int, str]] = []
    bounds = [h.start for h in headings] + [len(text)]
    if not headings or headings[0].start > 0:
        blocks.append(_Block(0, bounds[0], ()))
    for i, heading in enumerate(headings):
        while stack and stack[-1][0] >= heading.level:
            stack.pop()
        stack.append((heading.level, heading.title))
        blocks.append(_Block(heading.start, bounds[i + 1], tuple(title for _, title in stack)))
    return [b for b in blocks if text[b.start : b.end].strip()]


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _split_long(text: str, start: int, end: int, splitter: RecursiveCharacterTextSplitter) -> list[tuple[int, int]]:
    """Pieces of text[start:end] from the splitter, located back in the document."""
    segment = text[start:end]
    spans: list[tuple[int, int]] = []
    cursor = 0
    for piece in splitter.split_text(segment):
        pos = segment.find(piece, cursor)
        if pos < 0:  # the splitter only returns substrings; guard against surprises
            pos = segment.find(piece)
        if pos < 0:
            continue
        spans.append((start + pos, start + pos + len(piece)))
        cursor = pos + 1
    return spans


def section_starts(text: str) -> list[tuple[int, str]]:
    """(offset, section path) at each heading of `text`, for citing any span precisely."""
    return [(b.start, SECTION_SEPARATOR.join(b.path)) for b in _blocks(text, find_headings(text))]


def chunk_text(
    doc_id: str,
    text: str,
    params: ChunkingParams = CHUNKING,
    page_at: Callable[[int], int | None] = lambda _offset: None,
) -> list[Chunk]:
    """Chunks of one cleaned document, in reading order, each with its section path and page."""
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=params.chunk_size,
        chunk_overlap=params.chunk_overlap,
        separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""],
        keep_separator="end",
        strip_whitespace=True,
    )
    groups: list[tuple[int, int, tuple[str, ...]]] = []
    for block in _blocks(text, find_headings(text)):
        if groups:
            g_start, g_end, g_path = groups[-1]
            same_part = g_path[:1] == block.path[:1]
            small = (g_end - g_start) < params.min_chunk_size
            if small or (same_part and block.end - g_start <= params.chunk_size):
                groups[-1] = (g_start, block.end, g_path or block.path)
                continue
        groups.append((block.start, block.end, block.path))

    spans: list[tuple[int, int, tuple[str, ...]]] = []
    for g_start, g_end, path in groups:
        g_start, g_end = _strip_span(text, g_start, g_end)
        if g_end <= g_start:
            continue
        if g_end - g_start <= params.chunk_size:
            spans.append((g_start, g_end, path))
        else:
            spans.extend((s, e, path) for s, e in _split_long(text, g_start, g_end, splitter))

    chunks = []
    for i, (start, end, path) in enumerate(spans):
        start, end = _strip_span(text, start, end)
        if end > start:
            chunks.append(
                Chunk(
                    f"{doc_id}#{i}",
                    doc_id,
                    start,
                    end,
                    text[start:end],
                    SECTION_SEPARATOR.join(path),
                    page_at(start),
                    page_at(end - 1),
                )
            )
    return chunks
