"""`python -m evals.bench_scale --chunks 10000 100000 --out docs/benchmarks.md`: how build, load and query
costs grow with the corpus.

For each size, a synthetic corpus of about that many chunks is recombined from the seed reports
(`evals.synthetic_corpus`) and indexed with the benchmark-only `random` embedder (microseconds per
text), so that the engine is measured rather than the model. Each step runs in its own process:

- build: wall time and peak RSS of `python -m indexer build`, bundle size on disk;
- load and query (`probe`): `SearchEngine.from_path` time, RSS after load, then p50/p99 of hybrid
  search, filtered search (one year) and ask over the dev questions, the embedding time apart
  (the embedder is nearly free here: with `e5-small-q4` add its 15-50 ms);
- HTTP: `python -m service` until `/readyz`, then /v1/search with 1 client and 8 clients.

Prints one JSON line per size, and with `--out` writes its section of the benchmarks report: a
table with the log-log slope of each cost between consecutive sizes (1 = linear in the corpus, 0 =
independent of it).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from evals.load import summary, timed
from evals.report_sections import replace_section
from evals.synthetic_corpus import write_corpus
from service.serving import bundle_size

ROOT = Path(__file__).resolve().parents[1]
EMBEDDER = "random"


def run_measured(command: list[str], log: Path, env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of `command`; its output goes to `log`. Raises on failure."""
    started = time.perf_counter()
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
        raise RuntimeError(f"{' '.join(command)} exited with {process.returncode}:\n{tail}")
    return seconds, usage.ru_maxrss * 1024


def rss_bytes(field: str = "VmRSS") -> int:
    """Resident memory of this process: all of it (VmRSS), or its private part (RssAnon), the rest
    being pages of memory-mapped bundle files, which the page cache shares and can reclaim."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    return 0


def percentiles(ms: list[float]) -> dict[str, float]:
    return {name: round(value, 2) for name, value in summary(ms).items() if name in ("p50", "p99")}


# -- in the probe process -----------------------------------------------------------------------------


def probe(index: Path, rounds: int = 2) -> dict[str, object]:
    """Load the bundle and time queries, in this process (run as a child so that RSS is its own)."""
    from evals.dataset import load_questions
    from service.search.engine import SearchEngine
    from service.search.results import Filters
    from service.search.threads import limit_threads

    limit_threads(1)
    rss_before = rss_bytes()
    started = time.perf_counter()
    engine = SearchEngine.from_path(index)
    load_s = time.perf_counter() - started
    rss_loaded = rss_bytes()
    anon_loaded = rss_bytes("RssAnon")
    questions = [q.question for q in load_questions(split="dev")]
    years = engine.bundle.manifest.get("filters", {}).get("years") or [2020]
    filters = Filters(year=int(sorted(years)[len(years) // 2]))
    runs: dict[str, list[float]] = {"embedding": [], "search": [], "filtered": [], "ask": []}
    first_search_ms = None
    for round_ in range(rounds):
        for q in questions:
            plan = engine.plan(q)
            timings = {
                "embedding": timed(lambda plan=plan: engine.embedder.embed_query(plan.dense_text)),
                "search": timed(lambda q=q: engine.search(q, k=10)),
                "filtered": timed(lambda q=q: engine.search(q, k=10, filters=filters)),
                "ask": timed(lambda q=q: engine.ask(q, k=5)),
            }
            if first_search_ms is None:
                first_search_ms = timings["search"]
            if round_ == rounds - 1:  # the first round pages the memory-mapped files in
                for name, ms in timings.items():
                    runs[name].append(ms)
    bundle = engine.bundle
    return {
        "chunks": len(bundle.chunks),
        "sentences": len(bundle.sentences),
        "documents": len(bundle.documents),
        "dense": bundle.dense.kind,
        "load_s": round(load_s, 2),
        "load_rss_mb": round((rss_loaded - rss_before) / 2**20, 1),
        "rss_after_load_mb": round(rss_loaded / 2**20, 1),
        "anon_after_load_mb": round(anon_loaded / 2**20, 1),
        "anon_after_queries_mb": round(rss_bytes("RssAnon") / 2**20, 1),
        "rss_after_queries_mb": round(rss_bytes() / 2**20, 1),
        "first_search_ms": round(first_search_ms or 0.0, 1),
        "latency_ms": {name: percentiles(ms) for name, ms in runs.items()},
    }


# -- in the driver ------------------------------------------------------------------------------------


def bench_http(index: Path, log: Path) -> dict[str, object]:
    from evals.dataset import load_questions
    from evals.live_server import start_service
    from evals.load import bench_http as http_calls

    questions = [q.question for q in load_questions(split="dev")]
    started = time.perf_counter()
    env = {"RAPPORTEUR_QUERY_CACHE": "0"}
    with start_service(index, log, env_overrides=env, ready_timeout=3600) as server:
        ready_s = time.perf_counter() - started
        http_calls(server.port, "search", questions[:10], 1, 1)  # warm-up
        one = http_calls(server.port, "search", questions, 1, 1)
        eight = http_calls(server.port, "search", questions, 8, 1)
    return {
        "ready_s": round(ready_s, 1),
        "search_1_client_p50_ms": round(one["latency"]["p50"], 1),  # type: ignore[index]
        "search_8_clients_rps": round(eight["throughput"], 1),  # type: ignore[arg-type]
        "errors": one["errors"] + eight["errors"],  # type: ignore[operator]
    }


def bench_size(chunks: int, work: Path, workers: int) -> dict[str, object]:
    corpus, index = work / "corpus", work / "index"
    started = time.perf_counter()
    counts = write_corpus(ROOT / "corpus", corpus, chunks)
    generate_s = time.perf_counter() - started
    print(f"{chunks} chunks: corpus of {counts['characters'] / 1e6:.0f} M characters, building…", file=sys.stderr)
    build_s, build_rss = run_measured(
        [
            sys.executable,
            "-m",
            "indexer",
            "build",
            str(corpus),
            "--out",
            str(index),
            "--embedder",
            EMBEDDER,
            "--workers",
            str(workers),
            "-q",
        ],
        work / "build.log",
    )
    bundle_bytes = bundle_size(index / "bundles")
    print(f"{chunks} chunks: built in {build_s:.0f} s; loading and querying…", file=sys.stderr)
    out = work / "probe.json"
    _, probe_rss = run_measured(
        [sys.executable, "-m", "evals.bench_scale", "probe", str(index), "--json", str(out)], work / "probe.log"
    )
    probed = json.loads(out.read_text(encoding="utf-8"))
    print(f"{chunks} chunks: over HTTP…", file=sys.stderr)
    http = bench_http(index, work / "server.log")
    return {
        "target_chunks": chunks,
        **counts,
        "generate_s": round(generate_s, 1),
        "build_s": round(build_s, 1),
        "build_peak_rss_mb": round(build_rss / 2**20, 1),
        "bundle_mb": round(bundle_bytes / 2**20, 1),
        **probed,
        "probe_peak_rss_mb": round(probe_rss / 2**20, 1),
        "http": http,
    }


def slope(rows: list[dict], value) -> list[str]:
    """Log-log slope of `value` between consecutive rows ('' for the first)."""
    out = [""]
    for a, b in itertools.pairwise(rows):
        va, vb = value(a), value(b)
        if va > 0 and vb > 0 and b["chunks"] != a["chunks"]:
            out.append(f"{math.log(vb / va) / math.log(b['chunks'] / a['chunks']):.2f}")
        else:
            out.append("")
    return out


def markdown(rows: list[dict]) -> str:
    lat = lambda name, p="p50": lambda r: r["latency_ms"][name][p]  # noqa: E731
    columns = [
        ("chunks", lambda r: r["chunks"], False),
        ("sentences", lambda r: r["sentences"], False),
        ("dense index", lambda r: r["dense"], False),
        ("build s", lambda r: r["build_s"], True),
        ("build peak RSS MB", lambda r: r["build_peak_rss_mb"], True),
        ("bundle MB", lambda r: r["bundle_mb"], True),
        ("load s", lambda r: r["load_s"], True),
        (
            "RSS after load MB (of which private)",
            lambda r: f"{r['rss_after_load_mb']} ({r['anon_after_load_mb']})",
            False,
        ),
        (
            "RSS after the queries MB (private)",
            lambda r: f"{r['rss_after_queries_mb']} ({r['anon_after_queries_mb']})",
            False,
        ),
        ("service ready s", lambda r: r["http"]["ready_s"], True),
        ("search p50 ms", lat("search"), True),
        ("search p99 ms", lat("search", "p99"), False),
        ("filtered p50 ms", lat("filtered"), True),
        ("ask p50 ms", lat("ask"), True),
        ("ask p99 ms", lat("ask", "p99"), False),
        ("HTTP search p50 ms (1 client)", lambda r: r["http"]["search_1_client_p50_ms"], True),
        ("HTTP search req/s (8 clients)", lambda r: r["http"]["search_8_clients_rps"], False),
    ]
    lines = [
        "| measure | " + " | ".join(f"{r['chunks']:,} chunks" for r in rows) + " | log-log slopes |",
        "|---|" + "---:|" * len(rows) + "---|",
    ]
    for name, value, with_slope in columns[1:]:
        cells = [f"{value(r):,}" if isinstance(value(r), int) else str(value(r)) for r in rows]
        slopes = " / ".join(s for s in slope(rows, value)[1:] if s) if with_slope else ""
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {slopes} |")
    return "\n".join(lines)


def write_report(rows: list[dict], path: Path) -> None:
    """The scale section of the benchmarks report at `path`."""
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    body = f"""## Scale: costs against corpus size

