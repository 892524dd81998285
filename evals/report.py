"""Render evaluation results as Markdown (`evals/report.md`) and as plain text."""

from __future__ import annotations

from datetime import UTC, datetime

from evals.dataset import TYPES

MAIN = ("hit@1", "hit@3", "hit@5", "hit@10", "mrr@10", "ndcg@10", "latency_p50_ms", "latency_p95_ms")
ANSWERS = ("answer_rate", "answer_precision", "answer_accuracy", "abstention_recall", "abstention_precision")
# What each answer metric means, for the report.
ANSWER_NOTES = {
    "answer_rate": "answerable questions given an answer line",
    "answer_precision": "answers shown (to answerable questions) whose sentence holds the evidence",
    "answer_accuracy": "answerable questions given a right answer",
    "abstention_recall": "unanswerable questions given no answer",
    "abstention_precision": "questions given no answer that are unanswerable",
}


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
        lines += [
            "",
            "## Answers and abstention (hybrid, `/v1/ask`)",
            "",
            "| metric | value | meaning |",
            "|---|---|---|",
        ]
        for key in ANSWERS:
            lines.append(f"| {key} | {_fmt(results['hybrid']['overall'].get(key), key)} | {ANSWER_NOTES[key]} |")
        lines += _abstention_table(results["hybrid"].get("abstention_by_kind", {}))
        lines += _calibration_section(results["hybrid"].get("calibration"), context.get("reliability_plot"))
    lines += _by_type_table(results, "hit@5", with_counts=True)
    lines += _by_type_table(results, "mrr@10", with_counts=False)
    return "\n".join(lines) + "\n"


def _abstention_table(by_kind: dict) -> list[str]:
    """Abstention per kind of unanswerable question, with the reasons the engine gave."""
    if not by_kind:
        return []
    reasons = ("no_question", "territory_not_covered", "period_not_covered", "no_clear_answer")
    lines = [
        "",
        "## Abstention by kind of unanswerable question",
        "",
        "| kind | n | abstention | " + " | ".join(reasons) + " |",
        "|---|---|---|" + "---|" * len(reasons),
    ]
    for kind, row in sorted(by_kind.items()):
        counts = " | ".join(str(int(row.get(r, 0))) for r in reasons)
        lines.append(f"| {kind} | {int(row['questions'])} | {row['abstention_recall']:.3f} | {counts} |")
    return lines


def _calibration_section(calibrated: dict | None, plot: str | None) -> list[str]:
    """Reliability of the answer confidence: ECE, the plot, and the bins."""
    if not calibrated:
        return []
    lines = [
        "",
        "## Reliability of the answer confidence",
        "",
        f"Over the {calibrated['sentences']} verified answer sentences (shown or not): expected calibration "
        f"error **{calibrated['ece']:.3f}** (10 bins). A sentence is right when it holds the gold evidence.",
        "",
    ]
    if plot:
        lines += [f"![Reliability diagram]({plot})", ""]
    lines += ["| confidence | sentences | mean confidence | share right |", "|---|---|---|---|"]
    for b in calibrated["bins"]:
        lines.append(f"| {b['low']:.1f}–{b['high']:.1f} | {b['count']} | {b['confidence']:.3f} | {b['accuracy']:.3f} |")
    return lines


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
                    for k in ("hit@1", "hit@5", "mrr@10", "answer_rate", "answer_precision", "abstention_recall")
                    if k in m
                )
            )
        for kind, row in sorted(data.get("abstention_by_kind", {}).items()):
            out.append(
                f"    unanswerable/{kind:<16} n={int(row['questions']):<3} abstention={row['abstention_recall']:.3f}"
            )
        if "calibration" in data:
            out.append(
                f"    confidence ECE={data['calibration']['ece']:.3f} over {data['calibration']['sentences']} sentences"
            )
    return "\n".join(out)
