"""The build pipeline: corpus files -> cleaned documents -> chunks -> embeddings -> bundle."""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import fcntl
import functools
import hashlib
import json
import logging
import multiprocessing
import os
import re
import secrets
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import numpy as np

from indexer import ocr
from indexer.acronyms import most_frequent_expansions
from indexer.corpus import MANIFEST_NAME, CorpusEntry, discover
from indexer.documents import CutDocument, Skipped, cut_document
from indexer.embedding_cache import EmbeddingCache, raw_keys, text_key
from indexer.suggestions import SuggestionCollector
from rapporteur import __version__
from rapporteur import parameters as parameters_module
from rapporteur.bundle.dense import ANN, DenseIndex
from rapporteur.bundle.model import DocumentMeta
from rapporteur.bundle.store import FORMAT_VERSION, current_manifest
from rapporteur.bundle.writer import BundleWriter, DerivedData
from rapporteur.embedders import Embedder, EmbeddingKind
from rapporteur.embedders.base import embedder_record
from rapporteur.errors import BuildLockedError, BuildWriteError, NothingToIndexError
from rapporteur.parameters import CHUNKING, DENSE, LEXICAL, SUGGESTIONS, ChunkingParams
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


# The project's packages a build can run code of (`service` and `evals` are never imported by it).
_BUILD_PACKAGES = ("indexer", "rapporteur")
# Modules a build imports whose source does not shape a bundle: the parameters are hashed by value
# (the build-time ones only, below), the settings are operational.
_UNHASHED_MODULES = frozenset({"rapporteur.parameters", "rapporteur.settings"})
PARAMETERS_MODULE = "rapporteur.parameters"
# Fields of the build-time parameter sets that only searches read.
_SEARCH_TIME_FIELDS = {
    "DenseParams": frozenset({"exact_max_filtered", "ivf_probes", "hnsw_ef_search"}),
    "SuggestionParams": frozenset({"max_results", "scan_cap"}),
}
_SOURCE_ROOT = Path(__file__).resolve().parents[1]


def _module_file(name: str) -> Path | None:
    """The source file of project module `name` (a package's `__init__.py`), if there is one."""
    base = _SOURCE_ROOT.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


_IMPORT_LINE = re.compile(r"^[ \t]*(?:import|from)[ \t]+[\w.]", re.MULTILINE)


def _import_nodes(source: str) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements of `source`, wherever they stand (functions included): each is parsed
    alone, which is much faster than parsing the whole module."""
    for match in _IMPORT_LINE.finditer(source):
        end = source.find("\n", match.start())
        statement = source[match.start() : len(source) if end < 0 else end].strip()
        if statement.endswith("(") or ("(" in statement and ")" not in statement):
            close = source.find(")", match.start())
            statement = " ".join(source[match.start() : close + 1].split())
        try:
            tree = ast.parse(statement)
        except SyntaxError:  # an import-like line of a string
            continue
        yield from (node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom))


def _imports(name: str, path: Path) -> tuple[set[str], set[str]]:
    """The project modules `path` (module `name`) imports anywhere in its code, functions included,
    and the names it imports from the parameters module."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    modules: set[str] = set()
    parameters: set[str] = set()
    for node in _import_nodes(path.read_text(encoding="utf-8")):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            modules.add(source)
            modules.update(f"{source}.{alias.name}" for alias in node.names)  # kept if a module
            if source == PARAMETERS_MODULE:
                parameters.update(alias.name for alias in node.names)
    return {m for m in modules if m.split(".")[0] in _BUILD_PACKAGES and _module_file(m)}, parameters


@dataclass(frozen=True)
class BuildInputs:
    """What a build runs and reads besides the corpus."""

    modules: dict[str, Path]  # project module name: its source file
    data: tuple[Path, ...]  # data files of their packages
    parameters: tuple[str, ...]  # names taken from the parameters module


@functools.cache
def build_inputs(*roots: str) -> BuildInputs:
    """What a build starting from modules `roots` runs and reads: the project modules it imports,
    directly or not (their packages included), the data files of their packages (`data/`, scripts
    aside), and the names it takes from the parameters module."""
    modules: dict[str, Path] = {}
    parameters: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in modules:
            continue
        path = _module_file(name)
        if path is None:
            raise RuntimeError(f"indexing module {name} not found under {_SOURCE_ROOT}")
        modules[name] = path
        found, taken = _imports(name, path)
        parameters |= taken
        parents = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)}
        todo += sorted(found | parents)
    hashed = {name: modules[name] for name in sorted(modules) if name not in _UNHASHED_MODULES}
    folders = {path.parent / "data" for path in hashed.values()}
    data = (f for folder in folders if folder.is_dir() for f in folder.rglob("*"))
    return BuildInputs(
        hashed, tuple(sorted(f for f in data if f.is_file() and f.suffix != ".py")), tuple(sorted(parameters))
    )


