"""Render evaluation results as Markdown (`evals/report.md`) and as plain text."""

from __future__ import annotations

from datetime import UTC, datetime

from evals.dataset import TYPES

MAIN = ("hit@1", "hit@3", "hit@5", "hit@10", "mrr@10", "ndcg@10", "latency_p50_ms", "latency_p95_ms")
ANSWERS = ("answer_rate", "answer_accuracy", "abstention_recall", "abstention_precision")


def _fmt(value: float | None, key: str) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}" if key.endswith("_ms") else f"{value:.3f}"


def _by_type_table(results: dict, metric: str, with_counts: bool) -> list[str]:
    """A Markdown table of `metric` per answerable question type, one column per mode."""
    modes = list(results)
    lines = [
        "",
        f"## {metric} by question type",
        "",
        "| type | " + ("n | " if with_counts else "") + " | ".join(modes) + " |",
        "|---|" + ("---|" if with_counts else "") + "---|" * len(modes),
    ]
    for qtype in TYPES:
        row = [results[m]["by_type"].get(qtype, {}) for m in modes]
        n = int(row[0].get("questions", 0)) if row else 0
        if qtype == "unanswerable" or not n:
            continue
        count = f"{n} | " if with_counts else ""
        lines.append(f"| {qtype} | {count}" + " | ".join(_fmt(r.get(metric), metric) for r in row) + " |")
    return lines


def render_markdown(results: dict, context: dict) -> str:
    """`results[mode]` holds {"overall": metrics, "by_type": {type: metrics}}."""
    modes = list(results)
    lines = [
        "# Retrieval evaluation",
        "",
        f"Split: **{context['split']}** ({context['questions']} questions, "
        f"{context['answerable']} answerable). Index build `{context.get('build_id', '?')}`, "
        f"embedder `{context.get('embedder', '?')}`. Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC "
        f"by `python -m evals run --mode all --split {context['split']}`.",
        "",
        "A passage counts as a hit when it comes from the expected document and contains most "
        "(≥ 60 % of the word trigrams) of one evidence string.",
        "",
        "## Overall",
        "",
        "| metric | " + " | ".join(modes) + " |",
        "|---|" + "---|" * len(modes),
    ]
    for key in MAIN:
        lines.append(f"| {key} | " + " | ".join(_fmt(results[m]["overall"].get(key), key) for m in modes) + " |")
    if "hybrid" in results:
        lines += ["", "## Answers and abstention (hybrid, `/v1/ask`)", "", "| metric | value |", "|---|---|"]
        for key in ANSWERS:
            lines.append(f"| {key} | {_fmt(results['hybrid']['overall'].get(key), key)} |")
    lines += _by_type_table(results, "hit@5", with_counts=True)
    lines += _by_type_table(results, "mrr@10", with_counts=False)
    return "\n".join(lines) + "\n"


def render_text(results: dict) -> str:
    out = []
    for mode, data in results.items():
        o = data["overall"]
        out.append(f"[{mode}] " + "  ".join(f"{k}={_fmt(o.get(k), k)}" for k in MAIN + ANSWERS if k in o))
        for qtype, m in data["by_type"].items():
            out.append(
                f"    {qtype:<12} n={int(m['questions']):<3} "
                + "  ".join(
                    f"{k}={_fmt(m.get(k), k)}"
                    for k in ("hit@1", "hit@5", "mrr@10", "answer_rate", "abstention_recall")
                    if k in m
                )
            )
    return "\n".join(out)
