"""The index bundle on disk: a directory of plain files plus `manifest.json` (no pickle), and the
index directory that holds bundles and names the one in service. `writer` writes bundles; this
module reads them.

Layout of an index directory::

    INDEX_DIR/CURRENT              build id of the bundle in service (replaced atomically)
    INDEX_DIR/bundles/<build_id>/  complete bundles
    INDEX_DIR/cache/               embedding cache, reused across builds

A bundle (format 3) holds:

- `manifest.json`: build id and time, embedder, analyzer, parameters, counts, the names behind
  the filter codes, and the size, SHA-256 and sampled SHA-256 of every other file;
- `documents.jsonl` (metadata, page starts, section starts and figures of each document: no
  text), `texts.bin` (every document's text in UTF-8, one after the other) and `documents.npy`
  (byte span and length in characters of each text), so that a passage is read by its offsets;
- `chunks.npy` (document, start, end in characters, byte start and end, page, section) and
  `section_paths.json`; `sentences.npy` (document, start, end, byte start and end);
- derived data, computed once at build time: `chunk_sentences.npy` / `chunk_sentence_offsets.npy`
  (the sentences of each chunk, CSR), `glossary.npy` (chunks that are lists of acronyms),
  `document_codes.npy` and `chunk_codes.npy` (organisation, year, kind codes per document and per
  chunk, for filters), `places.json` (places the documents name), `suggestions.jsonl`
  (search-box completions), `acronyms.json`, `vocabulary.json`;
- `passage_vectors.npy` and `sentence_vectors.npy` (unit vectors, memory-mapped when loaded),
  `dense.faiss` (an approximate index of the passage vectors, only above
  `DENSE.exact_max_vectors` passages), `lexical/` (BM25 postings, see `lexical`).

`load_bundle` refuses a bundle when a file is missing, of the wrong size or corrupt, or when its
contents do not hold together. What it reads to tell (`verify`): "sampled" (the default) hashes
every file up to 64 MiB and 16 blocks of 1 MiB spread over each larger one, besides checking every
size, so that a large bundle loads in seconds; "full" hashes everything; "sizes" only sizes.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import mmap
import os
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from rapporteur.bundle.arrays import mapped_array
from rapporteur.bundle.dense import DenseIndex
from rapporteur.bundle.lexical import LexicalIndex
from rapporteur.bundle.model import (
    Chunk,
    Citation,
    DocumentMeta,
    DocumentRecord,
    embedded_passage,
    page_at,
    page_range,
    section_at,
)
from rapporteur.checksums import file_sha256
from rapporteur.errors import BundleError
from rapporteur.text.analyzer import ANALYZER_VERSION

FORMAT_VERSION = 3
MANIFEST = "manifest.json"
CURRENT = "CURRENT"
BUNDLES = "bundles"
KEEP_BUNDLES = 2
NO_PAGE = -1
NO_YEAR = -1
SMALL_FILE = 64 << 20  # hashed whole even by a sampled verification
SAMPLE_BLOCKS = 16
SAMPLE_BLOCK = 1 << 20

Verification = Literal["full", "sampled", "sizes"]
DOCUMENT_STATS = ("characters", "chunks", "sentences", "pages", "years_reported")


# -- the index directory ---------------------------------------------------------------------------


def sampled_sha256(path: Path) -> str:
    """SHA-256 of SAMPLE_BLOCKS blocks spread evenly over the file, first and last included."""
    size = path.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    last = max(0, size - SAMPLE_BLOCK)
    with path.open("rb") as fh:
        for offset in sorted({last * i // (SAMPLE_BLOCKS - 1) for i in range(SAMPLE_BLOCKS)}):
            fh.seek(offset)
            digest.update(fh.read(SAMPLE_BLOCK))
    return digest.hexdigest()


def fingerprint_files(root: Path) -> dict[str, dict[str, object]]:
    """Size, SHA-256 and sampled SHA-256 of every file under `root` but the manifest."""
    return {
        str(p.relative_to(root)): {
            "bytes": p.stat().st_size,
            "sha256": file_sha256(p),
            "sampled_sha256": sampled_sha256(p),
        }
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def resolve_bundle(path: Path) -> Path:
    """The bundle directory designated by `path` (a bundle itself, or an index dir with CURRENT)."""
    if (path / MANIFEST).is_file():
        return path
    current = path / CURRENT
    if current.is_file():
        build_id = current.read_text().strip()
        bundle = path / BUNDLES / build_id
        if build_id and "/" not in build_id and (bundle / MANIFEST).is_file():
            return bundle
        raise BundleError(
            f"{current} names bundle {build_id!r}, which is missing",
            public=f"the index directory names bundle {build_id!r}, which is missing",
        )
    raise BundleError(
        f"no index bundle at {path} (build one with: python -m indexer build)",
        public="no index bundle in the index directory",
    )


def current_manifest(index_dir: Path) -> dict | None:
    """Manifest of the bundle in service in `index_dir`, or None when there is none."""
    try:
        return json.loads((resolve_bundle(index_dir) / MANIFEST).read_text())
    except (BundleError, OSError, ValueError):
        return None


def fsync_file(path: Path) -> None:
    with path.open("rb") as fh:
        os.fsync(fh.fileno())


def fsync_tree(root: Path, drop_larger_than: int | None = None) -> None:
    """Flush every file under `root` to disk; then drop the files larger than `drop_larger_than`
    bytes from the page cache. Freshly written pages sit in the cache as large blocks, and a
    service mapping the file would then take a whole block into its resident memory for each row
    it reads; dropped, its random reads bring in only the pages they need."""
    for p in root.rglob("*"):
        if p.is_file():
            with p.open("rb") as fh:
                os.fsync(fh.fileno())
                large = drop_larger_than is not None and p.stat().st_size > drop_larger_than
                if large and hasattr(os, "posix_fadvise"):
                    os.posix_fadvise(fh.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)


def switch_current(index_dir: Path, build_id: str) -> None:
    """Name `build_id` in CURRENT atomically, then remove old bundles and leftovers."""
    pointer = index_dir / f".{CURRENT}.{build_id}.tmp"
    try:
        pointer.write_text(build_id + "\n")
        fsync_file(pointer)
        os.replace(pointer, index_dir / CURRENT)
    finally:
        pointer.unlink(missing_ok=True)
    _prune(index_dir / BUNDLES, keep=build_id)


def _prune(bundles: Path, keep: str) -> None:
    """Remove leftovers of killed builds and all but the newest KEEP_BUNDLES bundles."""
    complete = sorted(
        (p for p in bundles.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in complete[KEEP_BUNDLES:]:
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)
    for leftover in bundles.glob(".tmp-*"):
        if leftover.name != f".tmp-{keep}":
            shutil.rmtree(leftover, ignore_errors=True)


# -- a loaded bundle --------------------------------------------------------------------------------


class Texts:
    """The documents' texts, read by byte span from `texts.bin`: memory-mapped for random access
    (a service reads a few passages per query), or with plain reads (`mapped=False`: a build reading
    every text once must not keep them all in its resident memory)."""

    def __init__(self, path: Path, mapped: bool = True) -> None:
        self._file = path.open("rb")
        self._size = path.stat().st_size
        self._map: mmap.mmap | None = None
        if mapped and self._size:
            self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)
            if hasattr(mmap, "MADV_RANDOM"):
                self._map.madvise(mmap.MADV_RANDOM)

    def read(self, start: int, end: int) -> str:
        if self._map is not None:
            return bytes(self._map[start:end]).decode("utf-8")
        return os.pread(self._file.fileno(), end - start, start).decode("utf-8")

    def __len__(self) -> int:
        return self._size


class StoredDocument:
    """A document of a loaded bundle: metadata in memory, text read from the bundle when asked for."""

    __slots__ = ("_span", "_texts", "content_hash", "meta", "page_starts", "sections", "stats")

    def __init__(self, record: DocumentRecord, texts: Texts, span: tuple[int, int], stats: dict[str, object]) -> None:
        self.meta = record.meta
        self.content_hash = record.content_hash
        self.page_starts = record.page_starts
        self.sections = record.sections
        self.stats = stats  # characters, chunks, sentences, pages, years_reported
        self._texts = texts
        self._span = span

    @property
    def text(self) -> str:
        return self._texts.read(*self._span)


class ChunkTable(Sequence[Chunk]):
    """The chunks of a loaded bundle, as arrays; indexing gives a `Chunk` with its text."""

    def __init__(self, table: np.ndarray, documents: list[StoredDocument], texts: Texts, paths: list[str]) -> None:
        self.table = table
        self._documents = documents
        self._texts = texts
        self._paths = paths

    def __len__(self) -> int:
        return len(self.table)

    def __getitem__(self, i: int) -> Chunk:  # type: ignore[override]
        d, start, end, b0, b1, _, section = (int(v) for v in self.table[i])
        document = self._documents[d]
        page, page_end = page_range(document.page_starts, start, end)  # the stored page is the first
        return Chunk(
            f"{document.meta.id}#{i}",
            document.meta.id,
            start,
            end,
            self._texts.read(b0, b1),
            self._paths[section],
            page,
            page_end,
        )

    def __iter__(self) -> Iterator[Chunk]:
        return (self[i] for i in range(len(self)))

    @property
    def doc(self) -> np.ndarray:
        return self.table[:, 0]


@dataclass
class Bundle:
    """A loaded bundle, read-only once loaded. Large arrays are memory-mapped."""

    path: Path
    manifest: dict
    documents: list[StoredDocument]
    chunks: ChunkTable
    dense: DenseIndex
    lexical: LexicalIndex
    sentences: np.ndarray  # (n, 5): document index, start, end, byte start, byte end
    sentence_vectors: np.ndarray
    chunk_sentences: np.ndarray  # CSR: sentence ids of chunk i are flat[offsets[i]:offsets[i + 1]]
    chunk_sentence_offsets: np.ndarray
    glossary: np.ndarray  # bool per chunk
    document_codes: np.ndarray  # (n_docs, 3): organisation code, year, kind code (-1: none)
    chunk_codes: np.ndarray  # (3, n_chunks): the same per chunk
    acronyms: dict[str, str]
    vocabulary: dict[str, int]
    places: list[dict[str, object]]
    suggestions: list[tuple[str, str, float]]
    texts: Texts
    document_spans: np.ndarray  # (n_docs, 3): byte start and end in texts.bin, length in characters
    doc_index: dict[str, int] = field(default_factory=dict)

    @property
    def build_id(self) -> str:
        return str(self.manifest["build_id"])

    @property
    def chunk_doc(self) -> np.ndarray:
        """Document index of each chunk."""
        return self.chunks.doc

    def document(self, doc_id: str) -> StoredDocument | None:
        index = self.doc_index.get(doc_id)
        return None if index is None else self.documents[index]

    def chunk_text(self, i: int) -> str:
        _, _, _, b0, b1, _, _ = self.chunks.table[i]
        return self.texts.read(int(b0), int(b1))

    def sentence_text(self, i: int) -> str:
        return self.texts.read(int(self.sentences[i, 3]), int(self.sentences[i, 4]))

    def sentences_of(self, chunk: int) -> np.ndarray:
        return self.chunk_sentences[self.chunk_sentence_offsets[chunk] : self.chunk_sentence_offsets[chunk + 1]]

    def sentences_of_chunks(self, chunks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The sentences of `chunks`, flat, and the position in `chunks` each belongs to."""
        starts = self.chunk_sentence_offsets[chunks]
        counts = self.chunk_sentence_offsets[chunks + 1] - starts
        owners = np.repeat(np.arange(len(chunks)), counts)
        if not len(owners):
            return np.zeros(0, np.int64), owners
        positions = np.arange(len(owners)) - np.repeat(np.cumsum(counts) - counts, counts) + np.repeat(starts, counts)
        return np.asarray(self.chunk_sentences[positions], dtype=np.int64), owners

    def span_text(self, doc: int, start: int, end: int) -> str:
        """Characters [start, end) of document `doc`."""
        return self.documents[doc].text[start:end]

    def page_at(self, doc: int, offset: int) -> int | None:
        return page_at(self.documents[doc].page_starts, offset)

    def section_at(self, doc: int, offset: int) -> str:
        return section_at(self.documents[doc].sections, offset)

    def citation(self, chunk: int, start: int | None = None, end: int | None = None) -> Citation:
        """Citation of a chunk, or of the span [start, end) of its document (its own section and
        pages: where the span starts and where it ends)."""
        d, c_start, c_end, _, _, _, section = (int(v) for v in self.chunks.table[chunk])
        meta = self.documents[d].meta
        whole = start is None
        start, end = c_start if start is None else start, c_end if end is None else end
        page, page_end = page_range(self.documents[d].page_starts, start, end)
        return Citation(
            meta.id,
            meta.title,
            meta.organisation,
            meta.year,
            meta.kind,
            self.chunks._paths[section] if whole or not self.documents[d].sections else self.section_at(d, start),
            page,
            start,
            end,
            page_end,
        )

    def embedded_passage(self, chunk: int) -> str:
        """The chunk as the build embedded and indexed it (`model.embedded_passage`)."""
        d, _, _, b0, b1, _, section = (int(v) for v in self.chunks.table[chunk])
        organisation = self.documents[d].meta.organisation
        return embedded_passage(organisation, self.chunks._paths[section], self.texts.read(b0, b1))