def _project_module(name: str) -> str | None:
    """`name` if it is a module of the build's packages (an embedder defined elsewhere is not)."""
    return name if name.split(".")[0] in _BUILD_PACKAGES and _module_file(name) else None


def build_parameters(names: Sequence[str]) -> dict[str, dict[str, object]]:
    """The values of the parameter sets `names` of the parameters module (a class: its defaults),
    their search-time fields left out."""
    values = {}
    for name in names:
        value = getattr(parameters_module, name)
        if isinstance(value, type) and dataclasses.is_dataclass(value):
            value = value()
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            skip = _SEARCH_TIME_FIELDS.get(type(value).__name__, frozenset())
            values[name] = {k: v for k, v in asdict(value).items() if k not in skip}
    return values


@functools.cache
def pipeline_hash(embedder_module: str | None = None) -> str:
    """Hash of what shapes a bundle besides the corpus: the source of every project module the build
    (and the embedder's module) imports, the data files they read, and the build-time parameters."""
    inputs = build_inputs("indexer.build", *([embedder_module] if embedder_module else []))
    digest = hashlib.sha256()
    for name, path in inputs.modules.items():
        digest.update(f"module {name}\n".encode())
        digest.update(path.read_bytes())
    for path in inputs.data:
        digest.update(f"data {path.relative_to(_SOURCE_ROOT).as_posix()}\n".encode())
        digest.update(path.read_bytes())
    digest.update(json.dumps(build_parameters(inputs.parameters), sort_keys=True).encode())
    return digest.hexdigest()


