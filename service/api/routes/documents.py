"""GET /v1/documents and /v1/documents/{document_id} (looked up by manifest id, never by path)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query

from service.api.dependencies import LoadedBundleDep, SettingsDep
from service.api.schemas import (
    ERROR_RESPONSES,
    DocumentDetail,
    DocumentInfo,
    DocumentList,
    ErrorResponse,
    Facets,
    FacetValue,
    Span,
)
from service.search.documents import SpanError

router = APIRouter(prefix="/v1", tags=["documents"], responses=ERROR_RESPONSES)

MAX_DOCUMENT_ID = 200


@router.get("/documents", summary="Lister les documents indexés")
async def list_documents(loaded: LoadedBundleDep) -> DocumentList:
    """Métadonnées de chaque document, et le nombre de documents par organisation, année et type."""
    catalog = loaded.documents
    infos = [DocumentInfo(**asdict(s)) for s in catalog.summaries.values()]
    facets = {name: [FacetValue(value=v, count=n) for v, n in values] for name, values in catalog.facets.items()}
    return DocumentList(total=len(infos), documents=infos, facets=Facets(**facets))


@router.get(
    "/documents/{document_id}",
    summary="Lire un document ou un passage",
    responses={404: {"model": ErrorResponse, "description": "Document inconnu."}},
)
async def get_document(
    loaded: LoadedBundleDep,
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
    catalog = loaded.documents
    summary = catalog.summaries.get(document_id)
    if summary is None:
        raise HTTPException(404, "Document inconnu : vérifiez son identifiant (voir /v1/documents).")
    info = DocumentInfo(**asdict(summary))
    if start is None and end is None:
        return DocumentDetail(document=info, text=catalog.text(document_id), span=None)
    try:
        span = catalog.span(document_id, start, end, settings.document_context_chars)
    except SpanError as exc:
        raise HTTPException(422, str(exc)) from None
    return DocumentDetail(document=info, text=None, span=Span(**asdict(span)))
