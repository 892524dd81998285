"""The build on a Ray cluster (`python -m indexer build --ray`): the same bundle as the local build.

- read and cut: a Ray Data `map` reads each corpus file on a worker, then parses, cleans and cuts
  it into sections, chunks and sentences (`cut_document`); the driver (this process) writes the
  documents in corpus order with the same `BundleWriter` as the local build;
- embed: the texts the embedding cache lacks go to an actor pool (`map_batches` with a class: one
  model per actor, GPUs when the cluster has them and the embedder can use them); their vectors
  come back into the driver's cache;
- the build then writes the vector files from the cache, and makes the lexical index, the ANN and
  the manifest on the driver, as locally.

A failed stage raises BuildError (the bundle in service stays); Ray retries the tasks and actors of
a worker that dies. Workers must see the corpus at the same path (shared storage), and their
Python environment must hold this package. Needs the optional extra: pip install 'rapporteur[ray]'.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from indexer import ocr
from indexer.build import CutResults, ProgressFactory
from indexer.corpus import CorpusEntry
from indexer.documents import Skipped, cut_document
from indexer.embedding_cache import EmbeddingCache, text_key
from indexer.loaders import read_file
from rapporteur.bundle.model import DocumentMeta
from rapporteur.bundle.writer import BundleWriter
from rapporteur.errors import BuildError, LoaderError, RapporteurError
from rapporteur.parameters import DISTRIBUTED, ChunkingParams, DistributedParams

log = logging.getLogger(__name__)

INSTALL_HINT = "the Ray build needs the optional extra: pip install 'rapporteur[ray]'"
GPU_EMBEDDERS = ("sentence-transformers:",)  # backends that can run on a GPU


def _ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise BuildError(INSTALL_HINT) from exc
    return ray


@contextlib.contextmanager
def ray_cluster(address: str | None = None, num_cpus: int | None = None) -> Iterator[Any]:
    """Join the cluster at `address` (or RAY_ADDRESS), or start a local one with `num_cpus` CPUs;
    shut down what this process started when done."""
    os.environ.setdefault("RAY_DATA_LOG_LEVEL", "WARNING")  # read when ray.data is first imported
    ray = _ray()
    address = address or os.environ.get("RAY_ADDRESS") or None
    started = not ray.is_initialized()
    if started:
        options: dict[str, Any] = {
            "include_dashboard": False,
            "log_to_driver": False,
            "logging_level": logging.WARNING,
        }
        if address:
            ray.init(address=address, **options)
        else:
            ray.init(num_cpus=num_cpus, **options)
    try:
        # Ray Data reports each dataset it runs, and that progress bars are off: our progress bars say it.
        logging.getLogger("ray.data").setLevel(logging.ERROR)
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.execution_options.preserve_order = True
        yield ray
    finally:
        if started:
            ray.shutdown()


class _Embed:
    """One embedding model per actor; embeds a batch of {"key", "text"} into {"key", "vector"}."""

    def __init__(self, spec: str, allow_download: bool, device: str | None, threads: int) -> None:
        from rapporteur.embedders import create_embedder

        self.embedder = create_embedder(spec, allow_download=allow_download, device=device)
        self.threads = threads

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        self.embedder.use_threads(self.threads)  # per calling thread: set where the work happens
        vectors = self.embedder.embed([str(t) for t in batch["text"]], "passage")
        return {"key": batch["key"], "vector": vectors}


def _row_of(order: int, entry: CorpusEntry) -> dict[str, Any]:
    """A corpus entry as a row of plain columns."""
    meta = json.dumps(entry.meta.to_dict(), ensure_ascii=False) if entry.meta else ""
    return {"order": order, "path": str(entry.path), "doc_id": entry.doc_id, "meta": meta}


def _entry_of(row: dict[str, Any]) -> CorpusEntry:
    meta = None
    if row["meta"]:
        fields = json.loads(row["meta"])
        meta = DocumentMeta(**{**fields, "inferred": tuple(fields["inferred"])})
    return CorpusEntry(Path(row["path"]), str(row["doc_id"]), meta)


def _worker_dimension(spec: str, allow_download: bool, device: str | None) -> int:
    from rapporteur.embedders import create_embedder

    return create_embedder(spec, allow_download=allow_download, device=device).dimension


def _read_and_cut(row: dict[str, Any], params: ChunkingParams, ocr_cache: str | None) -> dict[str, Any]:
    ocr.set_cache_dir(Path(ocr_cache) if ocr_cache else None)  # the index's, on shared storage
    ocr.use_one_process()  # Ray runs one cutting task per CPU
    entry = _entry_of(row)
    try:
        data = read_file(entry.path)
    except LoaderError as exc:
        return {"order": row["order"], "result": Skipped(str(entry.path), str(exc))}
    return {"order": row["order"], "result": cut_document(entry, params, data)}


class RayExecution:
    """Cut and embed on a Ray cluster (`ray.init` must have run: see `ray_cluster`).

    `actors` embedding actors (default: as many as the cluster's CPUs allow with `cpus_per_actor`
    each, or one per GPU), each calling the model on `params.embed_batch` texts.
    """

    embeds_ahead = True

    def __init__(
        self,
        embedder_spec: str,
        allow_download: bool = False,
        actors: int | None = None,
        params: DistributedParams = DISTRIBUTED,
    ) -> None:
        self.ray = _ray()
        self.embedder_spec = embedder_spec
        self.allow_download = allow_download
        self.params = params
        resources = self.ray.cluster_resources()
        self.gpus = int(resources.get("GPU", 0)) if embedder_spec.startswith(GPU_EMBEDDERS) else 0
        cpus = int(resources.get("CPU", 1))
        if self.gpus:
            self.actors = actors or self.gpus
        else:
            self.actors = actors or max(1, cpus // params.cpus_per_actor)

    @contextlib.contextmanager
    def cut(self, entries: list[CorpusEntry], params: ChunkingParams) -> Iterator[CutResults]:
        rows = [_row_of(i, entry) for i, entry in enumerate(entries)]
        dataset = self.ray.data.from_items(rows, override_num_blocks=min(len(rows), self.params.cut_blocks))
        cache = ocr.cache_dir()
        cut = dataset.map(_read_and_cut, fn_kwargs={"params": params, "ocr_cache": str(cache) if cache else None})
        yield self._in_order(cut.iter_rows(), len(entries))

    @staticmethod
    def _in_order(rows: Iterator[dict[str, Any]], count: int) -> CutResults:
        """The results by their corpus order, whatever order they arrive in."""
        waiting: dict[int, Any] = {}
        following = 0
        for row in _stage(rows, "reading and cutting"):
            waiting[int(row["order"])] = row["result"]
            while following in waiting:
                yield waiting.pop(following)
                following += 1
        if following != count:  # pragma: no cover - Ray Data returns every row or raises
            raise BuildError(f"the cluster returned {following} of {count} documents")

    def embed_ahead(self, writer: BundleWriter, cache: EmbeddingCache, progress: ProgressFactory | None) -> int:
        blocks = self._missing_blocks(writer, cache)
        if blocks:
            self.check_workers(cache.dimension)
        return self.embed_blocks(blocks, cache, progress)

    def check_workers(self, dimension: int) -> None:
        """Create the embedder once on a worker, so that a cluster that cannot (a package or a
        model missing there) fails at once and says why, rather than after the actors' restarts."""
        probe = self.ray.remote(_worker_dimension).options(
            num_cpus=0 if self.gpus else 1, num_gpus=1 if self.gpus else 0, max_retries=0
        )
        device = "cuda" if self.gpus else None
        try:
            found = self.ray.get(probe.remote(self.embedder_spec, self.allow_download, device))
        except Exception as exc:
            raise BuildError(
                f"the workers cannot create the embedder {self.embedder_spec!r}: {worker_error(exc)}"
            ) from exc
        if found != dimension:
            raise BuildError(
                f"the workers' embedder {self.embedder_spec!r} makes vectors of {found} dimensions, "
                f"this process's {dimension}: not the same model"
            )

    def embed_blocks(
        self, blocks: list[tuple[Any, int]], cache: EmbeddingCache, progress: ProgressFactory | None
    ) -> int:
        """Embed the texts of `blocks` ((reference to a {"key", "text"} table, rows)) on the actor
        pool into `cache`; returns how many."""
        if not blocks:
            return 0
        missing = sum(n for _, n in blocks)
        bar = progress(missing, f"embedding on {self.actors} actor(s)") if progress else None
        dataset = self.ray.data.from_arrow_refs([ref for ref, _ in blocks]).map_batches(
            _Embed,
            fn_constructor_kwargs={
                "spec": self.embedder_spec,
                "allow_download": self.allow_download,
                "device": "cuda" if self.gpus else None,
                "threads": self.params.cpus_per_actor,
            },
            batch_size=self.params.embed_batch,
            batch_format="numpy",
            compute=self.ray.data.ActorPoolStrategy(size=min(self.actors, len(blocks))),
            num_cpus=0 if self.gpus else self.params.cpus_per_actor,
            num_gpus=1 if self.gpus else 0,
        )
        done = 0
        for batch in _stage(dataset.iter_batches(batch_size=None, batch_format="numpy"), "embedding"):
            for key, vector in zip(batch["key"].tolist(), batch["vector"], strict=True):
                cache.put(key, vector)
            done += len(batch["key"])
            if bar:
                bar.update(len(batch["key"]))
        if bar:
            bar.close()
        cache.flush()
        if done != missing:  # pragma: no cover - Ray Data returns every row or raises
            raise BuildError(f"the cluster embedded {done} of {missing} texts")
        return done

    def block(self, keys: list[str], texts: list[str]) -> tuple[Any, int]:
        """Texts to embed and their cache keys, put in the object store: (reference, rows)."""
        import pyarrow as pa

        return self.ray.put(pa.table({"key": keys, "text": texts})), len(keys)

    def _missing_blocks(self, writer: BundleWriter, cache: EmbeddingCache) -> list[tuple[Any, int]]:
        """The texts the cache lacks (each once), put in the object store in blocks of
        `embed_batch` (one call of an actor each, so that every actor gets some): (reference, rows)
        of each block."""
        blocks: list[tuple[Any, int]] = []
        keys: list[str] = []
        texts: list[str] = []
        queued: set[str] = set()

        def put() -> None:
            blocks.append(self.block(keys, texts))
            keys.clear()
            texts.clear()

        batch = self.params.embed_batch
        for source in (writer.passage_texts(batch), writer.sentence_texts(batch)):
            for _, chunk in source:
                chunk_keys = [text_key("passage", t) for t in chunk]
                found, _ = cache.lookup(chunk_keys)
                for i in np.flatnonzero(~found).tolist():
                    if chunk_keys[i] not in queued:
                        queued.add(chunk_keys[i])
                        keys.append(chunk_keys[i])
                        texts.append(chunk[i])
                if len(keys) >= batch:
                    put()
        if keys:
            put()
        return blocks


def _stage(items: Iterator[Any], name: str) -> Iterator[Any]:
    """`items`, with a failure of the cluster turned into a BuildError naming the stage."""
    try:
        yield from items
    except BuildError:
        raise
    except Exception as exc:  # Ray wraps the worker's exception in its own types
        raise BuildError(f"{name} on the cluster failed: {worker_error(exc)}") from exc


_OUR_ERROR = re.compile(r"rapporteur\.errors\.\w+: (?P<message>[^\n]+)")


def worker_error(exc: BaseException) -> str:
    """What went wrong on the worker behind `exc`: our own error's message when it is one (Ray
    sends it back as text inside its own exception types), else the first line of the last error."""
    chain: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and seen not in chain:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    for error in chain:
        found = _OUR_ERROR.findall(str(error))
        if found:
            return found[-1]
    for error in chain:
        if isinstance(error, RapporteurError):
            return str(error)
    last = chain[-1]
    lines = [line for line in str(last).splitlines() if line.strip()]
    return f"{type(last).__name__}: {lines[-1] if lines else ''}".strip()
