"""`python -m evals run|calibrate`: score retrieval on the hand-built questions."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from evals import calibration
from evals.backends import Backend, HttpBackend, InProcessBackend
from evals.dataset import TRAINING_PATH, TYPES, load_questions
from evals.metrics import abstention_by_kind, summarize
from evals.reliability import plot, reliability
from evals.report import render_markdown, render_text
from evals.runner import QuestionRun, run_questions
from rapporteur.embedders.tuned import training_sources
from rapporteur.settings import Settings

REPORT_PATH = Path(__file__).with_name("report.md")
RELIABILITY_PLOT = Path(__file__).with_name("reliability.png")
MODES = ("lexical", "dense", "hybrid")


def evaluate(backend: Backend, split: str | None, modes: tuple[str, ...]) -> tuple[dict, dict[str, list]]:
    """Metrics per mode (overall and per type), and the raw runs."""
    questions = load_questions(split=split)
    results: dict = {}
    runs: dict[str, list[QuestionRun]] = {}
    for mode in modes:
        runs[mode] = run_questions(backend, questions, mode)
        outcomes = [r.outcome for r in runs[mode]]
        results[mode] = {
            "overall": summarize(outcomes),
            "by_type": {
                t: summarize([o for o in outcomes if o.type == t]) for t in TYPES if any(o.type == t for o in outcomes)
            },
        }
        if mode == "hybrid":
            results[mode]["abstention_by_kind"] = abstention_by_kind(outcomes)
            calibrated = _calibration(runs[mode])
            if calibrated:
                results[mode]["calibration"] = calibrated
    return results, runs


def _calibration(runs: list[QuestionRun]) -> dict | None:
    """Reliability of the confidence over the verified answer sentences (in process only)."""
    rows = [r for r in runs if r.response.verified]
    if not rows:
        return None
    bins, ece = reliability([r.response.confidence for r in rows], [r.candidate_correct for r in rows])
    return {
        "sentences": len(rows),
        "ece": ece,
        "bins": [
            {"low": b.low, "high": b.high, "count": b.count, "confidence": b.confidence, "accuracy": b.accuracy}
            for b in bins
            if b.count
        ],
    }


def _plot_reliability(calibrated: dict, threshold: float, split: str) -> None:
    from evals.reliability import Bin

    bins = [Bin(b["low"], b["high"], b["count"], b["confidence"], b["accuracy"]) for b in calibrated["bins"]]
    plot(bins, calibrated["ece"], threshold, RELIABILITY_PLOT, f"Answer confidence, {split} split")


def _backend(args: argparse.Namespace) -> Backend:
    return HttpBackend(args.url) if args.url else InProcessBackend(args.index)


def _diagnose(args: argparse.Namespace) -> int:
    from evals import diagnostics

    try:
        engine = InProcessBackend(args.index).engine
    except Exception as exc:  # a missing or broken bundle: report, do not trace back
        print(f"error: {exc}", file=sys.stderr)
        return 1
    found = diagnostics.diagnose(engine, load_questions(split=None if args.split == "all" else args.split))
    if args.json:
        print(json.dumps(diagnostics.hit_rates(found), indent=2))
    else:
        print(diagnostics.render(found))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="score retrieval and write evals/report.md")
    run.add_argument("--mode", choices=(*MODES, "all"), default="all")
    run.add_argument("--split", choices=("dev", "test", "all"), default="test")
    run.add_argument("--index", type=Path, default=None)
    run.add_argument("--url", help="score a running service over HTTP instead of in process")
    run.add_argument("--json", action="store_true", help="print metrics as JSON")
    run.add_argument("--no-report", action="store_true", help="do not write evals/report.md")
    cal = sub.add_parser("calibrate", help="fit the answer confidence on the dev split and the training questions")
    cal.add_argument("--index", type=Path, default=None)
    cal.add_argument(
        "--package",
        action="store_true",
        help="write the fit among those shipped with the service (used by indexes without their own)",
    )
    diag = sub.add_parser("diagnose", help="rank of the evidence per retriever vs after fusion")
    diag.add_argument("--split", choices=("dev", "test", "all"), default="dev")
    diag.add_argument("--index", type=Path, default=None)
    diag.add_argument("--json", action="store_true", help="print hit rates as JSON")
    piaf = sub.add_parser(
        "piaf", help="index the held-out PIAF articles per embedder and ask their questions over HTTP"
    )
    piaf.add_argument("--embedder", action="append", required=True, help="an embedder; the last one is compared")
    piaf.add_argument("--out", type=Path, default=None, help="write the figures as JSON")
    piaf.add_argument("--limit", type=int, default=None, help="ask only the first N questions")
    args = parser.parse_args(argv)
    if args.command == "piaf":
        from evals import piaf as piaf_eval

        return piaf_eval.main(args.embedder, args.out, args.limit)
    if getattr(args, "index", "") is None:
        args.index = Settings().index_dir  # RAPPORTEUR_INDEX_DIR, else index/

    if args.command == "diagnose":
        return _diagnose(args)

    if args.command == "calibrate":
        backend = InProcessBackend(args.index)
        dev = run_questions(backend, load_questions(split="dev"), "hybrid")
        # Questions the embedder was tuned on score higher than unseen ones: fitting the
        # confidence on them would over-trust similarity, so they join the fit only when unseen.
        embedder = backend.engine.embedder
        seen = "questions" in training_sources(embedder.name)
        training = [] if seen else run_questions(backend, load_questions(TRAINING_PATH), "hybrid")
        fitted = calibration.calibrate(dev, embedder.name, training, model_sha256=embedder.weights)
        written = calibration.save(fitted, args.index, package=args.package)
        print(json.dumps(fitted, indent=2))
        print(f"written to {written}", file=sys.stderr)
        return 0

    split = None if args.split == "all" else args.split
    modes = MODES if args.mode == "all" else (args.mode,)
    try:
        backend = _backend(args)
    except Exception as exc:  # a missing or broken bundle: report, do not trace back
        print(f"error: {exc}", file=sys.stderr)
        return 1
    results, _ = evaluate(backend, split, modes)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(render_text(results))
    if not args.no_report and args.mode == "all":
        context = {
            "split": args.split,
            "questions": len(load_questions(split=split)),
            "answerable": sum(q.answerable for q in load_questions(split=split)),
        }
        diagnosis = ""
        if isinstance(backend, InProcessBackend):
            from evals import diagnostics

            manifest = backend.engine.bundle.manifest
            context |= {"build_id": manifest["build_id"], "embedder": manifest["embedder"]["name"]}
            found = diagnostics.diagnose(backend.engine, load_questions(split=split))
            diagnosis = "\n" + diagnostics.render_markdown(found)
            calibrated = results.get("hybrid", {}).get("calibration")
            if calibrated:
                _plot_reliability(calibrated, backend.engine.calibration.threshold, args.split)
                context["reliability_plot"] = RELIABILITY_PLOT.name
        REPORT_PATH.write_text(render_markdown(results, context) + diagnosis, encoding="utf-8")
    return 0
