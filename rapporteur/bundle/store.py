"""The index bundle: a directory of plain files plus `manifest.json` (no pickle).

Layout of an index directory::

    INDEX_DIR/CURRENT              build id of the bundle in service (replaced atomically)
    INDEX_DIR/bundles/<build_id>/  complete bundles
    INDEX_DIR/cache/               embedding cache, reused across builds

A bundle holds `manifest.json`, `documents.jsonl`, `chunks.jsonl`, `dense.faiss`, `lexical/`
(bm25s arrays), `sentences.npy`, `sentence_vectors.npy`, `acronyms.json` and `vocabulary.json`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rapporteur.bundle.dense import DenseIndex
from rapporteur.bundle.lexical import LexicalIndex
from rapporteur.bundle.model import Chunk, DocumentMeta, DocumentRecord
from rapporteur.errors import BundleError
from rapporteur.text.analyzer import ANALYZER_VERSION

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CURRENT = "CURRENT"
BUNDLES = "bundles"
KEEP_BUNDLES = 2


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


def write_bundle(
    index_dir: Path,
    manifest: dict,
    documents: list[DocumentRecord],
    chunks: list[Chunk],
    dense: DenseIndex,
    lexical: LexicalIndex,
    sentences: np.ndarray,
    sentence_vectors: np.ndarray,
    acronyms: dict[str, str],
    vocabulary: dict[str, int],
) -> Path:
    """Write a complete bundle next to the current one, then switch CURRENT to it atomically."""
    build_id = manifest["build_id"]
    bundles = index_dir / BUNDLES
    bundles.mkdir(parents=True, exist_ok=True)
    tmp = bundles / f".tmp-{build_id}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir()
        _write_files(tmp, documents, chunks, dense, lexical, sentences, sentence_vectors, acronyms, vocabulary)
        manifest = {
            **manifest,
            "files": {str(p.relative_to(tmp)): file_sha256(p) for p in sorted(tmp.rglob("*")) if p.is_file()},
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
        _fsync_tree(tmp)
        final = bundles / build_id
        shutil.rmtree(final, ignore_errors=True)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)  # no partial bundle left behind (disk full, killed)
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


def _write_files(
    tmp: Path,
    documents: list[DocumentRecord],
    chunks: list[Chunk],
    dense: DenseIndex,
    lexical: LexicalIndex,
    sentences: np.ndarray,
    sentence_vectors: np.ndarray,
    acronyms: dict[str, str],
    vocabulary: dict[str, int],
) -> None:
    with (tmp / "documents.jsonl").open("w", encoding="utf-8") as fh:
        for doc in documents:
            row = {
                **doc.meta.to_dict(),
                "content_hash": doc.content_hash,
                "page_starts": list(doc.page_starts) if doc.page_starts else None,
                "sections": [list(item) for item in doc.sections],
                "text": doc.text,
            }
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    with (tmp / "chunks.jsonl").open("w", encoding="utf-8") as fh:
        for c in chunks:
            row = {"id": c.id, "doc_id": c.doc_id, "start": c.start, "end": c.end, "section": c.section, "page": c.page}
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    dense.save(tmp / "dense.faiss")
    lexical.save(tmp / "lexical")
    np.save(tmp / "sentences.npy", sentences.astype(np.int64), allow_pickle=False)
    np.save(tmp / "sentence_vectors.npy", sentence_vectors.astype(np.float32), allow_pickle=False)
    (tmp / "acronyms.json").write_text(json.dumps(acronyms, ensure_ascii=False, indent=1))
    (tmp / "vocabulary.json").write_text(json.dumps(vocabulary, ensure_ascii=False))


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


@dataclass
class Bundle:
    """A loaded bundle, read-only once loaded."""

    path: Path
    manifest: dict
    documents: list[DocumentRecord]
    chunks: list[Chunk]
    chunk_doc: np.ndarray  # document index of each chunk
    dense: DenseIndex
    lexical: LexicalIndex
    sentences: np.ndarray  # (n, 3): document index, start, end
    sentence_vectors: np.ndarray
    acronyms: dict[str, str]
    vocabulary: dict[str, int]
    doc_index: dict[str, int]

    @property
    def build_id(self) -> str:
        return str(self.manifest["build_id"])

    def document(self, doc_id: str) -> DocumentRecord | None:
        index = self.doc_index.get(doc_id)
        return None if index is None else self.documents[index]


def _refused(root: Path, what: str) -> BundleError:
    """A bundle refused for `what`; the public message names the bundle, not its path on the server."""
    return BundleError(f"{root}: {what}", public=f"bundle {root.name}: {what}")


def load_bundle(path: Path, verify: bool = True) -> Bundle:
    """Load the bundle at `path`; raises BundleError when a file is missing, corrupt or inconsistent."""
    root = resolve_bundle(path)
    try:
        manifest = json.loads((root / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise _refused(root, f"unreadable manifest ({type(exc).__name__})") from exc
    if manifest.get("format_version") != FORMAT_VERSION:
        raise _refused(root, f"bundle format {manifest.get('format_version')} is not {FORMAT_VERSION}")
    analyzer_version = (manifest.get("analyzer") or {}).get("version")
    if analyzer_version != ANALYZER_VERSION:
        raise _refused(root, f"built with analyzer {analyzer_version!r}, not {ANALYZER_VERSION!r}: rebuild the index")
    files = manifest.get("files", {})
    missing = [rel for rel in files if not (root / rel).is_file()]
    if missing:
        raise _refused(root, f"missing file(s) {', '.join(missing)}")
    for rel, expected in files.items() if verify else ():
        if file_sha256(root / rel) != expected:
            raise _refused(root, f"checksum mismatch for {rel}")
    try:
        documents = []
        for line in (root / "documents.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            text, content_hash, pages = row.pop("text"), row.pop("content_hash"), row.pop("page_starts")
            sections = tuple((int(start), str(path)) for start, path in row.pop("sections", []))
            row["inferred"] = tuple(row.get("inferred") or ())
            documents.append(
                DocumentRecord(DocumentMeta(**row), text, content_hash, tuple(pages) if pages else None, sections)
            )
        doc_index = {d.meta.id: i for i, d in enumerate(documents)}
        chunks, chunk_doc = [], []
        for line in (root / "chunks.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row["doc_id"] not in doc_index:
                raise _refused(root, f"chunk {row.get('id')!r} points at unknown document {row['doc_id']!r}")
            text = documents[doc_index[row["doc_id"]]].text
            if not 0 <= row["start"] < row["end"] <= len(text):
                raise _refused(root, f"chunk {row.get('id')!r} has offsets outside its document's text")
            chunks.append(
                Chunk(
                    row["id"],
                    row["doc_id"],
                    row["start"],
                    row["end"],
                    text[row["start"] : row["end"]],
                    row["section"],
                    row["page"],
                )
            )
            chunk_doc.append(doc_index[row["doc_id"]])
        bundle = Bundle(
            path=root,
            manifest=manifest,
            documents=documents,
            chunks=chunks,
            chunk_doc=np.asarray(chunk_doc, dtype=np.int64),
            dense=DenseIndex.load(root / "dense.faiss"),
            lexical=LexicalIndex.load(root / "lexical"),
            sentences=np.load(root / "sentences.npy", allow_pickle=False),
            sentence_vectors=np.load(root / "sentence_vectors.npy", allow_pickle=False),
            acronyms=json.loads((root / "acronyms.json").read_text(encoding="utf-8")),
            vocabulary=json.loads((root / "vocabulary.json").read_text(encoding="utf-8")),
            doc_index=doc_index,
        )
    except BundleError:
        raise
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
        raise _refused(root, f"corrupt bundle ({type(exc).__name__}: {exc})") from exc
    check_consistency(bundle)
    return bundle


VECTOR_SAMPLE = 1024  # rows whose norm is checked on load (all of them would read every vector)


def check_consistency(bundle: Bundle) -> None:
    """Refuse a bundle whose checksums are right but whose contents do not hold together: sentence
    rows that point at a missing document or outside its text, vectors that are not unit norm, sizes
    that do not match. Vectorised, so that it stays cheap on large bundles."""
    root = bundle.path
    dimension = int((bundle.manifest.get("embedder") or {}).get("dimension", -1))
    if bundle.dense.size != len(bundle.chunks) or len(bundle.sentences) != len(bundle.sentence_vectors):
        raise _refused(root, "index sizes do not match the chunk and sentence lists")
    rows = bundle.sentences
    if len(rows) and (rows.ndim != 2 or rows.shape[1] != 3 or not np.issubdtype(rows.dtype, np.integer)):
        raise _refused(root, "sentence rows are not (document, start, end) integers")
    if len(rows):
        docs, starts, ends = rows[:, 0], rows[:, 1], rows[:, 2]
        if docs.min() < 0 or docs.max() >= len(bundle.documents):
            raise _refused(root, "sentence rows point at documents the bundle does not hold")
        lengths = np.array([len(d.text) for d in bundle.documents], dtype=np.int64)
        if (starts < 0).any() or (ends <= starts).any() or (ends > lengths[docs]).any():
            raise _refused(root, "sentence offsets lie outside their document's text")
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
