"""GET /v1/suggest: completions for a search box, cheap enough for every keystroke."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from service.api.dependencies import LoadedBundleDep
from service.api.schemas import ERROR_RESPONSES, MAX_QUERY_CHARS, QueryText, SuggestionOut, SuggestResponse
from service.search.suggest import MAX_SUGGESTIONS

router = APIRouter(prefix="/v1", tags=["recherche"], responses=ERROR_RESPONSES)


@router.get("/suggest", summary="Compléter une saisie")
async def suggest(
    loaded: LoadedBundleDep,
    q: Annotated[
        QueryText,
        Query(
            description="Début de saisie.",
            json_schema_extra={"minLength": 1, "maxLength": MAX_QUERY_CHARS},
            examples=["personnes âg"],
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=MAX_SUGGESTIONS, description="Nombre de propositions.")] = MAX_SUGGESTIONS,
) -> SuggestResponse:
    """Jusqu'à 8 complétions tirées des titres, des intertitres et des expressions fréquentes du corpus."""
    found = loaded.suggester.suggest(q, limit)  # microseconds: no need for the worker pool
    return SuggestResponse(query=q, suggestions=[SuggestionOut(text=s.text, kind=s.kind) for s in found])
