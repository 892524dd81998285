"""The index bundle on disk: a directory of plain files plus `manifest.json` (no pickle), and the
index directory that holds bundles and names the one in service.

Layout of an index directory::

    INDEX_DIR/CURRENT              build id of the bundle in service (replaced atomically)
    INDEX_DIR/bundles/<build_id>/  complete bundles
    INDEX_DIR/cache/               embedding cache, reused across builds

A bundle (format 2) holds:

- `manifest.json`: build id and time, embedder, analyzer, parameters, documents' metadata, the
  names behind the filter codes, counts, and the size and SHA-256 of every other file;
- `documents.jsonl` (metadata, page starts, section starts: no text), `texts.bin` (every
  document's text in UTF-8, one after the other) and `documents.npy` (byte span and length in
  characters of each text), so that a passage is read by its offsets, never a whole corpus;
- `chunks.npy` (document, start, end in characters, byte start and end, page, section) and
  `section_paths.json`; `sentences.npy` (document, start, end, byte start and end);
- derived data, computed once at build time: `chunk_sentences.npy` / `chunk_sentence_offsets.npy`
  (the sentences of each chunk, CSR), `glossary.npy` (chunks that are lists of acronyms),
  `document_codes.npy` (organisation, year, kind of each document as codes, for filters),
  `places.json` (places the documents name), `suggestions.jsonl` (search-box completions);
- `dense.faiss`, `sentence_vectors.npy`, `lexical/` (bm25s `.npy` + JSON), `acronyms.json`,
  `vocabulary.json`.

`save_bundle` writes a complete bundle beside the current one and switches CURRENT to it atomically;
`load_bundle` reads one and refuses it when a file is missing or corrupt, or its contents do not hold
together.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rapporteur.bundle.dense import DenseIndex
from rapporteur.bundle.lexical import LexicalIndex
from rapporteur.bundle.model import (
    Chunk,
    Citation,
    DocumentMeta,
    DocumentRecord,
    page_at,
    passage_header,
    section_at,
)
from rapporteur.errors import BundleError
from rapporteur.text.analyzer import ANALYZER_VERSION

FORMAT_VERSION = 2
MANIFEST = "manifest.json"
CURRENT = "CURRENT"
BUNDLES = "bundles"
KEEP_BUNDLES = 2
NO_PAGE = -1
NO_YEAR = -1


# -- the index directory ---------------------------------------------------------------------------


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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


# -- what the indexer hands over ------------------------------------------------------------------


@dataclass
class BundleContents:
    """Everything a build produced, for `save`."""

    documents: list[DocumentRecord]
    chunks: list[Chunk]
    sentences: np.ndarray  # (n, 3): document index, start, end (characters)
    dense: DenseIndex
    lexical: LexicalIndex
    sentence_vectors: np.ndarray
    acronyms: dict[str, str]
    vocabulary: dict[str, int]
    glossary: np.ndarray  # bool per chunk
    places: list[dict[str, object]] = field(default_factory=list)
    suggestions: list[tuple[str, str, float]] = field(default_factory=list)  # text, kind, weight


def _utf8_offsets(text: str) -> np.ndarray:
    """Byte offset in `text.encode()` of every character offset 0..len(text)."""
    if text.isascii():
        return np.arange(len(text) + 1, dtype=np.int64)
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    widths = 1 + (points >= 0x80) + (points >= 0x800) + (points >= 0x10000)
    return np.concatenate([[0], np.cumsum(widths, dtype=np.int64)])


def _csr(chunks: Sequence[Chunk], chunk_doc: np.ndarray, sentences: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sentences lying (mostly) inside each chunk, as flat ids and offsets (CSR)."""
    flat: list[np.ndarray] = []
    offsets = [0]
    order = np.argsort(sentences[:, 0], kind="stable") if len(sentences) else np.zeros(0, np.int64)
    docs = sentences[order, 0] if len(sentences) else np.zeros(0, np.int64)
    for chunk, doc in zip(chunks, chunk_doc, strict=True):
        lo, hi = np.searchsorted(docs, doc, "left"), np.searchsorted(docs, doc, "right")
        ids = order[lo:hi]
        starts, ends = sentences[ids, 1], sentences[ids, 2]
        overlap = np.minimum(ends, chunk.end) - np.maximum(starts, chunk.start)
        inside = np.sort(ids[overlap * 2 >= (ends - starts)])
        flat.append(inside)
        offsets.append(offsets[-1] + len(inside))
    return (np.concatenate(flat) if flat else np.zeros(0, np.int64)).astype(np.int64), np.asarray(offsets, np.int64)


