"""`python -m evals.bench_ray --index index --texts 768 --out docs/benchmarks.md`: embedding throughput
of the build in this process against the build on a local Ray (actor pools of several shapes).

The texts are the first passages (with their header, as embedded) and sentences of a built bundle.
In process, they go through `embed_with_cache` as in the local build; on Ray, through
`RayExecution.embed_blocks` as in the Ray build, actor start and model load included. Each run fills
an empty cache, so that every text is embedded. Prints one JSON object, and with `--out` writes its
section of the benchmarks report.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from evals.report_sections import replace_section
from indexer.build import embed_with_cache
from indexer.embedding_cache import EmbeddingCache, text_key
from rapporteur.bundle.store import load_bundle
from rapporteur.embedders import DEFAULT_EMBEDDER, create_embedder
from rapporteur.parameters import DISTRIBUTED, DistributedParams

# (actors, CPUs per actor, texts per actor call) tried on the local Ray
SHAPES = ((2, 1, 256), (2, 1, 64), (1, 2, 256))


def seed_texts(index: Path, count: int) -> list[str]:
    """The first `count` texts of the bundle, as the build embeds them: passages, then sentences."""
    bundle = load_bundle(index, verify="sizes")
    texts = [bundle.embedded_passage(i) for i in range(min(count, len(bundle.chunks.table)))]
    i = 0
    while len(texts) < count and i < len(bundle.sentences):
        texts.append(bundle.sentence_text(i))
        i += 1
    return texts


def in_process(spec: str, texts: list[str]) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        embedder = create_embedder(spec)
        cache = EmbeddingCache(Path(tmp), embedder.name, embedder.dimension)
        _, embedded = embed_with_cache(embedder, cache, texts, "passage")
        seconds = time.perf_counter() - started
    return {"where": "in process", "texts": embedded, "seconds": round(seconds, 2), "per_s": embedded / seconds}


def on_ray(spec: str, texts: list[str], actors: int, cpus: int, batch: int) -> dict[str, object]:
    from indexer.ray_execution import RayExecution

    params = DistributedParams(cpus_per_actor=cpus, embed_batch=batch)
    execution = RayExecution(spec, actors=actors, params=params)
    keys = [text_key("passage", t) for t in texts]
    size = params.embed_batch
    blocks = [execution.block(keys[i : i + size], texts[i : i + size]) for i in range(0, len(texts), size)]
    dimension = create_embedder(spec).dimension
    with tempfile.TemporaryDirectory() as tmp:
        cache = EmbeddingCache(Path(tmp), spec, dimension)
        started = time.perf_counter()
        embedded = execution.embed_blocks(blocks, cache, None)
        seconds = time.perf_counter() - started
    return {
        "where": "local Ray",
        "actors": actors,
        "cpus_per_actor": cpus,
        "batch": batch,
        "texts": embedded,
        "seconds": round(seconds, 2),
        "per_s": embedded / seconds,
    }


def run(index: Path, count: int, spec: str, cpus: int) -> dict[str, object]:
    from indexer.ray_execution import ray_cluster

    texts = seed_texts(index, count)
    rows = [in_process(spec, texts)]
    started = time.perf_counter()
    with ray_cluster(num_cpus=cpus):
        start_s = time.perf_counter() - started
        rows += [on_ray(spec, texts, *shape) for shape in SHAPES]
    base = float(rows[0]["per_s"])  # type: ignore[arg-type]
    for row in rows:
        row["ratio"] = round(float(row["per_s"]) / base, 3)  # type: ignore[arg-type]
        row["per_s"] = round(float(row["per_s"]), 1)  # type: ignore[arg-type]
    return {
        "date": datetime.now(UTC).date().isoformat(),
        "embedder": spec,
        "texts": len(texts),
        "characters_per_text": round(sum(map(len, texts)) / len(texts)),
        "cpus": cpus,
        "ray_start_s": round(start_s, 1),
        "runs": rows,
    }


def write_report(result: dict, path: Path) -> None:
    lines = [
        "| where | actors x CPUs | texts per call | texts/s | vs in process |",
        "|---|---|---:|---:|---:|",
    ]
    for row in result["runs"]:
        shape = f"{row['actors']} x {row['cpus_per_actor']}" if "actors" in row else "-"
        batch = row.get("batch", 32)
        lines.append(f"| {row['where']} | {shape} | {batch} | {row['per_s']} | {row['ratio']:.2f} |")
    body = f"""## Embedding on a local Ray (`python -m evals.bench_ray`)

Measured {result["date"]}, {result["cpus"]} CPUs, `{result["embedder"]}`, {result["texts"]} seed texts
(passages with their header, then sentences; {result["characters_per_text"]} characters on average),
each run into an empty cache. Ray times include starting the actors and loading one model per actor
(the local Ray itself started in {result["ray_start_s"]} s, not counted). The build's default is
{DISTRIBUTED.cpus_per_actor} CPU per actor, one actor per CPU, {DISTRIBUTED.embed_batch} texts per call. The texts
travel in blocks of one call each: too few blocks for the actors (3 blocks of 256 for 2 actors
here) leave an actor idle for part of the run.

{chr(10).join(lines)}
"""
    replace_section(path, "ray", body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.bench_ray", description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, default=Path("index"))
    parser.add_argument("--texts", type=int, default=768)
    parser.add_argument("--embedder", default=DEFAULT_EMBEDDER)
    parser.add_argument("--cpus", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    result = run(args.index, args.texts, args.embedder, args.cpus)
    print(json.dumps(result))
    if args.out:
        write_report(result, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
