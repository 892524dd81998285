"""Discover corpus files and their metadata (from `manifest.toml`, or inferred with a warning)."""

from __future__ import annotations

import logging
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from indexer.authorities import authority_of
from indexer.loaders import SUPPORTED_SUFFIXES
from rapporteur.bundle.model import DocumentMeta
from rapporteur.errors import CorpusManifestError
from rapporteur.text.analyzer import slugify

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.toml"
# A year, not an amount or a count (« 2000 euros », « 2024 habitants ») nor an article number.
_YEAR = re.compile(
    r"(?<!article )(?<!art\. )\b(19[5-9]\d|20[0-4]\d)\b(?!\s?(?:€|euros?\b|eur\b|m²|m2\b|habitants?\b|personnes?\b|"
    r"places?\b|logements?\b|km\b|repas\b|visiteurs?\b|agents?\b|élèves?\b|enfants?\b))",
    re.IGNORECASE,
)
# Lines that open an act without naming it: the Republic's header, the register, a letterhead.
_BOILERPLATE_LINE = re.compile(
    r"^(?:r[ée]publique fran[çc]aise|libert[ée]\W+[ée]galit[ée]\W+fraternit[ée]|extrait du (?:registre|proc[èe]s)\b.*|"
    r"(?:d[ée]partement|commune|ville|r[ée]gion|pr[ée]fecture) (?:de|du|des|d')\b.*|accus[ée] de r[ée]ception\b.*|"
    r"re[çc]u (?:en|le)\b.*|s[ée]ance du\b.*)$",
    re.IGNORECASE,
)
_OBJECT_LINE = re.compile(r"^objet\s*:\s*(.{3,150})$", re.IGNORECASE)
# Kinds of document read from a title, first match wins (the manifest's own words).
_KINDS = tuple(
    (re.compile(pattern, re.IGNORECASE), kind)
    for pattern, kind in (
        (r"\brapports? d'activit[ée]s?\b", "rapport d'activité"),
        (r"\bd[ée]lib[ée]ration\b", "délibération"),
        (r"\brapports? d'orientations? budg[ée]taires?\b", "rapport d'orientation budgétaire"),
        (r"\bcomptes? administratifs?\b", "compte administratif"),
        (r"\bbudgets? primitifs?\b", "budget primitif"),
        (r"\bproc[èe]s-verba(?:l|ux)\b", "procès-verbal"),
        (r"\bcomptes? rendus?\b", "compte rendu"),
        (r"\brapports? de d[ée]veloppement durable\b", "rapport de développement durable"),
    )
)


@dataclass(frozen=True)
class CorpusEntry:
    """One file to index with its metadata (`meta` is None until inferred from the text)."""

    path: Path
    doc_id: str
    meta: DocumentMeta | None


def discover(corpus_dir: Path) -> list[CorpusEntry]:
    """List indexable files of `corpus_dir`, joined with their manifest entries."""
    if not corpus_dir.is_dir():
        raise CorpusManifestError(f"corpus directory not found: {corpus_dir}")
    listed = _read_manifest(corpus_dir)
    by_file = {str(meta_path): meta for meta_path, meta in listed.items()}
    entries: list[CorpusEntry] = []
    seen_ids: set[str] = set()
    for path in sorted(p for p in corpus_dir.rglob("*") if p.is_file()):
        if path.name == MANIFEST_NAME or path.name.startswith("."):
            continue
        rel = str(path.relative_to(corpus_dir))
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            log.warning("skipping %s: unsupported file type", path)
            continue
        meta = by_file.pop(rel, None)
        doc_id = meta.id if meta else slugify(path.stem)
        if doc_id in seen_ids:
            doc_id = slugify(rel)
        seen_ids.add(doc_id)
        if meta is None:
            log.warning("%s is not listed in %s: its metadata will be inferred", path, MANIFEST_NAME)
        entries.append(CorpusEntry(path, doc_id, meta))
    for rel in by_file:
        log.warning("%s lists %s, which does not exist", MANIFEST_NAME, rel)
    return entries


