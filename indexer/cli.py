"""`python -m indexer build [CORPUS_DIR] --out INDEX_DIR`: build or refresh the index bundle.

`python -m indexer add FILE --corpus DIR [--title …]` checks a file and adds it to the corpus (and
its manifest), `remove ID --corpus DIR` takes one out, `inspect FILE` says what a file is; each
prints one JSON object. `build --progress-json` reports its progress as JSON lines on stdout (what
the admin API follows).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from pathlib import Path

from pydantic import ValidationError

from indexer.build import BuildReport, Progress, build_index
from indexer.corpus_edit import META_FIELDS, add_document, remove_document
from indexer.inspection import inspect_file
from rapporteur.embedders import available_embedders, create_embedder
from rapporteur.errors import (
    BuildLockedError,
    DocumentNotFoundError,
    IndexerExit,
    RapporteurError,
    RejectedFileError,
)
from rapporteur.parameters import ChunkingParams
from rapporteur.settings import Settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUSY, EXIT_REJECTED, EXIT_NOT_FOUND = IndexerExit


class _TqdmProgress(Progress):
    def __init__(self, total: int, label: str) -> None:
        from tqdm import tqdm

        self._bar = tqdm(
            total=total,
            desc=label,
            unit="",
            file=sys.stderr,
            leave=False,
            disable=not sys.stderr.isatty(),
        )

    def update(self, n: int) -> None:
        self._bar.update(n)

    def close(self) -> None:
        self._bar.close()


class _JsonProgress(Progress):
    """Progress as JSON lines on stdout: at most one per percent of the stage."""

    def __init__(self, total: int, label: str) -> None:
        self.total, self.label, self.done, self._shown = total, label, 0, -1
        _emit({"event": "progress", "stage": label, "done": 0, "total": total})

    def update(self, n: int) -> None:
        self.done += n
        percent = self.done * 100 // max(1, self.total)
        if percent != self._shown:
            self._shown = percent
            _emit({"event": "progress", "stage": self.label, "done": self.done, "total": self.total})

    def close(self) -> None:
        _emit({"event": "progress", "stage": self.label, "done": self.total, "total": self.total})


class _JsonWarnings(logging.Handler):
    """Warnings (skipped files, inferred metadata) as JSON lines on stdout."""

    def emit(self, record: logging.LogRecord) -> None:
        _emit({"event": "warning", "message": record.getMessage()})


MAX_MESSAGE_CHARS = 2000


def _emit(event: dict[str, object]) -> None:
    """One JSON line on stdout: ASCII (whatever the locale, and file names that are not UTF-8),
    messages cut to MAX_MESSAGE_CHARS."""
    if isinstance(event.get("message"), str):
        event = {**event, "message": str(event["message"])[:MAX_MESSAGE_CHARS]}
    print(json.dumps(event, ensure_ascii=True), flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m indexer", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="build the index bundle (incremental: unchanged text is not re-embedded)")
    build.add_argument("corpus", nargs="?", type=Path, default=Path("corpus"), help="corpus directory")
    build.add_argument("--out", type=Path, dest="index_dir", help="index directory (RAPPORTEUR_INDEX_DIR, index/)")
    build.add_argument(
        "--embedder", help=f"embedding backend (RAPPORTEUR_EMBEDDER): {', '.join(available_embedders())}"
    )
    build.add_argument(
        "--allow-model-download",
        action="store_const",
        const=True,
        help="let sentence-transformers fetch a model from a hub (RAPPORTEUR_ALLOW_MODEL_DOWNLOAD; off by default)",
    )
    build.add_argument("--chunk-size", type=int, default=ChunkingParams.chunk_size)
    build.add_argument("--chunk-overlap", type=int, default=ChunkingParams.chunk_overlap)
    build.add_argument("--force", action="store_true", help="rebuild even when the corpus is unchanged")
    build.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="processes cutting documents for a large corpus (default: one per core)",
    )
    build.add_argument(
        "--ray",
        action="store_true",
        help="cut and embed on a Ray cluster: the one at --ray-address or RAY_ADDRESS, else a local one "
        "(needs pip install 'rapporteur[ray]')",
    )
    build.add_argument("--ray-address", help="address of the Ray cluster to join (implies --ray)")
    build.add_argument("--ray-actors", type=int, help="embedding actors (default: one per CPU, or per GPU)")
    build.add_argument("-q", "--quiet", action="store_true")
    build.add_argument("--progress-json", action="store_true", help="progress and warnings as JSON lines on stdout")

    add = sub.add_parser("add", help="check a file and add it to the corpus (prints JSON)")
    add.add_argument("file", type=Path)
    add.add_argument("--corpus", type=Path, default=Path("corpus"))
    add.add_argument("--name", help="the name the file was sent with (default: its own)")
    add.add_argument("--max-pages", type=int, default=2000)
    for field in ("id", *META_FIELDS):
        add.add_argument(f"--{field.replace('_', '-')}", type=int if field == "year" else str)
    remove = sub.add_parser("remove", help="remove a document from the corpus (prints JSON)")
    remove.add_argument("doc_id")
    remove.add_argument("--corpus", type=Path, default=Path("corpus"))
    inspect = sub.add_parser("inspect", help="say what a file is and whether the corpus would take it (prints JSON)")
    inspect.add_argument("file", type=Path)
    inspect.add_argument("--max-pages", type=int, default=2000)
    return parser


def _summary(report: BuildReport) -> str:
    if report.up_to_date:
        return (
            f"index up to date (build {report.build_id}): {report.documents} documents, "
            f"{report.chunks} chunks, checked in {report.seconds:.1f} s"
        )
    lines = [
        f"built {report.bundle_path} (build {report.build_id})",
        f"  documents: {report.documents}  chunks: {report.chunks}  sentences: {report.sentences}",
        f"  embedded: {report.embedded}  reused from cache: {report.reused}  time: {report.seconds:.1f} s",
    ]
    lines += [f"  skipped: {path}: {why}" for path, why in report.skipped]
    return "\n".join(lines)


def _corpus_command(args: argparse.Namespace) -> int:
    """`add`, `remove`, `inspect`: one JSON object on stdout, {"error", "reason"} on refusal."""
    try:
        if args.command == "inspect":
            found = inspect_file(args.file, args.file.name, args.max_pages)
            _emit({"kind": found.kind, "suffix": found.suffix, "size": found.size, "pages": found.pages})
        elif args.command == "add":
            meta = {field: getattr(args, field) for field in ("id", *META_FIELDS)}
            added = add_document(args.corpus, args.file, args.name or args.file.name, meta, args.max_pages)
            _emit(
                {
                    "id": added.id,
                    "file": added.file,
                    "kind": added.inspection.kind,
                    "pages": added.inspection.pages,
                    "listed": added.listed,
                }
            )
        else:
            _emit({"id": args.doc_id, "file": remove_document(args.corpus, args.doc_id)})
    except RejectedFileError as exc:
        _emit({"error": str(exc), "reason": exc.reason})
        return EXIT_REJECTED
    except DocumentNotFoundError as exc:
        _emit({"error": exc.public, "reason": "missing"})
        return EXIT_NOT_FOUND
    except RapporteurError as exc:
        _emit({"error": exc.public, "reason": "corpus"})
        return EXIT_FAILED
    except OSError as exc:
        _emit({"error": f"{exc.strerror or exc}", "reason": "io"})
        return EXIT_FAILED
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command != "build":
        logging.basicConfig(level=logging.ERROR, format="%(levelname)s: %(message)s")
        return _corpus_command(args)
    if args.progress_json:
        logging.basicConfig(level=logging.WARNING, handlers=[_JsonWarnings()])
    else:
        level = logging.ERROR if args.quiet else logging.WARNING
        logging.basicConfig(level=level, format="%(levelname)s: %(message)s")
    if args.chunk_overlap >= args.chunk_size or args.chunk_size < 100:
        print("error: need --chunk-size >= 100 and --chunk-overlap < --chunk-size", file=sys.stderr)
        return EXIT_USAGE
    overrides = {k: getattr(args, k) for k in ("index_dir", "embedder", "allow_model_download")}
    try:
        settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        print(f"error: invalid settings:\n{exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        embedder = create_embedder(settings.embedder, allow_download=settings.allow_model_download)
        with contextlib.ExitStack() as stack:
            execution = None
            if args.ray or args.ray_address:
                from indexer.ray_execution import RayExecution, ray_cluster

                stack.enter_context(ray_cluster(args.ray_address))
                execution = RayExecution(settings.embedder, settings.allow_model_download, args.ray_actors)
            report = build_index(
                args.corpus,
                settings.index_dir,
                embedder,
                ChunkingParams(chunk_size=args.chunk_size, chunk_overlap=args.chunk_overlap),
                force=args.force,
                progress=_JsonProgress if args.progress_json else None if args.quiet else _TqdmProgress,
                workers=max(1, args.workers),
                execution=execution,
            )
    except BuildLockedError as exc:
        print(f"error: {exc}; try again when it has finished", file=sys.stderr)
        return EXIT_BUSY
    except RapporteurError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:  # reading the corpus: one line, no traceback
        print(f"error: {exc.strerror or exc} ({exc.filename or args.corpus})", file=sys.stderr)
        return EXIT_FAILED
    if args.progress_json:
        _emit(
            {
                "event": "done",
                "build_id": report.build_id,
                "up_to_date": report.up_to_date,
                "documents": report.documents,
                "chunks": report.chunks,
                "embedded": report.embedded,
                "skipped": [{"file": p, "reason": r} for p, r in report.skipped],
            }
        )
    elif not args.quiet:
        print(_summary(report))
    return EXIT_OK
