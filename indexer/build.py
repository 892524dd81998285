"""The build pipeline: corpus files -> cleaned documents -> chunks -> embeddings -> bundle."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from indexer import __version__, analyzer
from indexer.acronyms import extract_acronyms
from indexer.bundle import FORMAT_VERSION, DocumentRecord, current_manifest, write_bundle
from indexer.chunking import Chunk, ChunkingParams, chunk_text, section_starts
from indexer.corpus import discover, infer_meta
from indexer.dense import DenseIndex
from indexer.embedders import Embedder, EmbeddingKind
from indexer.embedding_cache import EmbeddingCache, text_key
from indexer.errors import LoaderError, NothingToIndexError
from indexer.lexical import BM25_PARAMS, LexicalIndex
from indexer.loaders import load_file, page_number
from indexer.periods import years_reported
from indexer.sentences import sentence_spans

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


def passage_header(organisation: str | None, section: str) -> str:
    """Context prepended to a chunk for embedding and BM25: who wrote it and where it sits."""
    return " · ".join(part for part in (organisation, section) if part)


# Modules whose code shapes a bundle: a change to any of them makes the next build a real one.
_PIPELINE_MODULES = (
    "build",
    "cleaning",
    "loaders",
    "sections",
    "chunking",
    "sentences",
    "periods",
    "analyzer",
    "acronyms",
    "lexical",
)


@functools.cache
def pipeline_hash() -> str:
    """Hash of the indexing code itself, part of the corpus fingerprint."""
    digest = hashlib.sha256()
    for name in _PIPELINE_MODULES:
        digest.update((Path(__file__).parent / f"{name}.py").read_bytes())
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
    """Vectors for `texts`, embedding only those missing from the cache; returns (vectors, embedded)."""
    keys = [text_key(kind, t) for t in texts]
    missing = [i for i, k in enumerate(keys) if cache.get(k) is None]
    todo = list(dict.fromkeys(keys[i] for i in missing))
    text_of = {keys[i]: texts[i] for i in missing}
    for start in range(0, len(todo), batch_size):
        batch = todo[start : start + batch_size]
        vectors = embedder.embed([text_of[k] for k in batch], kind)
        for key, vector in zip(batch, vectors, strict=True):
            cache.put(key, vector)
        if progress:
            progress.update(len(batch))
    out = np.stack([cache.get(k) for k in keys]) if keys else np.zeros((0, embedder.dimension), np.float32)
    return out.astype(np.float32), len(todo)


def _vocabulary(records: list[DocumentRecord]) -> dict[str, int]:
    """Folded surface words with their frequency (spelling correction and suggestions)."""
    counts: Counter[str] = Counter()
    for record in records:
        counts.update(analyzer.fold(w) for w in analyzer.words(record.text))
    return {w: n for w, n in counts.most_common() if len(w) > 1 and not w.isdigit()}


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    embedder: Embedder,
    params: ChunkingParams = ChunkingParams(),  # noqa: B008 - frozen dataclass
    force: bool = False,
    progress: ProgressFactory | None = None,
) -> BuildReport:
    """Build (or confirm up to date) the bundle of `corpus_dir` in `index_dir`."""
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

    chunks: list[Chunk] = []
    sentence_rows: list[tuple[int, int, int]] = []
    per_doc: list[dict[str, object]] = []
    for doc_index, record in enumerate(records):
        page_at = functools.partial(page_number, record.page_starts)
        doc_chunks = chunk_text(record.meta.id, record.text, params, page_at)
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

    cache = EmbeddingCache(index_dir / "cache", embedder.name, embedder.dimension)
    bar = progress(len(passages) + len(sentence_texts), "embedding") if progress else None
    chunk_vectors, embedded_chunks = embed_with_cache(embedder, cache, passages, "passage", progress=bar)
    if bar:
        bar.update(len(passages) - embedded_chunks)
    sentence_vectors, embedded_sentences = embed_with_cache(embedder, cache, sentence_texts, "passage", progress=bar)
    if bar:
        bar.update(len(sentence_texts) - embedded_sentences)
        bar.close()
    cache.save(keep={text_key("passage", t) for t in passages + sentence_texts})

    dense = DenseIndex.build(chunk_vectors)
    lexical = LexicalIndex.build([analyzer.analyze(p) for p in passages])
    built_at = datetime.now(UTC)
    build_id = built_at.strftime("%Y%m%dT%H%M%S") + "-" + fingerprint[:8]
    embedded = embedded_chunks + embedded_sentences
    unique_texts = len(set(passages)) + len(set(sentence_texts))
    manifest = {
        "format_version": FORMAT_VERSION,
        "build_id": build_id,
        "built_at": built_at.isoformat(timespec="seconds"),
        "package_version": __version__,
        "corpus_fingerprint": fingerprint,
        "embedder": {"name": embedder.name, "dimension": embedder.dimension},
        "chunking": params.to_dict(),
        "analyzer": analyzer.describe(),
        "lexical": {"engine": "bm25s", **BM25_PARAMS},
        "dense": {"engine": "faiss", "kind": dense.kind, "metric": "inner_product", "size": dense.size},
        "documents": per_doc,
        "counts": {
            "documents": len(records),
            "chunks": len(chunks),
            "sentences": len(sentence_rows),
            "embedded": embedded,
            "reused": unique_texts - embedded,
        },
    }
    path = write_bundle(
        index_dir,
        manifest,
        records,
        chunks,
        dense,
        lexical,
        np.asarray(sentence_rows, dtype=np.int64).reshape(-1, 3),
        sentence_vectors,
        extract_acronyms([r.text for r in records]),
        _vocabulary(records),
    )
    return BuildReport(
        build_id,
        path,
        len(records),
        len(chunks),
        len(sentence_rows),
        embedded,
        unique_texts - embedded,
        time.perf_counter() - started,
        False,
        skipped,
    )
