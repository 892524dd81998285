"""A synthetic corpus of any size, recombined from real reports, for the scale benchmark.

Each document belongs to an authority drawn from the INSEE places (départements and the largest
communes) and a year; its text is a title followed by sections taken from the seed reports at
random (a heading and its paragraphs), with the seeds' own place names swapped for the authority's
and every number redrawn with as many digits. A `manifest.toml` gives each document its metadata,
so that filters by organisation, year and kind have many values to choose from.

`python -m evals.synthetic_corpus OUT_DIR --chunks N [--seeds corpus/]`
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from indexer.corpus import discover
from indexer.loaders import load_file
from indexer.sections import find_headings

PLACES = Path(__file__).resolve().parents[1] / "rapporteur" / "text" / "data" / "places.tsv.gz"
KINDS = ("rapport d'activité", "délibération", "article", "magazine")
YEARS = tuple(range(2014, 2026))
# Characters of cleaned text per chunk, measured on the seeds (326 chunks from 282,000 characters;
# chunks overlap): how much text to write for a wanted number of chunks.
CHARS_PER_CHUNK = 860
_NUMBER = re.compile(r"\d+")


@dataclass(frozen=True)
class Authority:
    name: str  # "Département de l'Ain"
    place: str  # "Ain"
    kind: str  # "département" or "commune"
    territory: str  # "dep:01" or "com:13055"


@dataclass(frozen=True)
class Section:
    text: str  # heading line and its paragraphs


def authorities(limit: int = 400) -> list[Authority]:
    """All départements and the largest communes, as authorities."""
    out: list[Authority] = []
    communes: list[tuple[int, Authority]] = []
    with gzip.open(PLACES, "rt", encoding="utf-8") as fh:
        rows = [line.rstrip("\n").split("\t") for line in fh if not line.startswith("#")]
    header, rows = rows[0], rows[1:]
    col = {name: i for i, name in enumerate(header)}
    for row in rows:
        kind, code, name, article = row[col["kind"]], row[col["code"]], row[col["name"]], row[col["article"]]
        if kind == "DEP":
            of = {"l'": "de l'", "la": "de la ", "le": "du ", "les": "des "}.get(article, "de ")
            out.append(Authority(f"Département {of}{name}".replace("' ", "'"), name, "département", f"dep:{code}"))
        elif kind == "COM":
            of = "d'" if name[:1] in "AEIOUYÉÈÎ" else "de "
            town = Authority(f"Ville {of}{name}", name, "commune", f"com:{code}")
            communes.append((int(row[col["population"]] or 0), town))
    communes.sort(key=lambda pc: -pc[0])
    out += [a for _, a in communes[: max(0, limit - len(out))]]
    return out


def seed_sections(seeds: Path) -> tuple[list[Section], list[str]]:
    """The sections of the seed reports, and the place names they mention (to swap)."""
    sections: list[Section] = []
    places: set[str] = set()
    for entry in discover(seeds):
        text = load_file(entry.path).text
        if entry.meta and entry.meta.organisation:
            places.add(
                re.sub(
                    r"^(Département|Ville|Commune|Région)( de la | de l'| du | des | de | d')",
                    "",
                    entry.meta.organisation,
                )
            )
        starts = [h.start for h in find_headings(text)] + [len(text)]
        if starts[0] > 0:
            starts.insert(0, 0)
        for start, end in itertools.pairwise(starts):
            piece = text[start:end].strip()
            if len(piece) >= 200:
                sections.append(Section(piece))
    return sections, sorted(places, key=len, reverse=True)


def _redraw_numbers(text: str, rng: random.Random) -> str:
    def redraw(match: re.Match[str]) -> str:
        digits = match.group()
        if len(digits) == 4 and digits.startswith(("19", "20")):
            return digits  # years stay plausible
        low = 10 ** (len(digits) - 1) if len(digits) > 1 else 0
        return str(rng.randint(low, 10 ** len(digits) - 1))

    return _NUMBER.sub(redraw, text)


def documents(seeds: Path, chunks: int, seed: int = 0) -> Iterator[tuple[str, str, dict[str, object]]]:
    """(file name, text, metadata) of documents holding about `chunks` chunks in all."""
    rng = random.Random(seed)
    sections, seed_places = seed_sections(seeds)
    swap = re.compile("|".join(re.escape(p) for p in seed_places)) if seed_places else None
    pool = authorities()
    budget = chunks * CHARS_PER_CHUNK
    written = 0
    n = 0
    while written < budget:
        authority = rng.choice(pool)
        year = rng.choice(YEARS)
        kind = rng.choice(KINDS)
        target = min(budget - written, int(rng.lognormvariate(10.5, 0.8)))  # median about 36,000 characters
        title = f"{kind.capitalize()} {year} — {authority.name}"
        parts = [title, ""]
        size = len(title)
        while size < target:
            text = rng.choice(sections).text
            if swap is not None:
                text = swap.sub(authority.place, text)
            text = _redraw_numbers(text, rng)
            parts += [text, ""]
            size += len(text) + 2
        body = "\n".join(parts)
        doc_id = f"doc-{n:07d}"
        meta = {
            "file": f"{doc_id[:-3]}/{doc_id}.txt",
            "title": title,
            "organisation": authority.name,
            "organisation_type": authority.kind,
            "territory": authority.territory,
            "year": year,
            "kind": kind,
        }
        yield meta["file"], body, {"id": doc_id, **meta}  # type: ignore[misc]
        written += len(body)
        n += 1


def write_corpus(seeds: Path, out: Path, chunks: int, seed: int = 0) -> dict[str, int]:
    """Write the corpus and its manifest under `out`; returns its counts."""
    out.mkdir(parents=True, exist_ok=True)
    count = characters = 0
    with (out / "manifest.toml").open("w", encoding="utf-8") as manifest:
        manifest.write("# Synthetic corpus for the scale benchmark (evals.synthetic_corpus).\n")
        for name, text, meta in documents(seeds, chunks, seed):
            path = out / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            manifest.write(f"\n[documents.{meta['id']}]\n")
            for key, value in meta.items():
                if key != "id":
                    manifest.write(f"{key} = {json.dumps(value, ensure_ascii=False)}\n")
            count += 1
            characters += len(text)
    return {"documents": count, "characters": characters}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.synthetic_corpus", description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--chunks", type=int, required=True, help="about how many chunks the corpus should make")
    parser.add_argument("--seeds", type=Path, default=Path("corpus"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(json.dumps(write_corpus(args.seeds, args.out, args.chunks, args.seed)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
