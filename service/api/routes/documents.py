"""GET /v1/documents and /v1/documents/{document_id} (looked up by manifest id, never by path)."""

from __future__ import annotations

import bisect
from collections import Counter
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query

from rapporteur.bundle.model import DocumentRecord, page_at, section_at
from service.api.dependencies import IndexDep, SettingsDep
from service.api.schemas import DocumentDetail, DocumentInfo, DocumentList, ErrorResponse, Facets, FacetValue, Span
from service.api.shared import ERROR_RESPONSES
from service.reload import LoadedIndex

router = APIRouter(prefix="/v1", tags=["documents"], responses=ERROR_RESPONSES)

MAX_DOCUMENT_ID = 200


def _infos(index: LoadedIndex) -> dict[str, DocumentInfo]:
    """Metadata of every document, computed once per index."""
    cached = index.cache.get("document_infos")
    if cached is None:
        stats = {d["id"]: d for d in index.bundle.manifest.get("documents", [])}
        chunks = Counter(c.doc_id for c in index.bundle.chunks)
        cached = {}
        for doc in index.bundle.documents:
            meta, extra = doc.meta, stats.get(doc.meta.id, {})
            cached[meta.id] = DocumentInfo(
                document_id=meta.id,
                title=meta.title,
                organisation=meta.organisation,
                organisation_type=meta.organisation_type,
                territory=meta.territory,
                year=meta.year,
                kind=meta.kind,
                source_url=meta.source_url,
                characters=len(doc.text),
                chunks=chunks.get(meta.id, 0),
                pages=len(doc.page_starts) if doc.page_starts else extra.get("pages"),
            )
        index.cache["document_infos"] = cached
    return cached


def _facet(values: list[str | int | None]) -> list[FacetValue]:
    counts = Counter(v for v in values if v is not None)
    return [FacetValue(value=v, count=n) for v, n in sorted(counts.items(), key=lambda vn: (-vn[1], str(vn[0])))]


@router.get("/documents", summary="Lister les documents indexés")
async def list_documents(index: IndexDep) -> DocumentList:
    """Métadonnées de chaque document, et le nombre de documents par organisation, année et type."""
    cached = index.cache.get("document_list")
    if cached is None:
        infos = list(_infos(index).values())
        cached = DocumentList(
            total=len(infos),
            documents=infos,
            facets=Facets(
                organisation=_facet([i.organisation for i in infos]),
                year=_facet([i.year for i in infos]),
                kind=_facet([i.kind for i in infos]),
            ),
        )
        index.cache["document_list"] = cached
    return cached


def _section_at(index: LoadedIndex, doc: DocumentRecord, offset: int) -> str | None:
    """Section path governing `offset` (from the document's headings, else from its passages)."""
    if doc.sections:
        return section_at(list(doc.sections), offset) or None
    starts_by_doc = index.cache.get("chunk_starts")
    if starts_by_doc is None:
        starts_by_doc = {}
        for chunk in index.bundle.chunks:
            starts, sections = starts_by_doc.setdefault(chunk.doc_id, ([], []))
            starts.append(chunk.start)
            sections.append(chunk.section)
        index.cache["chunk_starts"] = starts_by_doc
    starts, sections = starts_by_doc.get(doc.meta.id, ([], []))
    position = bisect.bisect_right(starts, offset) - 1
    return (sections[position] or None) if position >= 0 else None


def _span(index: LoadedIndex, doc: DocumentRecord, start: int, end: int, context: int) -> Span:
    text = doc.text
    lo, hi = max(0, start - context), min(len(text), end + context)
    if lo > 0:  # do not cut a word in half
        space = text.find(" ", lo, start)
        lo = space + 1 if space != -1 else lo
    if hi < len(text):
        space = text.rfind(" ", end, hi)
        hi = space if space != -1 else hi
    return Span(
        start=start,
        end=end,
        text=text[start:end],
        context_before=text[lo:start],
        context_after=text[end:hi],
        context_start=lo,
        context_end=hi,
        section=_section_at(index, doc, start),
        page=page_at(doc.page_starts, start),
    )


@router.get(
    "/documents/{document_id}",
    summary="Lire un document ou un passage",
    responses={404: {"model": ErrorResponse, "description": "Document inconnu."}},
)
async def get_document(
    index: IndexDep,
    settings: SettingsDep,
    document_id: Annotated[str, Path(max_length=MAX_DOCUMENT_ID, description="Identifiant du document.")],
    start: Annotated[
        int | None, Query(ge=0, description="Début du passage (caractères) ; seul : jusqu'à la fin du document.")
    ] = None,
    end: Annotated[
        int | None, Query(ge=1, description="Fin du passage (exclue) ; seule : depuis le début du document.")
    ] = None,
) -> DocumentDetail:
    """Métadonnées et texte intégral ; avec `start` et/ou `end`, le passage et son contexte."""
    doc = index.bundle.document(document_id)
    if doc is None:
        raise HTTPException(404, "Document inconnu : vérifiez son identifiant (voir /v1/documents).")
    info = _infos(index)[document_id]
    if start is None and end is None:
        return DocumentDetail(document=info, text=doc.text, span=None)
    start = 0 if start is None else start
    end = len(doc.text) if end is None else end
    if end <= start:
        raise HTTPException(422, "Requête invalide : « end » doit être supérieur à « start ».")
    if end > len(doc.text):
        raise HTTPException(
            422, f"Requête invalide : le passage dépasse la fin du document ({len(doc.text)} caractères)."
        )
    return DocumentDetail(document=info, text=None, span=_span(index, doc, start, end, settings.document_context_chars))
