"""`python -m evals.bench_ann --passages N`: choose the approximate dense index by measurement.

Passages are cut from the synthetic corpus (`evals.synthetic_corpus`) and embedded with the
benchmark-only `random` embedder (a sparse random projection of their words: vectors with the
structure of a recombined corpus, at microseconds per text). Queries are the dev and test questions
and sentences drawn from held-out passages. For each FAISS factory string it reports:

- build seconds (train + add) and the index's bytes once serialised (what a replica holds in RAM);
- query p50 in ms (one query at a time, as the service asks);
- recall@10 of the index's own top 10, and recall@10 after the engine's exact rescoring of the
  index's top `DENSE` candidates (what the service ranks with). Recall is counted by score: a
  returned passage counts when its exact score reaches the exact 10th score, so that duplicated
  passages (frequent in a recombined corpus) do not count as misses.

One JSON line per factory and setting on stdout; with `--out`, a table in the benchmarks report.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from evals.dataset import load_questions
from evals.report_sections import replace_section, sections_of
from evals.synthetic_corpus import CHARS_PER_CHUNK, documents
from rapporteur.bundle.dense import add_in_batches, ivf_lists, trained_ann
from rapporteur.embedders.random_words import RandomWordsEmbedder
from rapporteur.parameters import DENSE, RANKING

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FACTORIES = ("HNSW32,Flat", "HNSW32,SQ8", "IVF{lists},Flat", "IVF{lists},SQ8", "IVF{lists},PQ48")


def passage_texts(count: int, seed: int = 0) -> list[str]:
    """About `count` passages of about CHARS_PER_CHUNK characters, cut at paragraph ends."""
    texts: list[str] = []
    for _, body, _ in documents(ROOT / "corpus", 2 * count, seed):
        current = ""
        for paragraph in body.split("\n"):
            current = f"{current}\n{paragraph}" if current else paragraph
            if len(current) >= CHARS_PER_CHUNK:
                texts.append(current)
                current = ""
        if current:
            texts.append(current)
        if len(texts) >= count:
            break
    return texts[:count]


def query_texts(held_out: list[str], count: int, seed: int = 0) -> list[str]:
    """The eval questions, then sentences of held-out passages, `count` in all."""
    queries = [q.question for q in load_questions(ROOT / "evals" / "questions.jsonl")]
    rng = random.Random(seed)
    sentences = [s.strip() for text in held_out for s in text.split(".") if len(s.strip()) > 40]
    rng.shuffle(sentences)
    return (queries + sentences)[:count]


def recall_by_score(found: np.ndarray, exact_scores: np.ndarray, vectors: np.ndarray, query: np.ndarray) -> float:
    """Share of the exact top 10 matched by `found`'s top 10 (by exact score, ties count)."""
    if len(found) == 0:
        return 0.0
    scores = np.sort(vectors[np.sort(found)] @ query)[::-1][:10]
    threshold = exact_scores[9] - 1e-6
    return float(np.sum(scores >= threshold)) / 10.0


def measure(factory: str, vectors: np.ndarray, queries: np.ndarray, exact_top: np.ndarray) -> list[dict[str, object]]:
    import faiss

    n = len(vectors)
    spec = factory.format(lists=ivf_lists(n))
    started = time.perf_counter()
    index = trained_ann(vectors, factory)
    train_s = time.perf_counter() - started
    add_in_batches(index, vectors)
    build_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ann.faiss"
        faiss.write_index(index, str(path))
        size = path.stat().st_size
    rows = []
    for setting in _search_settings(index):
        k = RANKING.dense_candidates
        latencies: list[float] = []
        own: list[float] = []
        rescored: list[float] = []
        for q, exact_scores in zip(queries, exact_top, strict=True):
            t = time.perf_counter()
            _, ids = index.search(q.reshape(1, -1), k)
            latencies.append((time.perf_counter() - t) * 1000)
            ids = ids[0][ids[0] >= 0]
            own.append(recall_by_score(ids[:10], exact_scores, vectors, q))
            rescored.append(recall_by_score(ids, exact_scores, vectors, q))
        rows.append(
            {
                "factory": spec,
                **setting,
                "passages": n,
                "train_s": round(train_s, 1),
                "build_s": round(build_s, 1),
                "index_mb": round(size / 2**20, 1),
                "vectors_mb": round(vectors.nbytes / 2**20, 1),
                "query_p50_ms": round(float(np.median(latencies)), 3),
                "recall10": round(float(np.mean(own)), 4),
                "recall10_rescored": round(float(np.mean(rescored)), 4),
                "threads": os.cpu_count(),
            }
        )
    return rows