def _codes(values: Sequence[str | None]) -> tuple[np.ndarray, list[str]]:
    """Integer code of each value (-1 for none) and the names in code order."""
    names = sorted({v for v in values if v})
    index = {name: i for i, name in enumerate(names)}
    return np.array([index[v] if v else -1 for v in values], dtype=np.int32), names


def save_bundle(index_dir: Path, manifest: dict, contents: BundleContents) -> Path:
    """Write a complete bundle next to the current one, then switch CURRENT to it atomically.

    A failure (a full disk, a kill) leaves no partial bundle: the one in service stays."""
    build_id = manifest["build_id"]
    bundles = index_dir / BUNDLES
    bundles.mkdir(parents=True, exist_ok=True)
    tmp = bundles / f".tmp-{build_id}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir()
        extra = _write_files(tmp, contents)
        manifest = {**manifest, **extra, "format_version": FORMAT_VERSION}
        manifest["files"] = {
            str(p.relative_to(tmp)): {"bytes": p.stat().st_size, "sha256": file_sha256(p)}
            for p in sorted(tmp.rglob("*"))
            if p.is_file()
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
        _fsync_tree(tmp)
        final = bundles / build_id
        shutil.rmtree(final, ignore_errors=True)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    pointer = index_dir / f".{CURRENT}.{build_id}.tmp"
    try:
        pointer.write_text(build_id + "\n")
        _fsync_file(pointer)
        os.replace(pointer, index_dir / CURRENT)
    finally:
        pointer.unlink(missing_ok=True)
    _prune(bundles, keep=build_id)
    return final


def _write_files(tmp: Path, contents: BundleContents) -> dict[str, object]:
    """Write every file but the manifest; returns what the manifest records of them."""
    documents, chunks = contents.documents, contents.chunks
    doc_index = {d.meta.id: i for i, d in enumerate(documents)}
    chunk_doc = np.array([doc_index[c.doc_id] for c in chunks], dtype=np.int64)
    byte_of: list[np.ndarray] = []
    spans = np.zeros((len(documents), 3), dtype=np.int64)
    section_paths: dict[str, int] = {}
    with (tmp / "texts.bin").open("wb") as texts, (tmp / "documents.jsonl").open("w", encoding="utf-8") as rows:
        position = 0
        for i, doc in enumerate(documents):
            data = doc.text.encode("utf-8")
            texts.write(data)
            spans[i] = (position, position + len(data), len(doc.text))
            position += len(data)
            byte_of.append(_utf8_offsets(doc.text))
            row = {
                **doc.meta.to_dict(),
                "content_hash": doc.content_hash,
                "page_starts": list(doc.page_starts) if doc.page_starts else None,
                "sections": [
                    [start, section_paths.setdefault(path, len(section_paths))] for start, path in doc.sections
                ],
            }
            rows.write(json.dumps(row, ensure_ascii=False) + "\n")
    np.save(tmp / "documents.npy", spans, allow_pickle=False)
    table = np.zeros((len(chunks), 7), dtype=np.int64)
    for i, (c, d) in enumerate(zip(chunks, chunk_doc, strict=True)):
        section = section_paths.setdefault(c.section, len(section_paths))
        base = spans[d, 0]
        table[i] = (d, c.start, c.end, base + byte_of[d][c.start], base + byte_of[d][c.end], c.page or NO_PAGE, section)
    np.save(tmp / "chunks.npy", table, allow_pickle=False)
    (tmp / "section_paths.json").write_text(json.dumps(list(section_paths), ensure_ascii=False))
    sentences = np.asarray(contents.sentences, dtype=np.int64).reshape(-1, 3)
    sentence_table = np.zeros((len(sentences), 5), dtype=np.int64)
    for i, (d, s, e) in enumerate(sentences):
        base = spans[d, 0]
        sentence_table[i] = (d, s, e, base + byte_of[d][s], base + byte_of[d][e])
    np.save(tmp / "sentences.npy", sentence_table, allow_pickle=False)
    flat, offsets = _csr(chunks, chunk_doc, sentences)
    np.save(tmp / "chunk_sentences.npy", flat, allow_pickle=False)
    np.save(tmp / "chunk_sentence_offsets.npy", offsets, allow_pickle=False)
    np.save(tmp / "glossary.npy", np.asarray(contents.glossary, dtype=bool), allow_pickle=False)
    metas = [d.meta for d in documents]
    organisations, organisation_names = _codes([m.organisation for m in metas])
    kinds, kind_names = _codes([m.kind for m in metas])
    years = np.array([m.year if m.year is not None else NO_YEAR for m in metas], dtype=np.int32)
    np.save(tmp / "document_codes.npy", np.stack([organisations, years, kinds], axis=1), allow_pickle=False)
    contents.dense.save(tmp / "dense.faiss")
    contents.lexical.save(tmp / "lexical")
    np.save(tmp / "sentence_vectors.npy", contents.sentence_vectors.astype(np.float32), allow_pickle=False)
    (tmp / "acronyms.json").write_text(json.dumps(contents.acronyms, ensure_ascii=False, indent=1))
    (tmp / "vocabulary.json").write_text(json.dumps(contents.vocabulary, ensure_ascii=False))
    (tmp / "places.json").write_text(json.dumps(contents.places, ensure_ascii=False))
    with (tmp / "suggestions.jsonl").open("w", encoding="utf-8") as fh:
        for text, kind, weight in contents.suggestions:
            fh.write(json.dumps([text, kind, round(weight, 4)], ensure_ascii=False) + "\n")
    return {"filters": {"organisations": organisation_names, "kinds": kind_names}}


def _fsync_file(path: Path) -> None:
    with path.open("rb") as fh:
        os.fsync(fh.fileno())


def _fsync_tree(root: Path) -> None:
    for p in root.rglob("*"):
        if p.is_file():
            _fsync_file(p)


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
    """The documents' texts, read by byte span from `texts.bin` (memory-mapped)."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("rb")
        size = path.stat().st_size
        self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ) if size else b""

    def read(self, start: int, end: int) -> str:
        return bytes(self._map[start:end]).decode("utf-8")

    def __len__(self) -> int:
        return len(self._map)


class StoredDocument:
    """A document of a loaded bundle: metadata in memory, text read from the bundle when asked for."""

    __slots__ = ("_span", "_texts", "content_hash", "meta", "page_starts", "sections")

    def __init__(self, record: DocumentRecord, texts: Texts, span: tuple[int, int]) -> None:
        self.meta = record.meta
        self.content_hash = record.content_hash
        self.page_starts = record.page_starts
        self.sections = record.sections
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
        d, start, end, b0, b1, page, section = (int(v) for v in self.table[i])
        doc_id = self._documents[d].meta.id
        return Chunk(
            f"{doc_id}#{i}",
            doc_id,
            start,
            end,
            self._texts.read(b0, b1),
            self._paths[section],
            None if page == NO_PAGE else page,
        )

    def __iter__(self) -> Iterator[Chunk]:
        return (self[i] for i in range(len(self)))

    @property
    def doc(self) -> np.ndarray:
        return self.table[:, 0]


@dataclass
class Bundle:
    """A loaded bundle, read-only once loaded."""

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

    def span_text(self, doc: int, start: int, end: int) -> str:
        """Characters [start, end) of document `doc`."""
        return self.documents[doc].text[start:end]

    def page_at(self, doc: int, offset: int) -> int | None:
        return page_at(self.documents[doc].page_starts, offset)

    def section_at(self, doc: int, offset: int) -> str:
        return section_at(self.documents[doc].sections, offset)

    def citation(self, chunk: int, start: int | None = None, end: int | None = None) -> Citation:
        """Citation of a chunk, or of the span [start, end) of its document (its own section and page)."""
        d, c_start, c_end, _, _, page, section = (int(v) for v in self.chunks.table[chunk])
        meta = self.documents[d].meta
        whole = start is None
        return Citation(
            meta.id,
            meta.title,
            meta.organisation,
            meta.year,
            meta.kind,
            self.chunks._paths[section] if whole or not self.documents[d].sections else self.section_at(d, start),
            (None if page == NO_PAGE else page) if whole else self.page_at(d, start),
            c_start if whole else start,
            c_end if end is None else end,
        )

    def passage_header(self, chunk: int) -> str:
        """Who wrote the chunk and where it sits (what was embedded and indexed with its text)."""
        d, _, _, _, _, _, section = (int(v) for v in self.chunks.table[chunk])
        return passage_header(self.documents[d].meta.organisation, self.chunks._paths[section])


def _refused(root: Path, what: str) -> BundleError:
    """A bundle refused for `what`; the public message names the bundle, not its path on the server."""
    return BundleError(f"{root}: {what}", public=f"bundle {root.name}: {what}")


def _npy(root: Path, name: str) -> np.ndarray:
    return np.load(root / name, allow_pickle=False)


def load_bundle(path: Path, verify: bool = True) -> Bundle:
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
    files: dict[str, dict] = manifest.get("files", {})
    missing = [rel for rel in files if not (root / rel).is_file()]
    if missing:
        raise _refused(root, f"missing file(s) {', '.join(missing)}")
    for rel, expected in files.items():
        if (root / rel).stat().st_size != expected.get("bytes"):
            raise _refused(root, f"size mismatch for {rel} (partial or corrupt file)")
        if verify and file_sha256(root / rel) != expected.get("sha256"):
            raise _refused(root, f"checksum mismatch for {rel}")
    try:
        texts = Texts(root / "texts.bin")
        spans = _npy(root, "documents.npy")
        paths = json.loads((root / "section_paths.json").read_text(encoding="utf-8"))
        documents: list[StoredDocument] = []
        for i, line in enumerate((root / "documents.jsonl").read_text(encoding="utf-8").splitlines()):
            row = json.loads(line)
            content_hash, pages = row.pop("content_hash"), row.pop("page_starts")
            sections = tuple((int(start), paths[int(p)]) for start, p in row.pop("sections", []))
            row["inferred"] = tuple(row.get("inferred") or ())
            record = DocumentRecord(DocumentMeta(**row), "", content_hash, tuple(pages) if pages else None, sections)
            documents.append(StoredDocument(record, texts, (int(spans[i, 0]), int(spans[i, 1]))))
        suggestions = [
            tuple(json.loads(line)) for line in (root / "suggestions.jsonl").read_text(encoding="utf-8").splitlines()
        ]
        bundle = Bundle(
            path=root,
            manifest=manifest,
            documents=documents,
            chunks=ChunkTable(_npy(root, "chunks.npy"), documents, texts, paths),
            dense=DenseIndex.load(root / "dense.faiss"),
            lexical=LexicalIndex.load(root / "lexical"),
            sentences=_npy(root, "sentences.npy"),
            sentence_vectors=_npy(root, "sentence_vectors.npy"),
            chunk_sentences=_npy(root, "chunk_sentences.npy"),
            chunk_sentence_offsets=_npy(root, "chunk_sentence_offsets.npy"),
            glossary=_npy(root, "glossary.npy"),
            document_codes=_npy(root, "document_codes.npy"),
            acronyms=json.loads((root / "acronyms.json").read_text(encoding="utf-8")),
            vocabulary=json.loads((root / "vocabulary.json").read_text(encoding="utf-8")),
            places=json.loads((root / "places.json").read_text(encoding="utf-8")),
            suggestions=suggestions,  # type: ignore[arg-type]
            texts=texts,
            document_spans=spans,
            doc_index={d.meta.id: i for i, d in enumerate(documents)},
        )
    except (OSError, ValueError, KeyError, TypeError, RuntimeError, IndexError) as exc:
        raise _refused(root, f"corrupt bundle ({type(exc).__name__}: {exc})") from exc
    check_consistency(bundle, spans, paths)
    return bundle


VECTOR_SAMPLE = 1024  # rows whose norm is checked on load (all of them would read every vector)


def check_consistency(bundle: Bundle, spans: np.ndarray, paths: list[str]) -> None:
    """Refuse a bundle whose checksums are right but whose contents do not hold together: rows that
    point at a missing document, offsets outside a text, vectors that are not unit norm, sizes that
    do not match. Vectorised, so that it stays cheap on large bundles."""
    root = bundle.path
    n_docs = len(bundle.documents)
    dimension = int((bundle.manifest.get("embedder") or {}).get("dimension", -1))
    if len(spans) != n_docs or (n_docs and (spans[:, 0].min() < 0 or spans[:, 1].max() > len(bundle.texts))):
        raise _refused(root, "document spans do not match the texts file")
    lengths = spans[:, 2] if n_docs else np.zeros(0, np.int64)
    for name, table, width in (("chunk", bundle.chunks.table, 7), ("sentence", bundle.sentences, 5)):
        if len(table) and (table.ndim != 2 or table.shape[1] != width or not np.issubdtype(table.dtype, np.integer)):
            raise _refused(root, f"{name} rows are not integer tables")
        if not len(table):
            continue
        docs = table[:, 0]
        if docs.min() < 0 or docs.max() >= n_docs:
            raise _refused(root, f"{name} rows point at documents the bundle does not hold")
        starts, ends = table[:, 1], table[:, 2]
        if (starts < 0).any() or (ends <= starts).any() or (ends > lengths[docs]).any():
            raise _refused(root, f"{name} offsets lie outside their document's text")
        if (table[:, 3] < spans[docs, 0]).any() or (table[:, 4] > spans[docs, 1]).any():
            raise _refused(root, f"{name} byte spans lie outside their document's text")
    chunks = bundle.chunks.table
    if len(chunks) and (chunks[:, 6].min() < 0 or chunks[:, 6].max() >= len(paths)):
        raise _refused(root, "chunk rows point at unknown sections")
    n_chunks, n_sentences = len(chunks), len(bundle.sentences)
    if bundle.dense.size != n_chunks or len(bundle.sentence_vectors) != n_sentences:
        raise _refused(root, "index sizes do not match the chunk and sentence lists")
    if len(bundle.glossary) != n_chunks or len(bundle.chunk_sentence_offsets) != n_chunks + 1:
        raise _refused(root, "derived arrays do not match the chunk list")
    flat = bundle.chunk_sentences
    if len(flat) and (flat.min() < 0 or flat.max() >= n_sentences):
        raise _refused(root, "chunk sentence lists point at sentences the bundle does not hold")
    if len(bundle.document_codes) != n_docs:
        raise _refused(root, "document codes do not match the document list")
    vectors = bundle.sentence_vectors
    if len(vectors) and (vectors.ndim != 2 or vectors.shape[1] != dimension):
        raise _refused(root, f"sentence vectors are not of dimension {dimension}")
    sample = np.linspace(0, len(vectors) - 1, num=min(len(vectors), VECTOR_SAMPLE)).astype(np.int64)
    norms = np.linalg.norm(vectors[sample].astype(np.float32), axis=1) if len(vectors) else np.ones(0)
    if len(norms) and not np.allclose(norms, 1.0, atol=1e-3):
        raise _refused(root, "sentence vectors are not of unit norm")
    if bundle.dense.size:
        if bundle.dense.index.d != dimension:
            raise _refused(root, f"passage vectors are not of dimension {dimension}")
        picks = np.linspace(0, bundle.dense.size - 1, num=min(bundle.dense.size, 64)).astype(np.int64)
        passages = np.stack([bundle.dense.index.reconstruct(int(i)) for i in picks])
        if not np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-3):
            raise _refused(root, "passage vectors are not of unit norm")
