"""`python -m evals.bench --index index --corpus corpus --out docs/benchmarks.md`: build and query benchmarks.

Measures, on this machine:
- index build: cold (temporary directory, empty embedding cache), warm (forced rebuild reusing the
  cache) and the up-to-date check; passages and sentences embedded per second;
- in-process latency p50/p99 of `search` per mode (lexical, dense, hybrid) and of `ask`, and the bare
  query-embedding time, over the dev-split questions;
- HTTP latency p50/p99 of /v1/search and /v1/ask, sequential and with concurrent clients, throughput
  and errors, against `python -m service` started on 127.0.0.1;
- a normal client's /v1/search p50 alone and while two hostile clients send the most expensive
  question the service accepts, as fast as they can (`evals.adversarial`);
- how the service alone and behind its edge (nginx, `python -m service.edge`) treat slow and idle
  clients (`evals.slow_clients`), when nginx is installed.

Queries are the dev-split questions (never the test split). Figures depend on the machine and on
what else runs on it: the report records both.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from evals.adversarial import bench_adversaries, most_expensive_question
from evals.dataset import load_questions
from evals.live_server import start_service
from evals.load import bench_http, summary, timed, timed_build
from evals.report_sections import keep_sections
from rapporteur.bundle.store import resolve_bundle
from rapporteur.embedders import create_embedder
from rapporteur.parameters import QUERY

ROOT = Path(__file__).resolve().parents[1]
GOAL_EMBED_FACTOR = 1.5
GOAL_THROUGHPUT = 30.0
GOAL_HOSTILE_FACTOR = 2.0
SERVER_START_TIMEOUT_S = 300.0


# -- helpers ------------------------------------------------------------------------------------------


def machine_info() -> dict[str, object]:
    """CPU count and model, memory, load, software versions."""
    cpu_model = platform.processor() or "?"
    memory_gib = float("nan")
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gib = int(line.split()[1]) / 1024 / 1024
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        usable = os.cpu_count() or 0
    import faiss

    return {
        "nproc": usable,
        "cpu_model": cpu_model,
        "memory_gib": memory_gib,
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "python": platform.python_version(),
        "faiss": getattr(faiss, "__version__", "?"),
        "platform": platform.platform(),
    }


# -- build ----------------------------------------------------------------------------------------------


def bench_build(corpus: Path, env: dict[str, str]) -> dict[str, object]:
    """`python -m indexer build` timed from the shell: cold (empty directory and cache), warm (forced
    rebuild reusing the embedding cache), then the up-to-date check."""
    from rapporteur.bundle.store import current_manifest

    with tempfile.TemporaryDirectory(prefix="rapporteur-bench-") as tmp:
        index = Path(tmp) / "index"
        cold_s = timed_build(corpus, index, env)
        cold = current_manifest(index) or {}
        warm_s = timed_build(corpus, index, env, "--force")
        warm = current_manifest(index) or {}
        check_s = timed_build(corpus, index, env)
    counts = cold.get("counts", {})
    return {
        "embedder": cold.get("embedder", {}).get("name", "?"),
        "documents": counts.get("documents", 0),
        "chunks": counts.get("chunks", 0),
        "sentences": counts.get("sentences", 0),
        "cold_s": cold_s,
        "cold_embedded": counts.get("embedded", 0),
        "warm_s": warm_s,
        "warm_embedded": warm.get("counts", {}).get("embedded", 0),
        "check_s": check_s,
        "texts_per_s": counts.get("embedded", 0) / cold_s,
        "chunks_per_s": counts.get("chunks", 0) / cold_s,
    }


# -- in process -----------------------------------------------------------------------------------------


def bench_in_process(index: Path, questions: list[str], rounds: int) -> dict[str, object]:
    """Latency of the bare query embedding, `search` per mode and `ask`."""
    from service.search.engine import SearchEngine

    started = time.perf_counter()
    engine = SearchEngine.from_path(index)
    load_s = time.perf_counter() - started
    for q in questions[:5]:  # warm-up
        engine.ask(q, k=5)
    runs: dict[str, list[float]] = {
        "embedding": [],
        "embedding_all_cores": [],
        "embedding_raw": [],
        "lexical": [],
        "dense": [],
        "hybrid": [],
        "ask": [],
    }
    dense_texts = {q: engine.query_analyzer.plan(q).dense_text for q in questions}
    for _ in range(rounds):
        for q in questions:
            runs["embedding"].append(timed(lambda q=q: engine.embedder.embed_query(dense_texts[q])))
            runs["embedding_raw"].append(timed(lambda q=q: engine.embedder.embed_query(q)))
            for mode in ("lexical", "dense", "hybrid"):
                runs[mode].append(timed(lambda q=q, mode=mode: engine.search(q, k=10, mode=mode)))
            runs["ask"].append(timed(lambda q=q: engine.ask(q, k=5)))
    engine.embedder.use_threads(os.cpu_count() or 1)  # what the service gives a search that runs alone
    for _ in range(rounds):
        for q in questions:
            runs["embedding_all_cores"].append(timed(lambda q=q: engine.embedder.embed_query(dense_texts[q])))
    engine.embedder.use_threads(1)
    bundle = engine.bundle
    return {
        "load_s": load_s,
        "build_id": bundle.build_id,
        "embedder": bundle.manifest["embedder"]["name"],
        "documents": len(bundle.documents),
        "chunks": len(bundle.chunks),
        "sentences": len(bundle.sentences),
        "latency": {name: summary(ms) for name, ms in runs.items()},
    }


# -- over HTTP ------------------------------------------------------------------------------------------


def bench_slow_clients(index: Path) -> dict[str, object] | None:
    """`evals.slow_clients` against the service alone and behind its edge; None without nginx."""
    from evals.live_server import free_port
    from evals.slow_clients import probe
    from service.edge import Edge, EdgeError
    from service.settings import ServiceSettings

    with tempfile.TemporaryDirectory(prefix="rapporteur-bench-") as tmp:
        env = {"RAPPORTEUR_FORWARDED_ALLOW_IPS": "127.0.0.1"}
        with start_service(index, Path(tmp) / "server.log", env_overrides=env, ready_timeout=300) as server:
            settings = ServiceSettings(index_dir=index, port=free_port(), edge_upstream_port=server.port)
            try:
                edge = Edge.start(settings, Path(tmp) / "edge", log=Path(tmp) / "nginx.log")
            except EdgeError as exc:
                print(f"skipping the edge probes: {exc}", file=sys.stderr)
                return None
            with edge:
                time.sleep(1.0)
                return {
                    "service": probe(server.port),
                    "edge": probe(settings.port),
                    "settings": {
                        "header_timeout_s": settings.edge_header_timeout_s,
                        "body_timeout_s": settings.edge_body_timeout_s,
                        "keepalive_timeout_s": settings.edge_keepalive_timeout_s,
                        "max_requests_per_client": settings.edge_max_requests_per_client,
                        "max_requests": settings.edge_max_requests,
                    },
                }


def _closed(result: dict) -> str:
    seconds = result.get("closed_s")
    status = f", {result['status']}" if result.get("status") else ""
    return f"open after the cap{status}" if seconds is None else f"closed after {seconds:g} s{status}"


def _render_slow_clients(slow: dict) -> list[str]:
    rows = [
        ("idle connection", lambda r: _closed(r["idle"])),
        ("headers sent one byte every 0.5 s", lambda r: _closed(r["slow_headers"])),
        ("body of 20 bytes out of 200 announced", lambda r: _closed(r["short_body"])),
        ("keep-alive, idle after one request", lambda r: _closed(r["keepalive_idle"])),
        ("GET /healthz beside 400 idle sockets", lambda r: f"{r['many_idle']['status']} in {r['many_idle']['ms']} ms"),
        (
            "a request beside 80 stalled ones",
            lambda r: (
                f"{r['cap']['status']}"
                + (f", Retry-After {r['cap']['retry_after']}" if r["cap"]["retry_after"] else "")
            ),
        ),
    ]
    cfg = slow["settings"]
    lines = [
        "",
        "## Slow and idle clients",
        "",
        "Raw-socket probes of `python -m evals.slow_clients` (every wait capped at 20 s), against the service"
        " alone (uvicorn) and behind its edge (`python -m service.edge`: nginx with header and body timeouts"
        f" of {cfg['header_timeout_s']:g} s, keep-alive {cfg['keepalive_timeout_s']:g} s, at most"
        f" {cfg['max_requests_per_client']} requests in progress per client and {cfg['max_requests']} in all)."
        " How the edge was chosen against uvicorn's settings, Hypercorn and Granian: `docs/edge.md`.",
        "",
        "| probe | service alone | behind the edge |",
        "| --- | --- | --- |",
    ]
    for label, cell in rows:
        lines.append(f"| {label} | {cell(slow['service'])} | {cell(slow['edge'])} |")
    return lines


# -- report ---------------------------------------------------------------------------------------------


def _ms(value: float) -> str:
    return f"{value:.1f}"


def render(results: dict) -> str:
    m = results["machine"]
    lines = [
        "# Benchmarks",
        "",
        f"Measured by `make bench` (`python -m evals.bench`) on {results['date']}.",
        "How the costs grow with the corpus (10k to 1M chunks, `make bench-scale`) and the choice of the"
        " approximate dense index (`python -m evals.bench_ann`) are in their own sections at the end.",
        "",
        "## Machine",
        "",
        f"- CPUs usable: {m['nproc']} ({m['cpu_model']})",
        f"- memory: {m['memory_gib']:.1f} GiB",
        f"- load average at start / end: {results['load_start']} / {results['load_end']}"
        " (other work on the machine inflates the figures)",
        f"- Python {m['python']}, FAISS {m['faiss']}, {m['platform']}",
        "",
    ]
    build = results.get("build")
    if build:
        lines += [
            "## Index build",
            "",
            "`python -m indexer build` timed from the shell (process start and model load included).",
            "",
            f"Corpus: {build['documents']} documents, {build['chunks']} passages, {build['sentences']} sentences;"
            f" embedder `{build['embedder']}`.",
            "",
            "| build | time | texts embedded |",
            "| --- | ---: | ---: |",
            f"| cold (empty directory and cache) | {build['cold_s']:.1f} s | {build['cold_embedded']} |",
            f"| warm (forced rebuild, cache reused) | {build['warm_s']:.1f} s | {build['warm_embedded']} |",
            f"| up-to-date check | {build['check_s']:.2f} s | 0 |",
            "",
            f"Cold build: {build['texts_per_s']:.1f} texts (passages and sentences) embedded per second,"
            f" {build['chunks_per_s']:.1f} passages indexed per second overall.",
            "",
        ]
    proc = results["in_process"]
    lat = proc["latency"]
    lines += [
        "## Query latency in process",
        "",
        f"Index `{proc['build_id']}` ({proc['documents']} documents, {proc['chunks']} passages,"
        f" {proc['sentences']} sentences, embedder `{proc['embedder']}`), loaded in {proc['load_s']:.1f} s."
        f" {results['questions']} dev-split questions × {results['rounds']} round(s);"
        " `search` with k=10, `ask` with k=5.",
        "",
        "| operation | p50 (ms) | p99 (ms) | mean (ms) | n |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    names = {
        "embedding": "query embedding alone (the text the engine embeds), 1 thread",
        "embedding_all_cores": "query embedding alone, one thread per core",
        "embedding_raw": "query embedding alone (the raw question)",
        "lexical": "search, lexical",
        "dense": "search, dense",
        "hybrid": "search, hybrid",
        "ask": "ask (hybrid + answer)",
    }
    for key, label in names.items():
        s = lat[key]
        lines.append(f"| {label} | {_ms(s['p50'])} | {_ms(s['p99'])} | {_ms(s['mean'])} | {s['n']} |")
    lines += ["", "## HTTP latency and throughput", ""]
    lines += [
        f"`python -m service` on 127.0.0.1 (default settings: {results['omp_threads']} OpenMP thread(s) per search,"
        " 2 searches at once), keep-alive connections from"
        f" {results['client']}. In-process figures above use the same thread settings.",
        "",
        "| endpoint | clients | p50 (ms) | p99 (ms) | throughput (req/s) | requests | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for run in results["http"]:
        s = run["latency"]
        lines.append(
            f"| {run['endpoint']} | {run['clients']} | {_ms(s['p50'])} | {_ms(s['p99'])} |"
            f" {run['throughput']:.1f} | {run['requests']} | {run['errors']} |"
        )
    if results.get("slow_clients"):
        lines += _render_slow_clients(results["slow_clients"])
    hostile = results.get("adversaries")
    if hostile:
        lines += [
            "",
            "## Hostile clients",
            "",
            f"A normal client sends /v1/search every {0.6:g} s; {hostile['hostile_clients']} hostile clients send"
            f" the most expensive question the service accepts ({hostile['question_chars']} characters, just under"
            " the model-token cap) to /v1/ask with k=50, as fast as they can and ignoring Retry-After. Each client"
            " has its own address (X-Forwarded-For from a trusted proxy), default rate limit (120/min, burst 30,"
            " cost-weighted).",
            "",
            "| normal client | p50 (ms) |",
            "| --- | ---: |",
            f"| alone | {_ms(hostile['p50_alone_ms'])} |",
            f"| with hostile clients | {_ms(hostile['p50_with_hostile_ms'])}"
            f" (p99 {_ms(hostile['p99_with_hostile_ms'])}) |",
            "",
            f"Ratio {hostile['ratio']:.2f}. Normal client statuses: {hostile['normal_statuses']};"
            f" hostile clients' statuses: {hostile['hostile_statuses']}.",
        ]
    if results.get("models"):
        from evals.bench_models import render as render_models

        lines += ["", *render_models(results["models"])]
    goals = results["goals"]
    lines += [
        "",
        "## Goals (2 cores)",
        "",
        "| goal | measured | met |",
        "| --- | --- | --- |",
    ]
    for goal in goals:
        lines.append(f"| {goal['goal']} | {goal['measured']} | {'yes' if goal['met'] else 'no'} |")
    lines.append("")
    return "\n".join(lines)


def goals(results: dict) -> list[dict[str, object]]:
    latency = results["in_process"]["latency"]
    embed_p50 = min(latency["embedding"]["p50"], latency.get("embedding_all_cores", latency["embedding"])["p50"])
    raw_p50 = results["in_process"]["latency"]["embedding_raw"]["p50"]
    by = {(r["endpoint"], r["clients"]): r for r in results["http"]}
    search_seq = by[("/v1/search", 1)]["latency"]["p50"]
    concurrent = [r for r in results["http"] if r["clients"] > 1]
    errors = sum(r["errors"] for r in results["http"])
    out = [
        {
            "goal": f"/v1/search p50 (1 client) ≤ {GOAL_EMBED_FACTOR:g} × query embedding p50 at its best thread count",
            "measured": f"{search_seq:.1f} ms vs {GOAL_EMBED_FACTOR:g} × {embed_p50:.1f} ms"
            f" (raw question: {GOAL_EMBED_FACTOR:g} × {raw_p50:.1f} ms)",
            "met": search_seq <= GOAL_EMBED_FACTOR * embed_p50,
        }
    ]
    for run in concurrent:
        out.append(
            {
                "goal": f"{run['endpoint']} ≥ {GOAL_THROUGHPUT:g} req/s with {run['clients']} clients",
                "measured": f"{run['throughput']:.1f} req/s",
                "met": run["throughput"] >= GOAL_THROUGHPUT,
            }
        )
    out.append({"goal": "zero errors", "measured": f"{errors} error(s)", "met": errors == 0})
    hostile = results.get("adversaries")
    if hostile:
        out.append(
            {
                "goal": f"normal /v1/search p50 with 2 hostile clients ≤ {GOAL_HOSTILE_FACTOR:g} × alone",
                "measured": f"{hostile['p50_with_hostile_ms']:.1f} ms vs {hostile['p50_alone_ms']:.1f} ms"
                f" ({hostile['ratio']:.2f} ×)",
                "met": hostile["ratio"] <= GOAL_HOSTILE_FACTOR,
            }
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, default=Path("index"))
    parser.add_argument("--corpus", type=Path, default=Path("corpus"))
    parser.add_argument("--out", type=Path, default=Path("docs/benchmarks.md"))
    parser.add_argument("--rounds", type=int, default=2, help="passes over the dev questions (default 2)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients (default 8)")
    parser.add_argument("--skip-build", action="store_true", help="do not time the index build")
    parser.add_argument("--skip-adversaries", action="store_true", help="do not time hostile clients")
    parser.add_argument("--skip-edge", action="store_true", help="do not probe slow and idle clients")
    parser.add_argument("--json", type=Path, help="also write the raw figures as JSON")
    parser.add_argument(
        "--compare",
        nargs=2,
        metavar=("BASELINE", "MODEL"),
        default=("e5-small-q4", "e5-small-rapporteur-q4"),
        help="two embedders whose build rate and one-client HTTP latency are compared in this run",
    )
    parser.add_argument("--skip-models", action="store_true", help="do not compare the two embedders")
    args = parser.parse_args(argv)

    # Build as `make index` does (the machine's default threads); query as `python -m service` does.
    build_env = dict(os.environ)
    from service.settings import ServiceSettings

    omp_threads = ServiceSettings.model_fields["omp_threads"].default
    if omp_threads is not None:
        os.environ["OMP_NUM_THREADS"] = str(omp_threads)

    questions = [q.question for q in load_questions(split="dev")]
    results: dict = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine_info(),
        "questions": len(questions),
        "rounds": args.rounds,
        "client": "Python's http.client, one connection per client thread",
    }
    results["load_start"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    results["omp_threads"] = omp_threads
    if not args.skip_build:
        print("timing the index build (cold, warm, check)…", file=sys.stderr)
        results["build"] = bench_build(args.corpus, build_env)
    print("timing queries in process…", file=sys.stderr)
    results["in_process"] = bench_in_process(args.index, questions, args.rounds)
    print("timing queries over HTTP…", file=sys.stderr)
    with (
        tempfile.TemporaryDirectory(prefix="rapporteur-bench-") as tmp,
        start_service(  # the questions repeat over rounds: time them without the query cache
            args.index,
            Path(tmp) / "server.log",
            env_overrides={"RAPPORTEUR_QUERY_CACHE": "0"},
            ready_timeout=SERVER_START_TIMEOUT_S,
        ) as server,
    ):
        for endpoint in ("search", "ask"):  # warm-up
            bench_http(server.port, endpoint, questions[:5], 1, 1)
        results["http"] = []
        for endpoint in ("search", "ask"):
            for clients in (1, args.clients):
                run = bench_http(server.port, endpoint, questions, clients, args.rounds)
                results["http"].append({"endpoint": f"/v1/{endpoint}", **run})
    if not args.skip_edge:
        print("probing slow and idle clients…", file=sys.stderr)
        results["slow_clients"] = bench_slow_clients(args.index)
    if not args.skip_adversaries:
        print("timing a normal client beside hostile ones…", file=sys.stderr)
        embedder = create_embedder(
            json.loads((resolve_bundle(args.index) / "manifest.json").read_text())["embedder"]["name"]
        )
        question = most_expensive_question(embedder.count_tokens, QUERY.max_tokens)
        with tempfile.TemporaryDirectory(prefix="rapporteur-bench-") as tmp:
            results["adversaries"] = bench_adversaries(args.index, questions, question, Path(tmp) / "server.log")
    if not args.skip_models:
        from evals.bench_models import bench_models

        print(f"comparing {args.compare[0]} and {args.compare[1]}…", file=sys.stderr)
        results["models"] = bench_models(args.corpus, tuple(args.compare), questions)
    results["load_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    results["goals"] = goals(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(keep_sections(args.out, render(results)), encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    print(render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
