"""POST /v1/admin/reload: swap in the newest bundle of the index directory (admin key required)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from rapporteur.errors import RapporteurError
from service.api.dependencies import AdminDep
from service.api.errors import json_error
from service.api.lifecycle import reload_in_worker
from service.api.schemas import ErrorResponse, ReloadResponse

router = APIRouter(prefix="/v1/admin", tags=["administration"])


@router.post(
    "/reload",
    summary="Recharger l'index",
    responses={
        401: {"model": ErrorResponse, "description": "Clé d'administration absente ou invalide."},
        409: {"model": ErrorResponse, "description": "Nouvel index refusé ; l'ancien reste en service."},
    },
)
async def reload_index(
    request: Request,
    _: AdminDep,
    force: Annotated[bool, Query(description="Recharger même si l'index n'a pas changé.")] = False,
) -> ReloadResponse:
    """Charge le bundle désigné par CURRENT et le met en service d'un bloc ; un bundle invalide est refusé."""
    try:
        outcome = await reload_in_worker(request.app, "admin", force=force)
    except RapporteurError as exc:
        current = request.app.state.slot.current
        kept = f"l'index {current.build_id} reste en service" if current else "aucun index n'est en service"
        response: JSONResponse = json_error(
            409,
            f"Nouvel index refusé ({exc.public}) ; {kept}.",
            [{"location": "index", "message": exc.public}],
        )
        return response  # type: ignore[return-value]
    return ReloadResponse(
        status=outcome.status,
        build_id=outcome.build_id,
        previous_build_id=outcome.previous_build_id,
        took_ms=round(outcome.seconds * 1000, 1),
    )