def _search_settings(index: object) -> Iterator[dict[str, int]]:
    """The search-time knobs tried for an index (set on it in turn)."""
    if hasattr(index, "nprobe"):
        for probes in (16, 32, 64, 128):
            index.nprobe = probes  # type: ignore[attr-defined]
            yield {"nprobe": probes}
    elif hasattr(index, "hnsw"):
        for ef in (64, 128, 256, 512):
            index.hnsw.efSearch = ef  # type: ignore[attr-defined]
            yield {"ef_search": ef}
    else:
        yield {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.bench_ann", description=__doc__.split("\n")[0])
    parser.add_argument("--passages", type=int, required=True)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--factory", action="append", help="FAISS factory string ({lists} = ivf_lists(n)); repeatable")
    parser.add_argument("--out", type=Path, help="the benchmarks report whose ANN section to write (or extend)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    texts = passage_texts(args.passages + 2000)
    embedder = RandomWordsEmbedder()
    vectors = np.concatenate(
        [embedder.embed(texts[s : s + 8192], "passage") for s in range(0, args.passages, 8192)]
    ).astype(np.float32)[: args.passages]
    queries = embedder.embed(query_texts(texts[args.passages :], args.queries), "query").astype(np.float32)
    exact = queries @ vectors.T if args.passages * len(queries) <= 2e8 else None
    exact_top = []
    for i, q in enumerate(queries):
        scores = exact[i] if exact is not None else vectors @ q
        exact_top.append(np.sort(np.partition(scores, -10)[-10:])[::-1])
    print(json.dumps({"prepared_s": round(time.perf_counter() - started, 1), "passages": len(vectors)}), flush=True)
    rows = []
    for factory in args.factory or DEFAULT_FACTORIES:
        for row in measure(factory, vectors, queries, np.asarray(exact_top)):
            print(json.dumps(row), flush=True)
            rows.append(row)
    if args.out:
        write_report(rows, args.out)
    return 0


def write_report(rows: list[dict[str, object]], path: Path) -> None:
    """Add these rows to the ANN section of the benchmarks report (rows of other sizes are kept)."""
    previous = sections_of(path.read_text(encoding="utf-8")).get("ann", "") if path.exists() else ""
    kept = [json.loads(line) for line in previous.splitlines() if line.startswith("{")]
    sizes = {r["passages"] for r in rows}
    rows = sorted(
        [r for r in kept if r["passages"] not in sizes] + rows, key=lambda r: (r["passages"], str(r["factory"]))
    )
    machine = f"{platform.machine()}, {os.cpu_count()} cores"
    lines = [
        "## Approximate dense index: which one above 50,000 passages",
        "",
        f"`python -m evals.bench_ann --passages N --out docs/benchmarks.md`, {datetime.now(UTC):%Y-%m-%d}, {machine}.",
        "Passages of the synthetic corpus embedded with the `random` embedder (384 d); 500 queries (the eval",
        "questions, then sentences of held-out passages). Recall@10 by exact score; *rescored*: the exact top 10",
        f"among the index's top {RANKING.dense_candidates} rescored from the stored vectors, as the engine does.",
        f"In use (`DENSE` in rapporteur/parameters.py): `{DENSE.ann_factory}`, {DENSE.ivf_probes} probes.",
        "",
        "| passages | factory | search knob | build s | index MB | query p50 ms | recall@10 | rescored |",
        "|---:|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        knob = ", ".join(f"{k} {r[k]}" for k in ("nprobe", "ef_search") if k in r)
        lines.append(
            f"| {r['passages']:,} | {r['factory']} | {knob} | {r['build_s']} | {r['index_mb']} | "
            f"{r['query_p50_ms']} | {r['recall10']} | {r['recall10_rescored']} |"
        )
    lines += ["", "Raw rows:", "", "```", *(json.dumps(r) for r in rows), "```"]
    replace_section(path, "ann", "\n".join(lines))


if __name__ == "__main__":
    raise SystemExit(main())
