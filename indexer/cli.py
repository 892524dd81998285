"""`python -m indexer build [CORPUS_DIR] --out INDEX_DIR`: build or refresh the index bundle."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from pathlib import Path

from pydantic import ValidationError

from indexer.build import BuildReport, Progress, build_index
from rapporteur.embedders import available_embedders, create_embedder
from rapporteur.errors import BuildLockedError, RapporteurError
from rapporteur.parameters import ChunkingParams
from rapporteur.settings import Settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUSY = 0, 1, 2, 3


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


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.ERROR if args.quiet else logging.WARNING, format="%(levelname)s: %(message)s")
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
                progress=None if args.quiet else _TqdmProgress,
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
    if not args.quiet:
        print(_summary(report))
    return EXIT_OK