def _fingerprint(entries: list[CorpusEntry], embedder: Embedder, params: ChunkingParams) -> tuple[str, int]:
    """Hash of everything a bundle depends on: the code, the parameters, each file's bytes and
    metadata; and the corpus size in bytes. Reads the files, but loads none."""
    files = []
    size = 0
    for entry in entries:
        digest = hashlib.sha256()
        with entry.path.open("rb") as fh:
            for block in iter(lambda fh=fh: fh.read(1 << 20), b""):
                digest.update(block)
                size += len(block)
        files.append([entry.doc_id, entry.meta.to_dict() if entry.meta else None, digest.hexdigest()])
    payload = {
        "format": FORMAT_VERSION,
        "version": __version__,
        "pipeline": pipeline_hash(_project_module(type(embedder).__module__)),
        "embedder": embedder.identity,
        "chunking": params.to_dict(),
        "analyzer": analyzer.ANALYZER_VERSION,
        "files": files,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest(), size


def embed_with_cache(
    embedder: Embedder,
    cache: EmbeddingCache,
    texts: Sequence[str],
    kind: EmbeddingKind,
    batch_size: int = 32,
    progress: Progress | None = None,
    keys: Sequence[str] | None = None,
) -> tuple[np.ndarray, int]:
    """Vectors for `texts`, embedding only those missing from the cache; returns (vectors, embedded).

    New vectors go to the cache as they are made (flushed to disk every few hundred), so a build
    killed midway keeps them."""
    keys = keys if keys is not None else [text_key(kind, t) for t in texts]
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
    workers: int = 1,
    execution: Execution | None = None,
) -> BuildReport:
    """Build (or confirm up to date) the bundle of `corpus_dir` in `index_dir`.

    Documents stream through: memory holds the indexes' integer tables and the corpus-wide data,
    never the corpus. `workers` processes cut documents for a large corpus; another `execution`
    (a Ray cluster) runs the cutting and the embedding elsewhere, for the same bundle. One build at
    a time per index directory (BuildLockedError otherwise). A disk error (full, read-only) raises
    BuildWriteError, and leaves no partial file: the bundle in service stays.
    """
    try:
        with build_lock(index_dir):
            return _build(
                corpus_dir, index_dir, embedder, params, force, progress, execution or LocalExecution(workers)
            )
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
    execution: Execution,
) -> BuildReport:
    started = time.perf_counter()
    entries = discover(corpus_dir)
    if not entries:
        raise NothingToIndexError(f"nothing indexable in {corpus_dir} (no supported file)")
    fingerprint, corpus_bytes = _fingerprint(entries, embedder, params)
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
        )
    built_at = datetime.now(UTC)
    # Unique even for two builds of one corpus in the same second.
    build_id = f"{built_at:%Y%m%dT%H%M%S}-{fingerprint[:8]}-{secrets.token_hex(3)}"
    ocr.set_cache_dir(index_dir / "cache" / "ocr")  # before any worker process starts
    with BundleWriter(index_dir, build_id) as writer, contextlib.ExitStack() as scratch:
        derived, skipped = _cut_all(entries, writer, params, progress, execution, corpus_bytes)
        if not writer.document_count:
            raise NothingToIndexError(f"nothing indexable in {corpus_dir} ({len(skipped)} file(s) skipped)")
        cache = None
        if embedder.cacheable:
            cache = EmbeddingCache(index_dir / "cache", embedder.identity, embedder.dimension)
        elif execution.embeds_ahead:  # the vectors made elsewhere need a place until they are written
            where = scratch.enter_context(tempfile.TemporaryDirectory(prefix=".scratch-", dir=index_dir))
            cache = EmbeddingCache(Path(where), embedder.identity, embedder.dimension)
        embedded = execution.embed_ahead(writer, cache, progress) if cache is not None else 0
        embedded += _embed_all(writer, embedder, cache, progress)
        dense_kind = "exact"
        if DenseIndex.needs_ann(writer.chunk_count):
            bar = progress(writer.chunk_count, "approximate index") if progress else None
            vectors = writer.vectors_of("passage_vectors")
            try:
                DenseIndex.build_ann(vectors, writer.path / ANN, bar)
            finally:
                vectors.close()
            if bar:
                bar.close()
            dense_kind = DENSE.ann_factory
        manifest = {
            "build_id": build_id,
            "built_at": built_at.isoformat(timespec="seconds"),
            "package_version": __version__,
            "corpus_fingerprint": fingerprint,
            "embedder": embedder_record(embedder),
            "chunking": params.to_dict(),
            "analyzer": analyzer.describe(),
            "lexical": {"engine": "bm25", **asdict(LEXICAL)},
            "dense": {"engine": "faiss", "kind": dense_kind, "metric": "inner_product", "size": writer.chunk_count},
            "counts": {
                "documents": writer.document_count,
                "chunks": writer.chunk_count,
                "sentences": writer.sentence_count,
                "embedded": embedded,
                "reused": writer.chunk_count + writer.sentence_count - embedded,
            },
        }
        path = writer.finish(manifest, derived)
    return BuildReport(
        build_id,
        path,
        writer.document_count,
        writer.chunk_count,
        writer.sentence_count,
        embedded,
        writer.chunk_count + writer.sentence_count - embedded,
        time.perf_counter() - started,
        False,
        skipped,
    )


CutResults = Iterator[CutDocument | Skipped]


class Execution(Protocol):
    """Where the heavy stages of a build run. The driver (this process) always writes the bundle."""

    embeds_ahead: bool  # whether `embed_ahead` embeds (the build then gives it a cache to fill)

    def cut(self, entries: list[CorpusEntry], params: ChunkingParams) -> AbstractContextManager[CutResults]:
        """The documents of `entries` cut, in corpus order."""

    def embed_ahead(self, writer: BundleWriter, cache: EmbeddingCache, progress: ProgressFactory | None) -> int:
        """Put the vectors of the writer's texts that `cache` lacks into it; returns how many it embedded."""


# Below this many documents, cutting them in worker processes costs more than it saves.
POOL_MIN_DOCUMENTS = 64


class LocalExecution:
    """This machine: documents cut in `workers` processes for a large corpus, texts embedded in
    this process as the vectors are written."""

    embeds_ahead = False

    def __init__(self, workers: int = 1) -> None:
        self.workers = workers

    @contextlib.contextmanager
    def cut(self, entries: list[CorpusEntry], params: ChunkingParams) -> Iterator[CutResults]:
        cut = functools.partial(cut_document, params=params)
        if self.workers > 1 and len(entries) >= POOL_MIN_DOCUMENTS:
            context = multiprocessing.get_context("forkserver")
            with context.Pool(self.workers, _warm_worker, (ocr.cache_dir(),)) as pool:
                yield pool.imap(cut, entries, chunksize=4)
        else:
            yield map(cut, entries)

    def embed_ahead(self, writer: BundleWriter, cache: EmbeddingCache, progress: ProgressFactory | None) -> int:
        return 0


