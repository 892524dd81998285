"""The tuned model against the shipped one, in one run: build embedding rate and one client's
`/v1/search` and `/v1/ask` latency, each model's index served by its own `python -m service`.

Rounds alternate between the two servers (A B A B …) so that a change of the machine's speed during
the run falls on both; the figures are medians over every round, and their ratio.
"""

from __future__ import annotations

import tempfile
from contextlib import ExitStack
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
    """Cold builds with each model, then alternating one-client HTTP rounds. The same model twice
    (an A/A run) is allowed: it shows the noise of the ratios."""
    keys = [f"{m} (B)" if i and m == models[0] else m for i, m in enumerate(models)]
    out: dict = {"models": keys, "rounds": rounds, "build": {}, "http": {}}
    with tempfile.TemporaryDirectory(prefix="rapporteur-models-") as tmp, ExitStack() as servers_up:
        indexes = [Path(tmp) / f"index-{i}" for i in range(len(models))]
        for key, model, index in zip(keys, models, indexes, strict=True):
            out["build"][key] = _cold_build(corpus, index, model)
        ports = {}
        for i, (key, index) in enumerate(zip(keys, indexes, strict=True)):
            server = start_service(index, Path(tmp) / f"server-{i}.log", env_overrides={"RAPPORTEUR_QUERY_CACHE": "0"})
            servers_up.callback(server.stop)  # stopped even when a later one fails to start
            ports[key] = server.port
        samples: dict[str, dict[str, list[float]]] = {k: {"search": [], "ask": []} for k in keys}
        for key in keys:  # warm-up
            for endpoint in ("search", "ask"):
                bench_http(ports[key], endpoint, questions[:5], 1, 1)
        for _ in range(rounds):
            for key in keys:
                for endpoint in ("search", "ask"):
                    samples[key][endpoint].extend(bench_http(ports[key], endpoint, questions, 1, 1)["samples"])
    for key in keys:
        out["http"][key] = {endpoint: summary(ms) for endpoint, ms in samples[key].items()}
    base, tuned = keys
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
        "one client, query cache off); builds are cold (empty cache), one each, and their rate counts the whole "
        "build (start, reading, cutting, embedding, writing), so fixed costs pull its ratio towards 1.",
        "",
        "| | " + base + " | " + tuned + " | ratio |",
        "|---|---|---|---|",
    ]
    b, t = result["build"][base], result["build"][tuned]
    lines.append(
        f"| build: texts embedded per second of cold build | {b['texts_per_s']:.1f} | {t['texts_per_s']:.1f} | "
        f"{result['ratios']['build_texts_per_s']:.2f} |"
    )
    for endpoint in ("search", "ask"):
        hb, ht = result["http"][base][endpoint], result["http"][tuned][endpoint]
        lines.append(
            f"| `/v1/{endpoint}` p50 (p99) | {hb['p50']:.1f} ms ({hb['p99']:.1f}) | "
            f"{ht['p50']:.1f} ms ({ht['p99']:.1f}) | {result['ratios'][f'{endpoint}_p50']:.2f} |"
        )
    return [*lines, ""]