def _refused(root: Path, what: str) -> BundleError:
    """A bundle refused for `what`; the public message names the bundle, not its path on the server."""
    return BundleError(f"{root}: {what}", public=f"bundle {root.name}: {what}")


def _npy(root: Path, name: str, mapped: bool = False) -> np.ndarray:
    return mapped_array(root / name) if mapped else np.load(root / name, allow_pickle=False)


def _verify_files(root: Path, files: dict[str, dict], verify: Verification) -> None:
    missing = [rel for rel in files if not (root / rel).is_file()]
    if missing:
        raise _refused(root, f"missing file(s) {', '.join(missing)}")
    for rel, expected in files.items():
        path = root / rel
        size = path.stat().st_size
        if size != expected.get("bytes"):
            raise _refused(root, f"size mismatch for {rel} (partial or corrupt file)")
        if verify == "full" or (verify == "sampled" and size <= SMALL_FILE):
            if file_sha256(path) != expected.get("sha256"):
                raise _refused(root, f"checksum mismatch for {rel}")
        elif verify == "sampled" and sampled_sha256(path) != expected.get("sampled_sha256"):
            raise _refused(root, f"checksum mismatch for {rel}")


def load_bundle(path: Path, verify: Verification = "sampled") -> Bundle:
    """Load the bundle at `path`; raises BundleError when a file is missing, corrupt or inconsistent."""
    root = resolve_bundle(path)
    try:
        manifest = json.loads((root / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise _refused(root, f"unreadable manifest ({type(exc).__name__})") from exc
    if manifest.get("format_version") != FORMAT_VERSION:
        raise _refused(
            root, f"bundle format {manifest.get('format_version')} is not {FORMAT_VERSION}: rebuild the index"
        )
    analyzer_version = (manifest.get("analyzer") or {}).get("version")
    if analyzer_version != ANALYZER_VERSION:
        raise _refused(root, f"built with analyzer {analyzer_version!r}, not {ANALYZER_VERSION!r}: rebuild the index")
    _verify_files(root, manifest.get("files", {}), verify)
    try:
        texts = Texts(root / "texts.bin")
        spans = _npy(root, "documents.npy")
        paths = json.loads((root / "section_paths.json").read_text(encoding="utf-8"))
        documents: list[StoredDocument] = []
        with (root / "documents.jsonl").open(encoding="utf-8") as rows:
            for i, line in enumerate(rows):
                row = json.loads(line)
                content_hash, pages = row.pop("content_hash"), row.pop("page_starts")
                sections = tuple((int(start), paths[int(p)]) for start, p in row.pop("sections", []))
                stats = {key: row.pop(key) for key in DOCUMENT_STATS if key in row}
                row["inferred"] = tuple(row.get("inferred") or ())
                record = DocumentRecord(
                    DocumentMeta(**row), "", content_hash, tuple(pages) if pages else None, sections
                )
                documents.append(StoredDocument(record, texts, (int(spans[i, 0]), int(spans[i, 1])), stats))
        suggestions = [
            tuple(json.loads(line)) for line in (root / "suggestions.jsonl").read_text(encoding="utf-8").splitlines()
        ]
        bundle = Bundle(
            path=root,
            manifest=manifest,
            documents=documents,
            chunks=ChunkTable(_npy(root, "chunks.npy", mapped=True), documents, texts, paths),
            dense=DenseIndex.load(root),
            lexical=LexicalIndex.load(root / "lexical"),
            sentences=_npy(root, "sentences.npy", mapped=True),
            sentence_vectors=_npy(root, "sentence_vectors.npy", mapped=True),
            chunk_sentences=_npy(root, "chunk_sentences.npy", mapped=True),
            chunk_sentence_offsets=_npy(root, "chunk_sentence_offsets.npy", mapped=True),
            glossary=_npy(root, "glossary.npy", mapped=True),
            document_codes=_npy(root, "document_codes.npy"),
            chunk_codes=_npy(root, "chunk_codes.npy", mapped=True),
            acronyms=json.loads((root / "acronyms.json").read_text(encoding="utf-8")),
            vocabulary=json.loads((root / "vocabulary.json").read_text(encoding="utf-8")),
            places=json.loads((root / "places.json").read_text(encoding="utf-8")),
            suggestions=suggestions,  # type: ignore[arg-type]
            texts=texts,
            document_spans=spans,
            doc_index={d.meta.id: i for i, d in enumerate(documents)},
        )
    except (OSError, EOFError, ValueError, KeyError, TypeError, RuntimeError, IndexError) as exc:
        raise _refused(root, f"corrupt bundle ({type(exc).__name__}: {exc})") from exc
    check_consistency(bundle, spans, paths)
    return bundle


VECTOR_SAMPLE = 64  # rows whose norm is checked on load (a page cache of large folios maps 2 MiB per row read)
ROW_SAMPLE = 65536  # rows of the large tables whose offsets are checked on load, besides the last


def _sample(n: int, size: int) -> np.ndarray:
    return np.unique(np.linspace(0, n - 1, num=min(n, size)).astype(np.int64)) if n else np.zeros(0, np.int64)


def check_consistency(bundle: Bundle, spans: np.ndarray, paths: list[str]) -> None:
    """Refuse a bundle whose checksums are right but whose contents do not hold together: rows that
    point at a missing document, offsets outside a text, vectors that are not unit norm, sizes that
    do not match. Vectorised, and on a sample of rows for the large tables (they are
    memory-mapped: reading them all would defeat the purpose), so that it stays cheap."""
    root = bundle.path
    n_docs = len(bundle.documents)
    dimension = int((bundle.manifest.get("embedder") or {}).get("dimension", -1))
    if len(spans) != n_docs or (n_docs and (spans[:, 0].min() < 0 or spans[:, 1].max() > len(bundle.texts))):
        raise _refused(root, "document spans do not match the texts file")
    lengths = spans[:, 2] if n_docs else np.zeros(0, np.int64)
    for document, length in zip(bundle.documents, lengths, strict=True):  # citations read pages from them
        starts = document.page_starts or ()
        if any(b < a for a, b in itertools.pairwise(starts)) or (starts and not 0 <= starts[0] <= starts[-1] <= length):
            raise _refused(root, f"page starts of {document.meta.id} are not in order within its text")
    for name, full, width in (("chunk", bundle.chunks.table, 7), ("sentence", bundle.sentences, 5)):
        if len(full) and (full.ndim != 2 or full.shape[1] != width or not np.issubdtype(full.dtype, np.integer)):
            raise _refused(root, f"{name} rows are not integer tables")
        if not len(full):
            continue
        table = np.asarray(full[_sample(len(full), ROW_SAMPLE)])
        docs = table[:, 0]
        if docs.min() < 0 or docs.max() >= n_docs:
            raise _refused(root, f"{name} rows point at documents the bundle does not hold")
        starts, ends = table[:, 1], table[:, 2]
        if (starts < 0).any() or (ends <= starts).any() or (ends > lengths[docs]).any():
            raise _refused(root, f"{name} offsets lie outside their document's text")
        if (table[:, 3] < spans[docs, 0]).any() or (table[:, 4] > spans[docs, 1]).any():
            raise _refused(root, f"{name} byte spans lie outside their document's text")
    chunks = bundle.chunks.table
    if len(chunks):
        sections = np.asarray(chunks[_sample(len(chunks), ROW_SAMPLE), 6])
        if sections.min() < 0 or sections.max() >= len(paths):
            raise _refused(root, "chunk rows point at unknown sections")
    n_chunks, n_sentences = len(chunks), len(bundle.sentences)
    if bundle.dense.size != n_chunks or len(bundle.sentence_vectors) != n_sentences:
        raise _refused(root, "index sizes do not match the chunk and sentence lists")
    if bundle.lexical.size != n_chunks or (problem := bundle.lexical.check()):
        raise _refused(root, f"lexical index: {problem or 'size does not match the chunk list'}")
    if len(bundle.glossary) != n_chunks or len(bundle.chunk_sentence_offsets) != n_chunks + 1:
        raise _refused(root, "derived arrays do not match the chunk list")
    if bundle.chunk_codes.shape != (3, n_chunks):
        raise _refused(root, "chunk codes do not match the chunk list")
    offsets = bundle.chunk_sentence_offsets
    if n_chunks and (offsets[0] != 0 or offsets[-1] != len(bundle.chunk_sentences)):
        raise _refused(root, "chunk sentence offsets do not match the sentence lists")
    flat = np.asarray(bundle.chunk_sentences[_sample(len(bundle.chunk_sentences), ROW_SAMPLE)])
    if len(flat) and (flat.min() < 0 or flat.max() >= n_sentences):
        raise _refused(root, "chunk sentence lists point at sentences the bundle does not hold")
    if len(bundle.document_codes) != n_docs:
        raise _refused(root, "document codes do not match the document list")
    for name, vectors in (("sentence", bundle.sentence_vectors), ("passage", bundle.dense.vectors)):
        if len(vectors) and (vectors.ndim != 2 or vectors.shape[1] != dimension):
            raise _refused(root, f"{name} vectors are not of dimension {dimension}")
        sample = np.asarray(vectors[_sample(len(vectors), VECTOR_SAMPLE)], dtype=np.float32)
        if len(sample) and not np.allclose(np.linalg.norm(sample, axis=1), 1.0, atol=1e-2):
            raise _refused(root, f"{name} vectors are not of unit norm")
    if bundle.dense.ann is not None and bundle.dense.ann.d != dimension:
        raise _refused(root, f"the approximate index is not of dimension {dimension}")
    if bundle.dense.ann is not None and bundle.dense.ann.ntotal != n_chunks:
        raise _refused(root, "the approximate index does not hold one vector per chunk")
