"""Adding a file to the corpus directory and removing one, with its `manifest.toml` entry.

A file enters under a name made from the one it was sent with (its stem slugified, the suffix its
content calls for): no path, no leading dot, nothing that can leave the corpus directory. It is
written next to its final place and renamed into it, so a half-written file is never indexed.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from indexer.corpus import MANIFEST_NAME, discover
from indexer.inspection import Inspection, inspect_file
from indexer.loaders import load_file
from rapporteur.errors import DocumentNotFoundError, LoaderError, RejectedFileError
from rapporteur.text.analyzer import slugify

_HEADER = re.compile(r"^\s*\[\s*documents\s*\.\s*(\"[^\"]*\"|'[^']*'|[A-Za-z0-9_-]+)\s*\]")
META_FIELDS = ("title", "organisation", "organisation_type", "territory", "year", "kind", "source_url")
MAX_NAME_CHARS = 120


@dataclass(frozen=True)
class AddedDocument:
    id: str
    file: str
    inspection: Inspection
    listed: bool  # whether its metadata went into the manifest (else the build infers it)


def safe_file_name(declared: str, suffix: str) -> str:
    """A corpus file name from the name a file was sent with (no path: a name with one is refused),
    its stem slugified."""
    base = declared.strip()
    if not base or any(unicodedata.category(c).startswith("C") for c in base):
        raise RejectedFileError("name", "Nom de fichier refusé : vide ou avec des caractères de contrôle.")
    if "/" in base or "\\" in base or base in {".", ".."}:
        raise RejectedFileError("name", "Nom de fichier refusé : un nom seul, sans chemin ni « / ».")
    stem = slugify(Path(base).stem)[:MAX_NAME_CHARS].strip("-")
    if not stem or base.startswith(".") or stem in {"manifest", "con", "nul"}:
        raise RejectedFileError("name", f"Nom de fichier refusé : « {base[:60]} ».")
    return f"{stem}{suffix}"


def _known_ids(corpus_dir: Path) -> set[str]:
    return {entry.doc_id for entry in discover(corpus_dir)} if corpus_dir.is_dir() else set()


def add_document(
    corpus_dir: Path,
    source: Path,
    declared_name: str,
    meta: dict[str, object] | None = None,
    max_pages: int = 2000,
) -> AddedDocument:
    """Check `source` and copy it into `corpus_dir`, listed in the manifest when `meta` has a title."""
    safe_file_name(declared_name, "")  # a bad name is refused before the file is read
    inspection = inspect_file(source, declared_name, max_pages)
    name = safe_file_name(declared_name, inspection.suffix)
    if inspection.kind != "pdf":  # cheap to read now (a PDF may need minutes of OCR: its build says)
        try:
            load_file(Path(name), source.read_bytes())
        except LoaderError as exc:
            raise RejectedFileError("unreadable", "Aucun texte exploitable dans ce fichier.") from exc
    target = (corpus_dir / name).resolve()
    if target.parent != corpus_dir.resolve():  # pragma: no cover - safe_file_name leaves no path
        raise RejectedFileError("name", "Nom de fichier refusé.")
    doc_id = slugify(str((meta or {}).get("id") or Path(name).stem))
    if target.exists() or doc_id in _known_ids(corpus_dir):
        raise RejectedFileError("exists", f"Un document « {doc_id} » existe déjà : supprimez-le avant de le remplacer.")
    fields = {k: v for k, v in (meta or {}).items() if k in META_FIELDS and v not in (None, "")}
    if fields and "title" not in fields:
        raise RejectedFileError("meta", "Métadonnées incomplètes : un titre est requis avec les autres champs.")
    manifest = corpus_dir / MANIFEST_NAME
    listed = _with_entry(manifest, doc_id, {"file": name, **fields}) if fields else None  # checked first
    corpus_dir.mkdir(parents=True, exist_ok=True)
    partial = corpus_dir / f".{name}.{secrets.token_hex(4)}.part"
    try:
        shutil.copyfile(source, partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    if listed is not None:
        try:
            _write(manifest, listed)
        except OSError:
            target.unlink(missing_ok=True)  # all or nothing
            raise
    return AddedDocument(doc_id, name, inspection, bool(fields))


def remove_document(corpus_dir: Path, doc_id: str) -> str:
    """Delete the file of document `doc_id` and its manifest entry; returns the file's name."""
    for entry in discover(corpus_dir):
        if entry.doc_id == doc_id:
            _remove_entry(corpus_dir / MANIFEST_NAME, doc_id)
            entry.path.unlink(missing_ok=True)
            return str(entry.path.relative_to(corpus_dir))
    raise DocumentNotFoundError(f"no document {doc_id!r} in {corpus_dir}", public=f"Document « {doc_id} » introuvable.")


def _toml_value(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise RejectedFileError("meta", f"Métadonnée invalide : {value!r}.")
    if isinstance(value, str) and any(unicodedata.category(c) == "Cc" for c in value):
        raise RejectedFileError("meta", "Métadonnée invalide : caractères de contrôle.")
    return str(value) if isinstance(value, int) else json.dumps(value, ensure_ascii=False)


def _with_entry(manifest: Path, doc_id: str, fields: dict[str, object]) -> str:
    """The manifest's text with an entry for `doc_id` appended; refused if the build could not read it."""
    lines = [f"[documents.{json.dumps(doc_id)}]", *(f"{k} = {_toml_value(v)}" for k, v in fields.items())]
    existing = manifest.read_text(encoding="utf-8") if manifest.exists() else ""
    text = f"{existing.rstrip()}\n\n" if existing.strip() else ""
    text += "\n".join(lines) + "\n"
    try:
        tomllib.loads(text)  # never write a manifest the build would refuse
    except tomllib.TOMLDecodeError as exc:
        raise RejectedFileError("meta", "Métadonnées refusées : le manifeste ne pourrait plus être lu.") from exc
    return text


def _remove_entry(manifest: Path, doc_id: str) -> None:
    if not manifest.exists():
        return
    lines = manifest.read_text(encoding="utf-8").splitlines(keepends=True)
    kept: list[str] = []
    skipping = False
    for line in lines:
        if line.lstrip().startswith("["):
            found = _HEADER.match(line)
            skipping = bool(found) and slugify(found.group(1).strip("\"'")) == doc_id
        if not skipping:
            kept.append(line)
    text = "".join(kept)
    tomllib.loads(text)
    _write(manifest, text)


def _write(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
