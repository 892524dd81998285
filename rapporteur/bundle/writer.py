"""Writing a bundle while the build streams its documents, in memory that does not grow with the
texts: each document's text goes to `texts.bin` as it comes, its rows to small integer arrays, its
passage terms to the lexical index's spill file; vectors are appended to their `.npy` files and
texts read back with plain reads (memory maps would keep every page touched resident); nothing
holds the corpus.

    with BundleWriter(index_dir, build_id) as writer:
        for parts in documents:
            writer.add(parts)
        vectors = writer.vectors("sentence_vectors", writer.sentence_count, dimension)
        for _, texts in writer.sentence_texts(batch):
            vectors.append(embed(texts))
        vectors.close()
        ...
        writer.finish(manifest, derived)

The bundle is written beside the one in service and switched in by `finish` (see `store`); an
exception inside the `with` leaves no partial bundle.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import numpy as np

from rapporteur.bundle.arrays import NpyAppender, RowFile
from rapporteur.bundle.lexical import LexicalIndexWriter
from rapporteur.bundle.model import Chunk, DocumentRecord, embedded_passage
from rapporteur.bundle.store import (
    BUNDLES,
    FORMAT_VERSION,
    MANIFEST,
    NO_PAGE,
    NO_YEAR,
    SMALL_FILE,
    Texts,
    fingerprint_files,
    fsync_tree,
    switch_current,
)
from rapporteur.parameters import DENSE


@dataclass
class DocumentParts:
    """One document as the build cut it: what the writer stores of it."""

    record: DocumentRecord
    chunks: Sequence[Chunk]
    sentences: Sequence[tuple[int, int]]  # character spans
    passage_terms: Sequence[list[str]]  # analysed header and text of each chunk
    glossary: Sequence[bool]  # whether each chunk is a list of acronyms
    stats: dict[str, object] = field(default_factory=dict)  # per-document figures for documents.jsonl


@dataclass
class DerivedData:
    """Corpus-wide data the build derived, written as they are."""

    acronyms: dict[str, str]
    vocabulary: dict[str, int]
    places: list[dict[str, object]]
    suggestions: list[tuple[str, str, float]]


def utf8_offsets(text: str) -> np.ndarray:
    """Byte offset in `text.encode()` of every character offset 0..len(text)."""
    if text.isascii():
        return np.arange(len(text) + 1, dtype=np.int64)
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    widths = 1 + (points >= 0x80) + (points >= 0x800) + (points >= 0x10000)
    return np.concatenate([[0], np.cumsum(widths, dtype=np.int64)])


def chunk_sentence_ids(chunk_spans: np.ndarray, sentence_spans: np.ndarray) -> list[np.ndarray]:
    """For each chunk of one document, the indexes of the sentences lying (mostly) inside it."""
    out = []
    if not len(sentence_spans):
        return [np.zeros(0, np.int64) for _ in chunk_spans]
    starts, ends = sentence_spans[:, 0], sentence_spans[:, 1]
    for c_start, c_end in chunk_spans:
        lo = int(np.searchsorted(ends, c_start, "right"))
        hi = int(np.searchsorted(starts, c_end, "left"))
        ids = np.arange(lo, max(lo, hi))
        overlap = np.minimum(ends[ids], c_end) - np.maximum(starts[ids], c_start)
        out.append(ids[overlap * 2 >= (ends[ids] - starts[ids])])
    return out


class BundleWriter:
    """Writes one bundle under `index_dir/bundles/.tmp-<build_id>`, then switches it in."""

    def __init__(self, index_dir: Path, build_id: str) -> None:
        self.index_dir = index_dir
        self.build_id = build_id
        bundles = index_dir / BUNDLES
        bundles.mkdir(parents=True, exist_ok=True)
        self.path = bundles / f".tmp-{build_id}"
        shutil.rmtree(self.path, ignore_errors=True)
        self.path.mkdir()
        self._texts = (self.path / "texts.bin").open("wb")
        self._rows = (self.path / "documents.jsonl").open("w", encoding="utf-8")
        self._lexical = LexicalIndexWriter(self.path / "lexical")
        self._position = 0
        self._spans: list[tuple[int, int, int]] = []
        self._chunks: list[np.ndarray] = []
        self._sentences: list[np.ndarray] = []
        self._chunk_sentences: list[np.ndarray] = []
        self._chunk_sentence_counts: list[np.ndarray] = []
        self._glossary: list[np.ndarray] = []
        self._codes: list[tuple[int, int, int]] = []
        self._section_paths: dict[str, int] = {}
        self._organisations: dict[str, int] = {}
        self._kinds: dict[str, int] = {}
        self.chunk_count = 0
        self.sentence_count = 0
        self._reader: Texts | None = None

    def __enter__(self) -> BundleWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if kind is not None:
            self.abort()

    @property
    def document_count(self) -> int:
        return len(self._spans)

    def add(self, parts: DocumentParts) -> None:
        """Store one document: its text, metadata, chunks, sentences and passage terms."""
        if self._reader is not None:
            raise RuntimeError("documents can no longer be added once texts are read back")
        record, doc = parts.record, len(self._spans)
        data = record.text.encode("utf-8")
        self._texts.write(data)
        base = self._position
        self._spans.append((base, base + len(data), len(record.text)))
        self._position += len(data)
        byte_of = utf8_offsets(record.text)
        sections = [
            [start, self._section_paths.setdefault(path, len(self._section_paths))] for start, path in record.sections
        ]
        row = {
            **record.meta.to_dict(),
            "content_hash": record.content_hash,
            "page_starts": list(record.page_starts) if record.page_starts else None,
            "sections": sections,
            **parts.stats,
        }
        self._rows.write(json.dumps(row, ensure_ascii=False) + "\n")
        meta = record.meta
        self._codes.append(
            (
                self._organisations.setdefault(meta.organisation, len(self._organisations))
                if meta.organisation
                else -1,
                meta.year if meta.year is not None else NO_YEAR,
                self._kinds.setdefault(meta.kind, len(self._kinds)) if meta.kind else -1,
            )
        )
        chunk_table = np.zeros((len(parts.chunks), 7), dtype=np.int64)
        for i, chunk in enumerate(parts.chunks):
            section = self._section_paths.setdefault(chunk.section, len(self._section_paths))
            chunk_table[i] = (
                doc,
                chunk.start,
                chunk.end,
                base + byte_of[chunk.start],
                base + byte_of[chunk.end],
                NO_PAGE if chunk.page is None else chunk.page,
                section,
            )
        spans = np.asarray(parts.sentences, dtype=np.int64).reshape(-1, 2)
        sentence_table = np.zeros((len(spans), 5), dtype=np.int64)
        sentence_table[:, 0] = doc
        sentence_table[:, 1:3] = spans
        sentence_table[:, 3] = base + byte_of[spans[:, 0]]
        sentence_table[:, 4] = base + byte_of[spans[:, 1]]
        inside = chunk_sentence_ids(chunk_table[:, 1:3], spans)
        self._chunk_sentences.append(
            (np.concatenate(inside) if inside else np.zeros(0, np.int64)) + self.sentence_count
        )
        self._chunk_sentence_counts.append(np.array([len(ids) for ids in inside], dtype=np.int64))
        self._chunks.append(chunk_table)
        self._sentences.append(sentence_table)
        self._glossary.append(np.asarray(parts.glossary, dtype=bool).reshape(-1))
        for terms in parts.passage_terms:
            self._lexical.add(terms)
        self.chunk_count += len(parts.chunks)
        self.sentence_count += len(spans)

    # -- reading texts back, for the embedding pass ----------------------------------------------

    def _read_back(self) -> Texts:
        if self._reader is None:
            self._texts.close()
            self._rows.close()
            self._reader = Texts(self.path / "texts.bin", mapped=False)
            self._chunk_table = np.concatenate(self._chunks) if self._chunks else np.zeros((0, 7), np.int64)
            self._sentence_table = np.concatenate(self._sentences) if self._sentences else np.zeros((0, 5), np.int64)
            self._chunks, self._sentences = [], []
        return self._reader

    def passage_texts(self, batch: int) -> Iterator[tuple[int, list[str]]]:
        """(first chunk, texts) of every chunk as embedded: its header, a line break, its text."""
        texts = self._read_back()
        table = self._chunk_table
        organisations = [None, *self._organisations]  # by code + 1: code -1 is no organisation
        paths = list(self._section_paths)
        for start in range(0, len(table), batch):
            rows = table[start : start + batch]
            yield (
                start,
                [
                    embedded_passage(organisations[self._codes[d][0] + 1], paths[section], texts.read(b0, b1))
                    for d, b0, b1, section in rows[:, [0, 3, 4, 6]].tolist()
                ],
            )

    def sentence_texts(self, batch: int) -> Iterator[tuple[int, list[str]]]:
        """(first sentence, texts) of every sentence, in order."""
        texts = self._read_back()
        table = self._sentence_table
        for start in range(0, len(table), batch):
            rows = table[start : start + batch, 3:5]
            yield start, [texts.read(b0, b1) for b0, b1 in rows.tolist()]

    def vectors(self, name: str, rows: int, dimension: int) -> NpyAppender:
        """`<name>.npy` of `rows` vectors, to append in order (stored as DENSE.stored_dtype)."""
        return NpyAppender(self.path / f"{name}.npy", rows, dimension, np.dtype(DENSE.stored_dtype))

    def vectors_of(self, name: str) -> RowFile:
        """The vectors written to `<name>.npy`, read by rows (not mapped)."""
        return RowFile(self.path / f"{name}.npy")

    # -- the end -----------------------------------------------------------------------------------

    def finish(self, manifest: dict, derived: DerivedData) -> Path:
        """Write the arrays, the derived data and the manifest; switch CURRENT to the bundle."""
        self._read_back()
        tmp = self.path
        self._lexical.finish()
        spans = np.asarray(self._spans, dtype=np.int64).reshape(-1, 3)
        np.save(tmp / "documents.npy", spans, allow_pickle=False)
        np.save(tmp / "chunks.npy", self._chunk_table, allow_pickle=False)
        np.save(tmp / "sentences.npy", self._sentence_table, allow_pickle=False)
        counts = np.concatenate(self._chunk_sentence_counts) if self._chunk_sentence_counts else np.zeros(0, np.int64)
        np.save(
            tmp / "chunk_sentences.npy",
            np.concatenate(self._chunk_sentences) if self._chunk_sentences else np.zeros(0, np.int64),
            allow_pickle=False,
        )
        np.save(tmp / "chunk_sentence_offsets.npy", np.concatenate([[0], np.cumsum(counts)]).astype(np.int64))
        np.save(tmp / "glossary.npy", np.concatenate(self._glossary) if self._glossary else np.zeros(0, bool))
        codes = np.asarray(self._codes, dtype=np.int32).reshape(-1, 3)
        np.save(tmp / "document_codes.npy", codes, allow_pickle=False)
        chunk_doc = self._chunk_table[:, 0]
        np.save(tmp / "chunk_codes.npy", np.ascontiguousarray(codes[chunk_doc].T), allow_pickle=False)
        (tmp / "section_paths.json").write_text(json.dumps(list(self._section_paths), ensure_ascii=False))
        (tmp / "acronyms.json").write_text(json.dumps(derived.acronyms, ensure_ascii=False, indent=1))
        (tmp / "vocabulary.json").write_text(json.dumps(derived.vocabulary, ensure_ascii=False))
        (tmp / "places.json").write_text(json.dumps(derived.places, ensure_ascii=False))
        with (tmp / "suggestions.jsonl").open("w", encoding="utf-8") as fh:
            for text, kind, weight in derived.suggestions:
                fh.write(json.dumps([text, kind, round(weight, 4)], ensure_ascii=False) + "\n")
        manifest = {
            **manifest,
            "format_version": FORMAT_VERSION,
            "filters": {"organisations": list(self._organisations), "kinds": list(self._kinds)},
        }
        manifest["files"] = fingerprint_files(tmp)
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
        fsync_tree(tmp, drop_larger_than=SMALL_FILE)
        final = tmp.parent / self.build_id
        shutil.rmtree(final, ignore_errors=True)
        tmp.rename(final)
        self.path = final
        switch_current(self.index_dir, self.build_id)
        return final

    def abort(self) -> None:
        """Remove everything written so far."""
        for handle in (self._texts, self._rows):
            handle.close()
        self._lexical.abort()
        shutil.rmtree(self.path, ignore_errors=True)
