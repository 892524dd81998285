"""`python -m service.search.demo "question"`: answer one question from the terminal, with citations."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rapporteur.bundle.model import Citation
from rapporteur.errors import RapporteurError
from service.search.engine import SearchEngine


def format_citation(c: Citation) -> str:
    parts = [f"{c.organisation or '?'} — {c.title}" + (f" ({c.year})" if c.year else "")]
    if c.section:
        parts.append(c.section)
    if c.page:
        parts.append(f"p. {c.page}" + (f"–{c.page_end}" if c.page_end and c.page_end > c.page else ""))
    parts.append(f"[{c.document_id} {c.start}–{c.end}]")
    return " · ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m service.search.demo", description=__doc__)
    parser.add_argument("question")
    parser.add_argument("--index", type=Path, default=Path("index"))
    parser.add_argument("-k", type=int, default=3)
    args = parser.parse_args(argv)
    try:
        engine = SearchEngine.from_path(args.index)
    except RapporteurError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    result = engine.ask(args.question, k=args.k)
    print(f"Question : {result.query}  ({result.took_ms:.0f} ms)")
    if result.answer:
        print(
            f"Réponse  : {result.answer.text}\n  source : {format_citation(result.answer.citation)}"
            f"\n  confiance : {result.answer.confidence:.2f}"
        )
    else:
        print("Réponse  : les rapports ne répondent pas à cette question.")
    for hit in result.hits:
        print(f"\n#{hit.rank} {format_citation(hit.citation)}\n  {hit.text[:300]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