def _read_manifest(corpus_dir: Path) -> dict[str, DocumentMeta]:
    path = corpus_dir / MANIFEST_NAME
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CorpusManifestError(f"{path}: {exc}") from exc
    out: dict[str, DocumentMeta] = {}
    for doc_id, item in (data.get("documents") or {}).items():
        if not isinstance(item, dict) or "file" not in item or "title" not in item:
            raise CorpusManifestError(f"{path}: document {doc_id!r} needs at least 'file' and 'title'")
        year = item.get("year")
        if year is not None and not isinstance(year, int):
            raise CorpusManifestError(f"{path}: document {doc_id!r} has a non-integer year")
        out[item["file"]] = DocumentMeta(
            id=slugify(doc_id),
            title=item["title"],
            organisation=item.get("organisation"),
            organisation_type=item.get("organisation_type"),
            territory=item.get("territory"),
            year=year,
            kind=item.get("kind"),
            source_url=item.get("source_url"),
        )
    return out


def infer_meta(
    doc_id: str,
    text: str,
    title_hint: str | None = None,
    *,
    date_hint: str | None = None,
    author_hint: str | None = None,
    kind_hint: str | None = None,
) -> DocumentMeta:
    """Metadata guessed for an unlisted file from its own metadata (the hints: title, ISO date,
    author, kind) and its text: title from the first heading line, year (of the title, else the
    date's when the text names it, else the year the text names most), authority (the author's, else
    the one the text names most, else the département of the places it names) and kind (from the
    title or first heading: "rapport d'activité", "délibération"…). `inferred` lists the fields found."""
    title = title_hint or _first_heading(text)
    year = _year(title, text, date_hint, published=kind_hint == "article")
    authority = authority_of(text, author_hint)
    kind = _kind(f"{title or ''}\n{text[:300]}") or kind_hint
    meta = DocumentMeta(
        id=doc_id,
        title=title or doc_id,
        organisation=authority.name if authority else None,
        organisation_type=authority.type if authority else None,
        territory=authority.territory if authority else None,
        year=year,
        kind=kind,
    )
    fields = ("title", "organisation", "organisation_type", "territory", "year", "kind")
    found = tuple(f for f in fields if f == "title" or getattr(meta, f) is not None)
    return replace(meta, inferred=found)


def _first_heading(text: str) -> str | None:
    """The first markdown heading among the first lines, else the « Objet : … » of an act, else the
    first line of title length that is not an act's boilerplate (« RÉPUBLIQUE FRANÇAISE »)."""
    lines = [line.strip() for line in text[:5000].split("\n") if line.strip()]
    for line in lines[:10]:
        if line.startswith("#") and 3 <= len(line.lstrip("#").strip()) <= 120:
            return line.lstrip("#").strip()
    for line in lines[:30]:
        found = _OBJECT_LINE.match(line)
        if found:
            return found.group(1).strip()
    for line in lines:
        line = line.lstrip("#").strip()
        if 3 <= len(line) <= 120 and not _BOILERPLATE_LINE.match(line):
            return line
    return None


def _year(title: str | None, text: str, date_hint: str | None, published: bool = False) -> int | None:
    """The title's year, else the date's (a published article's always; another file's when the
    text names it, since a file's date may be its copy's), else the year the text names most."""
    in_title = _YEAR.findall(title or "")
    if in_title:
        return int(in_title[0])
    years = Counter(int(y) for y in _YEAR.findall(text[:20000]))
    dated = int(date_hint[:4]) if date_hint and _YEAR.fullmatch(date_hint[:4]) else None
    if dated is not None and (published or dated in years or not years):
        return dated
    return years.most_common(1)[0][0] if years else dated


def _kind(text: str) -> str | None:
    for pattern, kind in _KINDS:
        if pattern.search(text):
            return kind
    return None
