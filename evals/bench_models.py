"""The tuned model against the shipped one, in one run: build embedding rate and one client's
`/v1/search` and `/v1/ask` latency, each model's index served by its own `python -m service`.

Rounds alternate between the two servers (A B A B …) so that a change of the machine's speed during
the run falls on both; the figures are medians over every round, and their ratio.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from evals.live_server import start_service
from evals.load import bench_http, summary, timed_build


def _cold_build(corpus: Path, index: Path, embedder: str) -> dict[str, float]:
    from rapporteur.bundle.store import current_manifest

    seconds = timed_build(corpus, index, None, "--embedder", embedder)
    embedded = (current_manifest(index) or {}).get("counts", {}).get("embedded", 0)
    return {"seconds": seconds, "embedded": embedded, "texts_per_s": embedded / seconds if seconds else 0.0}


def bench_models(
    corpus: Path,
    models: tuple[str, str],
    questions: list[str],
    rounds: int = 4,
) -> dict:
    """Cold builds with each model, then alternating one-client HTTP rounds."""
    out: dict = {"models": list(models), "rounds": rounds, "build": {}, "http": {}}
    with tempfile.TemporaryDirectory(prefix="rapporteur-models-") as tmp:
        indexes = {m: Path(tmp) / f"index-{i}" for i, m in enumerate(models)}
        for model in models:
            out["build"][model] = _cold_build(corpus, indexes[model], model)
        servers = {
            m: start_service(indexes[m], Path(tmp) / f"server-{i}.log", env_overrides={"RAPPORTEUR_QUERY_CACHE": "0"})
            for i, m in enumerate(models)
        }
        try:
            samples: dict[str, dict[str, list[float]]] = {m: {"search": [], "ask": []} for m in models}
            for model in models:  # warm-up
                for endpoint in ("search", "ask"):
                    bench_http(servers[model].port, endpoint, questions[:5], 1, 1)
            for _ in range(rounds):
                for model in models:
                    for endpoint in ("search", "ask"):
                        run = bench_http(servers[model].port, endpoint, questions, 1, 1)
                        samples[model][endpoint].extend(run["samples"])
        finally:
            for server in servers.values():
                server.stop()
    for model in models:
        out["http"][model] = {endpoint: summary(ms) for endpoint, ms in samples[model].items()}
    base, tuned = models
    out["ratios"] = {
        "build_texts_per_s": out["build"][tuned]["texts_per_s"] / out["build"][base]["texts_per_s"],
        **{
            f"{endpoint}_p50": out["http"][tuned][endpoint]["p50"] / out["http"][base][endpoint]["p50"]
            for endpoint in ("search", "ask")
        },
    }
    return out


def render(result: dict) -> list[str]:
    base, tuned = result["models"]
    lines = [
        "## Tuned model against the shipped one",
        "",
        f"One run, rounds alternating between the two servers ({result['rounds']} rounds of the dev questions each, "
        "one client, query cache off); builds are cold (empty cache).",
        "",
        "| | " + base + " | " + tuned + " | ratio |",
        "|---|---|---|---|",
    ]
    b, t = result["build"][base], result["build"][tuned]
    lines.append(
        f"| build: texts embedded per second | {b['texts_per_s']:.1f} | {t['texts_per_s']:.1f} | "
        f"{result['ratios']['build_texts_per_s']:.2f} |"
    )
    for endpoint in ("search", "ask"):
        hb, ht = result["http"][base][endpoint], result["http"][tuned][endpoint]
        lines.append(
            f"| `/v1/{endpoint}` p50 (p99) | {hb['p50']:.1f} ms ({hb['p99']:.1f}) | "
            f"{ht['p50']:.1f} ms ({ht['p99']:.1f}) | {result['ratios'][f'{endpoint}_p50']:.2f} |"
        )
    return [*lines, ""]