def _cut_all(
    entries: list[CorpusEntry],
    writer: BundleWriter,
    params: ChunkingParams,
    progress: ProgressFactory | None,
    execution: Execution,
    corpus_bytes: int,
) -> tuple[DerivedData, list[tuple[str, str]]]:
    """Cut every document (as `execution` does it) and hand it to the writer as it comes, in corpus
    order; gather the corpus-wide data on the way."""
    default_gazetteer()  # loaded once, before any worker starts
    acronyms: Counter[tuple[str, str]] = Counter()
    vocabulary: Counter[str] = Counter()
    places: dict[tuple, dict[str, object]] = {}
    suggestions = SuggestionCollector(SuggestionCollector.rate_for(corpus_bytes))
    skipped: list[tuple[str, str]] = []
    bar = progress(len(entries), "reading and cutting documents") if progress else None
    with execution.cut(entries, params) as results:
        for result in results:
            if bar:
                bar.update(1)
            for message in result.warnings:  # logged where the file was cut, perhaps another process
                log.warning("%s", message)
            if isinstance(result, Skipped):
                log.warning("skipping %s", result.reason)
                skipped.append((result.path, result.reason))
                continue
            writer.add(result.parts)
            record = result.parts.record
            if record.meta.inferred:
                _log_inferred(result.source or record.meta.id, record.meta)
            acronyms.update(result.acronyms)
            vocabulary.update(result.vocabulary)
            for place in result.places:
                places.setdefault((place["name"], place["kind"], tuple(place["departements"]), place["commune"]), place)  # type: ignore[arg-type]
            suggestions.add(record.meta.title, record.content_hash, record.text, result.headings)
    if bar:
        bar.close()
    derived = DerivedData(
        acronyms=most_frequent_expansions(acronyms.items()),
        vocabulary=dict(vocabulary.most_common(SUGGESTIONS.max_vocabulary)),
        places=sorted(places.values(), key=lambda p: (str(p["name"]), str(p["commune"] or ""))),
        suggestions=suggestions.candidates(),
    )
    return derived, skipped


def _log_inferred(source: str, meta: DocumentMeta) -> None:
    """One warning naming an unlisted file and the metadata inferred for it, to confirm in the manifest."""
    found = ", ".join(f"{name}={getattr(meta, name)!r}" for name in meta.inferred)
    log.warning("%s is not in %s; inferred %s: confirm or correct them there", source, MANIFEST_NAME, found)


def _warm_worker(ocr_cache: Path | None) -> None:
    """Start a cutting process: the gazetteer loaded, the OCR cache of this build (a forkserver keeps
    the environment of its first start)."""
    ocr.set_cache_dir(ocr_cache)
    default_gazetteer()


EMBED_BATCH = 1024  # texts read back and looked up in the cache at a time


def _embed_all(
    writer: BundleWriter, embedder: Embedder, cache: EmbeddingCache | None, progress: ProgressFactory | None
) -> int:
    """Embed every passage (header and text) and every sentence into the bundle's vector files;
    returns how many texts were embedded (the others came from the cache)."""
    bar = progress(writer.chunk_count + writer.sentence_count, "embedding") if progress else None
    embedded = 0
    keep: list[np.ndarray] = []
    for name, count, texts in (
        ("passage_vectors", writer.chunk_count, writer.passage_texts(EMBED_BATCH)),
        ("sentence_vectors", writer.sentence_count, writer.sentence_texts(EMBED_BATCH)),
    ):
        out = writer.vectors(name, count, embedder.dimension)
        for _, batch in texts:
            if cache is None:
                vectors, done = embedder.embed(batch, "passage"), len(batch)
            else:
                keys = [text_key("passage", t) for t in batch]
                keep.append(raw_keys(keys))
                vectors, done = embed_with_cache(embedder, cache, batch, "passage", keys=keys)
            out.append(vectors)
            embedded += done
            if bar:
                bar.update(len(batch))
        out.close()
    if bar:
        bar.close()
    if cache is not None:
        cache.flush()
        cache.compact(keep=np.concatenate(keep) if keep else raw_keys([]))
    return embedded
