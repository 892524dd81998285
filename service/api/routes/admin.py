"""Administration (admin key required): reload the index, add and remove documents, follow the builds.

POST /v1/admin/documents takes the file as the request body (any content type; its type is read from
its bytes) and its metadata as query parameters; it answers 202 with the job that builds the new
index, which GET /v1/admin/jobs/{id} follows until the new bundle is in service.
"""

from __future__ import annotations

import contextlib
import dataclasses
import secrets
import unicodedata
from collections.abc import Awaitable
from pathlib import Path
from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse

from rapporteur.errors import RapporteurError
from service.api.dependencies import AdminDep, CorpusJobsDep, SettingsDep
from service.api.errors import json_error
from service.api.lifecycle import reload_in_worker
from service.api.schemas import ErrorResponse, JobListResponse, JobResponse, ReloadResponse
from service.corpus_jobs import BuildBusyError, CorpusChangeRefused, Job

router = APIRouter(prefix="/v1/admin", tags=["administration"])

UNAUTHORIZED = {401: {"model": ErrorResponse, "description": "Clé d'administration absente ou invalide."}}
BUSY = {409: {"model": ErrorResponse, "description": "Un ajout, une suppression ou un build est déjà en cours."}}
BUSY_MESSAGE = "Une mise à jour de l'index est déjà en cours ; réessayez quand elle sera terminée."
# HTTP status of each reason the indexer gives for refusing a file.
REFUSAL_STATUS = {
    "type": 415,
    "empty": 422,
    "corrupt": 422,
    "unreadable": 422,
    "meta": 422,
    "bomb": 413,
    "pages": 413,
    "name": 400,
    "exists": 409,
    "missing": 404,
    "unavailable": 409,
}
DOCUMENT_ID = r"^[a-z0-9][a-z0-9-]{0,199}$"


