"""GET /v1/search and POST /v1/ask."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Request

from service.api.dependencies import FiltersDep, LoadedBundleDep, RunnerDep, SettingsDep
from service.api.query_log import forget_query, remember_query
from service.api.schemas import (
    ERROR_RESPONSES,
    MAX_K,
    MAX_QUERY_CHARS,
    AskRequest,
    AskResponse,
    QueryText,
    SearchMode,
    SearchResponse,
    ask_response,
    search_response,
)
from service.search.results import Filters
from service.search.scope import NO_QUESTION

router = APIRouter(prefix="/v1", tags=["recherche"], responses=ERROR_RESPONSES)


@router.get("/search", summary="Rechercher des passages cités")
async def search(
    request: Request,
    loaded: LoadedBundleDep,
    run: RunnerDep,
    settings: SettingsDep,
    filters: FiltersDep,
    q: Annotated[
        QueryText,
        Query(
            description="Texte recherché, 1 à 500 caractères une fois nettoyé.",
            json_schema_extra={"minLength": 1, "maxLength": MAX_QUERY_CHARS},
            examples=["aide à domicile pour les personnes âgées"],
        ),
    ],
    k: Annotated[int, Query(ge=1, le=MAX_K, description="Nombre de passages.")] = 10,
    mode: Annotated[SearchMode, Query(description="lexical (BM25), dense (vecteurs) ou hybrid.")] = "hybrid",
) -> SearchResponse:
    """Les `k` passages les plus pertinents, avec leur citation et les zones à surligner."""
    remember_query(request, settings, q)
    result = await run(loaded.engine.search, q, k, filters, mode)
    return search_response(result, request.scope.get("root_path", ""))


@router.post("/ask", summary="Poser une question")
async def ask(
    request: Request,
    loaded: LoadedBundleDep,
    run: RunnerDep,
    settings: SettingsDep,
    body: Annotated[AskRequest, Body()],
) -> AskResponse:
    """La phrase des rapports qui répond à la question (ou `null` s'ils n'y répondent pas) et les passages."""
    remember_query(request, settings, body.question)
    filters = Filters(organisation=body.organisation, year=body.year, kind=body.kind)
    result = await run(loaded.engine.ask, body.question, body.k, filters)
    if result.no_answer is not None and result.no_answer.reason == NO_QUESTION:
        forget_query(request)  # chatter or a name and number typed by mistake: nothing to keep
    return ask_response(result, request.scope.get("root_path", ""))
