"""One corpus file cut for the bundle: `cut_document` loads it, cleans it, cuts it into sections,
chunks and sentences, analyses its passages, and derives what the corpus-wide data need of it
(acronym definitions, vocabulary, places named, headings). It depends on that file alone, so that
documents can be cut in worker processes while the build writes the ones already cut. What the
indexer's modules warn about while a file is cut (pages left unread by OCR…) travels with the result,
so that the build logs it wherever the file was cut (a worker process or a Ray worker has no log the
build reads).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from indexer.acronyms import acronym_definitions
from indexer.chunking import chunk_text, section_starts
from indexer.corpus import CorpusEntry, infer_meta
from indexer.derived import is_glossary, places_named
from indexer.loaders import load_file
from indexer.periods import years_reported
from indexer.sentences import sentence_spans
from rapporteur.bundle.model import DocumentRecord, embedded_passage, page_at
from rapporteur.bundle.writer import DocumentParts
from rapporteur.errors import LoaderError
from rapporteur.parameters import CHUNKING, ChunkingParams
from rapporteur.text.analyzer import analyze, folded_words
from rapporteur.text.places import default_gazetteer


@dataclass
class CutDocument:
    """A document ready for the writer, with its share of the corpus-wide data."""

    parts: DocumentParts
    acronyms: Counter[tuple[str, str]]
    vocabulary: Counter[str]
    places: list[dict[str, object]]
    headings: list[str] = field(default_factory=list)  # section paths of its sections and chunks
    source: str = ""  # the file it was cut from
    warnings: list[str] = field(default_factory=list)  # logged while it was cut, for the build to log


@dataclass(frozen=True)
class Skipped:
    """A file that could not be indexed, and why."""

    path: str
    reason: str
    warnings: tuple[str, ...] = ()  # logged before it was given up, for the build to log


class _Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
        self.records.append(record)


@contextlib.contextmanager
def warnings_kept() -> Iterator[list[str]]:
    """The warnings the indexer's modules log inside the block, kept in the list it yields instead
    of logged; logged as usual if the block raises. Not thread-safe: one document is cut at a time
    in a process."""
    logger = logging.getLogger("indexer")
    kept = _Kept()
    handlers, propagate = logger.handlers, logger.propagate
    logger.handlers, logger.propagate = [kept], False
    try:
        yield kept.messages
    except BaseException:
        logger.handlers, logger.propagate = handlers, propagate
        for record in kept.records:  # as they would have been: their logger, level and traceback
            logger.handle(record)
        raise
    finally:
        logger.handlers, logger.propagate = handlers, propagate


def vocabulary_of(text: str) -> Counter[str]:
    """Folded words of `text` with their counts (no numbers, no single letters): for spelling
    correction and suggestions."""
    return Counter(w for w in folded_words(text) if len(w) > 1 and not w.isdigit())


def cut_document(
    entry: CorpusEntry, params: ChunkingParams = CHUNKING, data: bytes | None = None
) -> CutDocument | Skipped:
    """Cut one corpus file (from `data` when its bytes were read already), or say why it cannot be
    indexed; either way with the warnings logged meanwhile."""
    with warnings_kept() as warnings:
        result = _cut(entry, params, data)
    if isinstance(result, Skipped):
        return Skipped(result.path, result.reason, tuple(warnings))
    result.warnings = warnings
    return result


def _cut(entry: CorpusEntry, params: ChunkingParams, data: bytes | None) -> CutDocument | Skipped:
    try:
        loaded = load_file(entry.path, data)
    except LoaderError as exc:
        return Skipped(str(entry.path), str(exc))
    text = loaded.text
    meta = entry.meta or infer_meta(
        entry.doc_id,
        text,
        loaded.title_hint,
        date_hint=loaded.date_hint,
        author_hint=loaded.author_hint,
        kind_hint=loaded.kind_hint,
    )
    record = DocumentRecord(
        meta,
        text,
        hashlib.sha256(text.encode()).hexdigest(),
        loaded.page_starts,
        tuple(section_starts(text)),
    )
    chunks = chunk_text(meta.id, text, params, functools.partial(page_at, record.page_starts))
    sentences = sentence_spans(text)
    stats: dict[str, object] = {
        "characters": len(text),
        "chunks": len(chunks),
        "sentences": len(sentences),
        "pages": len(record.page_starts) if record.page_starts else None,
        "years_reported": years_reported(text, meta.year),
    }
    parts = DocumentParts(
        record,
        chunks,
        sentences,
        [analyze(embedded_passage(meta.organisation, c.section, c.text)) for c in chunks],
        [is_glossary(c.text) for c in chunks],
        stats,
    )
    return CutDocument(
        parts,
        acronym_definitions(text),
        vocabulary_of(text),
        places_named([text], default_gazetteer()),
        [path for _, path in record.sections] + [c.section for c in chunks],
        str(entry.path),
    )
