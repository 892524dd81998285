"""Operations: GET /healthz (alive), /readyz (index loaded and warmed up), /metrics (Prometheus)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from service.api.dependencies import MetricsDep, SlotDep
from service.api.schemas import Health, Readiness

router = APIRouter(tags=["exploitation"])


@router.get("/healthz", summary="Le processus répond")
async def healthz() -> Health:
    """Toujours 200 tant que le processus tourne, même pendant un chargement ou une recherche."""
    return Health(status="ok")


@router.get(
    "/readyz",
    summary="Le service est prêt",
    responses={503: {"model": Readiness, "description": "Index pas encore chargé."}},
)
async def readyz(request: Request, slot: SlotDep) -> Readiness:
    """200 une fois l'index chargé et une requête de préchauffage exécutée ; 503 avant."""
    current = slot.current
    if current is not None:
        return Readiness(status="ready", build_id=current.build_id)
    if slot.last_error:
        body = Readiness(
            status="unavailable", build_id=None, detail="Aucun index n'a pu être chargé ; voir les journaux."
        )
    else:
        body = Readiness(status="loading", build_id=None, detail="Chargement de l'index en cours.")
    return JSONResponse(body.model_dump(), status_code=503, headers={"Retry-After": "5"})  # type: ignore[return-value]


@router.get("/metrics", summary="Métriques Prometheus", response_class=Response)
async def metrics(metrics: MetricsDep) -> Response:
    """Requêtes, latences par route, index en service (identifiant de build, taille)."""
    return Response(metrics.render(), media_type=metrics.content_type)
