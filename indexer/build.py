"""The build pipeline: corpus files -> cleaned documents -> chunks -> embeddings -> bundle."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import importlib.util
import json
import logging
import os
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from indexer.acronyms import extract_acronyms
from indexer.chunking import chunk_text, section_starts
from indexer.corpus import discover, infer_meta
from indexer.derived import is_glossary, places_named
from indexer.embedding_cache import EmbeddingCache, text_key
from indexer.loaders import load_file
from indexer.periods import years_reported
from indexer.sentences import sentence_spans
from indexer.suggestions import suggestion_candidates
from rapporteur import __version__
from rapporteur.bundle.dense import DenseIndex
from rapporteur.bundle.lexical import LexicalIndex
from rapporteur.bundle.model import Chunk, DocumentRecord, page_at, passage_header
from rapporteur.bundle.store import FORMAT_VERSION, BundleContents, current_manifest, save_bundle
from rapporteur.embedders import Embedder, EmbeddingKind
from rapporteur.errors import BuildLockedError, BuildWriteError, LoaderError, NothingToIndexError
from rapporteur.parameters import CHUNKING, LEXICAL, ChunkingParams
from rapporteur.text import analyzer
from rapporteur.text.places import default_gazetteer

log = logging.getLogger(__name__)

ProgressFactory = Callable[[int, str], "Progress"]


class Progress:
    """Minimal progress sink; the CLI passes a tqdm-backed one."""

    def update(self, n: int) -> None:  # pragma: no cover - trivial
        pass

    def close(self) -> None:  # pragma: no cover - trivial
        pass


@dataclass
class BuildReport:
    """What a build did, for the CLI summary and the tests."""

    build_id: str
    bundle_path: Path | None
    documents: int
    chunks: int
    sentences: int
    embedded: int
    reused: int
    seconds: float
    up_to_date: bool = False
    skipped: list[tuple[str, str]] = field(default_factory=list)


# Modules whose code shapes a bundle: a change to any of them makes the next build a real one.
_PIPELINE_MODULES = (
    "indexer.build",
    "indexer.cleaning",
    "indexer.loaders",
    "indexer.sections",
    "indexer.chunking",
    "indexer.sentences",
    "indexer.periods",
    "indexer.acronyms",
    "rapporteur.text.analyzer",
    "rapporteur.bundle.lexical",
    "rapporteur.bundle.model",
    "rapporteur.bundle.store",
    "indexer.derived",
    "indexer.suggestions",
    "rapporteur.text.places",
    "rapporteur.parameters",
)


@functools.cache
def pipeline_hash() -> str:
    """Hash of the indexing code itself, part of the corpus fingerprint."""
    digest = hashlib.sha256()
    for name in _PIPELINE_MODULES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:  # pragma: no cover - the modules are part of the package
            raise RuntimeError(f"indexing module {name} not found")
        digest.update(Path(spec.origin).read_bytes())
    return digest.hexdigest()


def _fingerprint(records: list[DocumentRecord], embedder_name: str, params: ChunkingParams) -> str:
    payload = {
        "format": FORMAT_VERSION,
        "version": __version__,
        "pipeline": pipeline_hash(),
        "embedder": embedder_name,
        "chunking": params.to_dict(),
        "analyzer": analyzer.ANALYZER_VERSION,
        "documents": [[r.meta.to_dict(), r.content_hash] for r in records],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def load_corpus(corpus_dir: Path) -> tuple[list[DocumentRecord], list[tuple[str, str]]]:
    """Load every usable file; unusable ones are skipped with a warning naming them."""
    records: list[DocumentRecord] = []
    skipped: list[tuple[str, str]] = []
    for entry in discover(corpus_dir):
        try:
            loaded = load_file(entry.path)
        except LoaderError as exc:
            log.warning("skipping %s", exc)
            skipped.append((str(entry.path), str(exc)))
            continue
        meta = entry.meta or infer_meta(entry.doc_id, loaded.text, loaded.title_hint)
        content_hash = hashlib.sha256(loaded.text.encode()).hexdigest()
        sections = tuple(section_starts(loaded.text))
        records.append(DocumentRecord(meta, loaded.text, content_hash, loaded.page_starts, sections))
    return records, skipped


def embed_with_cache(
    embedder: Embedder,
    cache: EmbeddingCache,
    texts: Sequence[str],
    kind: EmbeddingKind,
    batch_size: int = 32,
    progress: Progress | None = None,
) -> tuple[np.ndarray, int]:
    """Vectors for `texts`, embedding only those missing from the cache; returns (vectors, embedded).

    New vectors go to the cache as they are made (flushed to disk every few hundred), so a build
    killed midway keeps them."""
    keys = [text_key(kind, t) for t in texts]
    out = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    found, vectors = cache.lookup(keys)
    out[found] = vectors
    todo: dict[str, list[int]] = {}
    for i in np.flatnonzero(~found):
        todo.setdefault(keys[i], []).append(int(i))
    pending = list(todo.items())
    for start in range(0, len(pending), batch_size):
        batch = pending[start : start + batch_size]
        embedded = embedder.embed([texts[rows[0]] for _, rows in batch], kind)
        for (key, rows), vector in zip(batch, embedded, strict=True):
            cache.put(key, vector)
            out[rows] = vector
        if progress:
            progress.update(len(batch))
    return out, len(pending)


def _vocabulary(records: list[DocumentRecord]) -> dict[str, int]:
    """Folded surface words with their frequency (spelling correction and suggestions)."""
    counts: Counter[str] = Counter()
    for record in records:
        counts.update(analyzer.fold(w) for w in analyzer.words(record.text))
    return {w: n for w, n in counts.most_common() if len(w) > 1 and not w.isdigit()}


LOCK_NAME = ".build.lock"


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Hold the build lock of `index_dir` (an OS file lock: released even if the build is killed)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / LOCK_NAME).open("a+") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "?"
            raise BuildLockedError(f"a build is already running on {index_dir} (process {holder})") from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    embedder: Embedder,
    params: ChunkingParams = CHUNKING,
    force: bool = False,
    progress: ProgressFactory | None = None,
) -> BuildReport:
    """Build (or confirm up to date) the bundle of `corpus_dir` in `index_dir`.

    One build at a time per index directory (BuildLockedError otherwise). A disk error (full,
    read-only) raises BuildWriteError, and leaves no partial file: the bundle in service stays.
    """
    try:
        with build_lock(index_dir):
            return _build(corpus_dir, index_dir, embedder, params, force, progress)
    except OSError as exc:
        where = exc.filename or index_dir
        raise BuildWriteError(f"cannot write the index: {exc.strerror or exc} ({where})") from exc


def _build(
    corpus_dir: Path,
    index_dir: Path,
    embedder: Embedder,
    params: ChunkingParams,
    force: bool,
    progress: ProgressFactory | None,
) -> BuildReport:
    started = time.perf_counter()
    records, skipped = load_corpus(corpus_dir)
    if not records:
        raise NothingToIndexError(f"nothing indexable in {corpus_dir} ({len(skipped)} file(s) skipped)")
    fingerprint = _fingerprint(records, embedder.name, params)
    existing = current_manifest(index_dir)
    if not force and existing and existing.get("corpus_fingerprint") == fingerprint:
        counts = existing["counts"]
        return BuildReport(
            existing["build_id"],
            None,
            counts["documents"],
            counts["chunks"],
            counts["sentences"],
            0,
            0,
            time.perf_counter() - started,
            True,
            skipped,
        )

    cut = _cut(records, params)
    cache = EmbeddingCache(index_dir / "cache", embedder.name, embedder.dimension)
    embedded = _embed(cut, embedder, cache, progress)
    contents = _contents(records, cut, embedded)
    built_at = datetime.now(UTC)
    # Unique even for two builds of one corpus in the same second.
    build_id = f"{built_at:%Y%m%dT%H%M%S}-{fingerprint[:8]}-{secrets.token_hex(3)}"
    manifest = {
        "build_id": build_id,
        "built_at": built_at.isoformat(timespec="seconds"),
        "package_version": __version__,
        "corpus_fingerprint": fingerprint,
        "embedder": {"name": embedder.name, "dimension": embedder.dimension},
        "chunking": params.to_dict(),
        "analyzer": analyzer.describe(),
        "lexical": {"engine": "bm25s", **asdict(LEXICAL)},
        "dense": {
            "engine": "faiss",
            "kind": contents.dense.kind,
            "metric": "inner_product",
            "size": contents.dense.size,
        },
        "documents": cut.per_doc,
        "counts": {
            "documents": len(records),
            "chunks": len(cut.chunks),
            "sentences": len(cut.sentence_rows),
            "embedded": embedded.count,
            "reused": embedded.unique - embedded.count,
        },
    }
    path = save_bundle(index_dir, manifest, contents)
    return BuildReport(
        build_id,
        path,
        len(records),
        len(cut.chunks),
        len(cut.sentence_rows),
        embedded.count,
        embedded.unique - embedded.count,
        time.perf_counter() - started,
        False,
        skipped,
    )


@dataclass
class _Cut:
    """The documents cut into chunks and sentences, with the texts to embed."""

    chunks: list[Chunk]
    sentence_rows: list[tuple[int, int, int]]
    per_doc: list[dict[str, object]]
    passages: list[str]  # header + text of each chunk: what is embedded and indexed
    sentence_texts: list[str]


def _cut(records: list[DocumentRecord], params: ChunkingParams) -> _Cut:
    chunks: list[Chunk] = []
    sentence_rows: list[tuple[int, int, int]] = []
    per_doc: list[dict[str, object]] = []
    for doc_index, record in enumerate(records):
        doc_chunks = chunk_text(record.meta.id, record.text, params, functools.partial(page_at, record.page_starts))
        chunks.extend(doc_chunks)
        spans = sentence_spans(record.text)
        sentence_rows.extend((doc_index, s, e) for s, e in spans)
        per_doc.append(
            {
                **record.meta.to_dict(),
                "content_hash": record.content_hash,
                "characters": len(record.text),
                "chunks": len(doc_chunks),
                "sentences": len(spans),
                "pages": len(record.page_starts) if record.page_starts else None,
                "years_reported": years_reported(record.text, record.meta.year),
            }
        )
    org_of = {r.meta.id: r.meta.organisation for r in records}
    passages = [f"{passage_header(org_of[c.doc_id], c.section)}\n{c.text}" for c in chunks]
    sentence_texts = [records[d].text[s:e] for d, s, e in sentence_rows]
    return _Cut(chunks, sentence_rows, per_doc, passages, sentence_texts)


@dataclass
class _Embedded:
    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray
    count: int  # texts embedded by this build
    unique: int  # distinct texts in the bundle


def _embed(cut: _Cut, embedder: Embedder, cache: EmbeddingCache, progress: ProgressFactory | None) -> _Embedded:
    bar = progress(len(cut.passages) + len(cut.sentence_texts), "embedding") if progress else None
    chunk_vectors, embedded_chunks = embed_with_cache(embedder, cache, cut.passages, "passage", progress=bar)
    if bar:
        bar.update(len(cut.passages) - embedded_chunks)
    sentence_vectors, embedded_sentences = embed_with_cache(
        embedder, cache, cut.sentence_texts, "passage", progress=bar
    )
    if bar:
        bar.update(len(cut.sentence_texts) - embedded_sentences)
        bar.close()
    cache.flush()
    cache.compact(keep={text_key("passage", t) for t in cut.passages + cut.sentence_texts})
    unique = len(set(cut.passages)) + len(set(cut.sentence_texts))
    return _Embedded(chunk_vectors, sentence_vectors, embedded_chunks + embedded_sentences, unique)


def _contents(records: list[DocumentRecord], cut: _Cut, embedded: _Embedded) -> BundleContents:
    """The indexes and the derived data of the bundle."""
    return BundleContents(
        documents=records,
        chunks=cut.chunks,
        sentences=np.asarray(cut.sentence_rows, dtype=np.int64).reshape(-1, 3),
        dense=DenseIndex.build(embedded.chunk_vectors),
        lexical=LexicalIndex.build([analyzer.analyze(p) for p in cut.passages]),
        sentence_vectors=embedded.sentence_vectors,
        acronyms=extract_acronyms([r.text for r in records]),
        vocabulary=_vocabulary(records),
        glossary=np.array([is_glossary(c.text) for c in cut.chunks], dtype=bool),
        places=places_named((r.text for r in records), default_gazetteer()),
        suggestions=suggestion_candidates(records, cut.chunks),
    )