`make bench-scale` (`python -m evals.bench_scale`), {datetime.now(UTC):%Y-%m-%d}, {machine}.
Synthetic corpora recombined from the seed reports, embedded with the benchmark-only `random`
embedder so that the engine is timed, not the model: with `e5-small-q4`, add its 15-50 ms per query
and its build time (about 14-27 texts per second on 2 cores). Latencies in process over the dev
questions (second round), HTTP over the loopback without the query cache. A slope of 1 means a cost
linear in the corpus, 0 independent of it.

{markdown(rows)}

<details><summary>Raw figures (one JSON object per size)</summary>

```
{chr(10).join(json.dumps(r) for r in rows)}
```
</details>
"""
    replace_section(path, "scale", body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.bench_scale", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command")
    probe_parser = sub.add_parser("probe", help="load a bundle and time queries (one JSON object)")
    probe_parser.add_argument("index", type=Path)
    probe_parser.add_argument("--json", type=Path, required=True)
    parser.add_argument("--chunks", type=int, nargs="+", default=[10_000])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--work", type=Path, help="keep corpora and bundles here (default: a temporary directory)")
    parser.add_argument("--out", type=Path, help="the benchmarks report whose scale section to write")
    args = parser.parse_args(argv)
    if args.command == "probe":
        args.json.write_text(json.dumps(probe(args.index)), encoding="utf-8")
        return 0
    rows = []
    with tempfile.TemporaryDirectory(prefix="rapporteur-scale-") as tmp:
        base = args.work or Path(tmp)
        for chunks in args.chunks:
            work = base / f"n{chunks}"
            work.mkdir(parents=True, exist_ok=True)
            row = bench_size(chunks, work, args.workers)
            print(json.dumps(row), flush=True)
            rows.append(row)
    if args.out:
        write_report(rows, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
