"""Discover corpus files and their metadata (from `manifest.toml`, or inferred with a warning)."""

from __future__ import annotations

import logging
import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from indexer.loaders import SUPPORTED_SUFFIXES
from rapporteur.bundle.model import DocumentMeta
from rapporteur.errors import CorpusManifestError
from rapporteur.text.analyzer import slugify

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.toml"
_YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
_ORGANISATION = re.compile(
    r"\b((?:Département|Ville|Commune|Région|Métropole|Communauté (?:urbaine|d'agglomération|de communes))"
    r" (?:de la |de l'|des |du |de |d')[A-ZÀ-Ý][\w'-]+(?:[ -](?:de|du|des|en|sur|la|le)[ -][A-ZÀ-Ý][\w'-]+)*)"
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


def infer_meta(doc_id: str, text: str, title_hint: str | None = None) -> DocumentMeta:
    """Metadata guessed from the text: title from the first heading line, year and organisation."""
    title = title_hint
    if not title:
        for line in text.split("\n"):
            line = line.strip().lstrip("#").strip()
            if 3 <= len(line) <= 120:
                title = line
                break
    years = Counter(int(y) for y in _YEAR.findall(text[:20000]))
    year = years.most_common(1)[0][0] if years else None
    orgs = Counter(m.group(1) for m in _ORGANISATION.finditer(text[:50000]))
    organisation = orgs.most_common(1)[0][0] if orgs else None
    return DocumentMeta(
        id=doc_id,
        title=title or doc_id,
        organisation=organisation,
        year=year,
        inferred=("title", "year", "organisation"),
    )