@router.post(
    "/reload",
    summary="Recharger l'index",
    responses={
        **UNAUTHORIZED,
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


def job_response(job: Job) -> JobResponse:
    fields = dataclasses.asdict(job)
    fields["created_at"] = job.created_at.isoformat(timespec="seconds")
    fields["finished_at"] = job.finished_at.isoformat(timespec="seconds") if job.finished_at else None
    return JobResponse(**fields, url=f"/v1/admin/jobs/{job.id}")


async def _started(start: Awaitable[Job], location: str) -> JSONResponse:
    """202 with the job `start` began, or the 4xx/503 of why it could not begin."""
    try:
        job = await start
    except BuildBusyError:
        return json_error(409, BUSY_MESSAGE)
    except CorpusChangeRefused as exc:
        status = REFUSAL_STATUS.get(exc.reason, 422)
        return json_error(status, str(exc), [{"location": location, "message": str(exc)}])
    except RapporteurError as exc:
        return json_error(503, exc.public)
    body = job_response(job).model_dump()
    return JSONResponse(body, status_code=202, headers={"Location": body["url"]})


@router.post(
    "/documents",
    summary="Ajouter un document",
    status_code=202,
    response_model=JobResponse,
    responses={
        **UNAUTHORIZED,
        **BUSY,
        400: {"model": ErrorResponse, "description": "Nom de fichier refusé."},
        413: {
            "model": ErrorResponse,
            "description": "Fichier trop volumineux, trop de pages, ou bombe de décompression.",
        },
        415: {"model": ErrorResponse, "description": "Type de fichier non pris en charge (lu dans son contenu)."},
        422: {"model": ErrorResponse, "description": "Fichier vide, illisible, ou métadonnées invalides."},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "Le fichier lui-même (PDF, .docx, .odt, HTML, texte ou Markdown).",
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def add_document(
    request: Request,
    _: AdminDep,
    settings: SettingsDep,
    jobs: CorpusJobsDep,
    filename: Annotated[str, Query(min_length=1, max_length=255, description="Nom du fichier envoyé.")],
    title: Annotated[str | None, Query(max_length=300, description="Titre (sinon déduit du document).")] = None,
    organisation: Annotated[str | None, Query(max_length=200)] = None,
    organisation_type: Annotated[str | None, Query(max_length=100)] = None,
    territory: Annotated[str | None, Query(max_length=50)] = None,
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    kind: Annotated[str | None, Query(max_length=100, description="Nature : rapport d'activité, délibération…")] = None,
    source_url: Annotated[str | None, Query(max_length=500)] = None,
) -> JSONResponse:
    """Vérifie le fichier (taille, type réel, pages, bombe de décompression, nom), l'ajoute au corpus
    puis reconstruit l'index en arrière-plan ; la recherche continue de servir l'index en place."""
    if jobs.busy:
        return json_error(409, BUSY_MESSAGE)
    meta = {
        "title": title,
        "organisation": organisation,
        "organisation_type": organisation_type,
        "territory": territory,
        "year": year,
        "kind": kind,
        "source_url": source_url,
    }
    for name, value in {"filename": filename, **meta}.items():
        if isinstance(value, str) and any(unicodedata.category(c) == "Cc" for c in value):
            message = "Caractères de contrôle refusés dans les paramètres."
            return json_error(422, message, [{"location": f"query.{name}", "message": message}])
    body = await request.body()  # capped at max_upload_bytes by the body limit
    if not body:
        return json_error(422, "Fichier vide : le corps de la requête doit contenir le document.")
    upload = settings.index_dir / ".uploads" / f"{secrets.token_hex(8)}.upload"
    try:
        await anyio.to_thread.run_sync(_save, upload, body)
        return await _started(jobs.add(upload, filename, meta), "body")
    except (OSError, ValueError):
        return json_error(503, "Le fichier n'a pas pu être enregistré sur le serveur ; rien n'a été ajouté.")
    finally:
        with contextlib.suppress(OSError):
            upload.unlink()


def _save(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


@router.delete(
    "/documents/{document_id}",
    summary="Retirer un document",
    status_code=202,
    response_model=JobResponse,
    responses={**UNAUTHORIZED, **BUSY, 404: {"model": ErrorResponse, "description": "Document introuvable."}},
)
async def remove_document(
    _: AdminDep,
    jobs: CorpusJobsDep,
    document_id: Annotated[str, PathParam(pattern=DOCUMENT_ID, description="Identifiant du document.")],
) -> JSONResponse:
    """Retire le document du corpus (fichier et entrée du manifeste), puis reconstruit l'index."""
    return await _started(jobs.remove(document_id), "path.document_id")


@router.post(
    "/builds",
    summary="Reconstruire l'index",
    status_code=202,
    response_model=JobResponse,
    responses={**UNAUTHORIZED, **BUSY},
)
async def rebuild(_: AdminDep, jobs: CorpusJobsDep) -> JSONResponse:
    """Reconstruit l'index à partir du corpus tel qu'il est (après un build en échec, ou des fichiers
    changés à la main), puis le met en service ; la recherche continue de servir l'index en place."""
    return await _started(jobs.rebuild(), "corpus")


@router.get("/jobs", summary="Travaux récents", responses=UNAUTHORIZED)
async def list_jobs(_: AdminDep, jobs: CorpusJobsDep) -> JobListResponse:
    """Les derniers ajouts et retraits de documents et leurs builds, du plus récent au plus ancien."""
    return JobListResponse(jobs=[job_response(job) for job in jobs.recent()], busy=jobs.busy)


@router.get(
    "/jobs/{job_id}",
    summary="Suivre un travail",
    responses={**UNAUTHORIZED, 404: {"model": ErrorResponse, "description": "Travail inconnu."}},
)
async def get_job(
    _: AdminDep,
    jobs: CorpusJobsDep,
    job_id: Annotated[str, PathParam(pattern=r"^[0-9a-f]{16}$", description="Identifiant du travail.")],
) -> JobResponse:
    """Étape, progression et avertissements du build ; à la fin, l'index mis en service."""
    job = jobs.get(job_id)
    if job is None:
        return json_error(404, "Travail inconnu (seuls les derniers sont gardés).")  # type: ignore[return-value]
    return job_response(job)
