"""Bits shared by the routers."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from service.api.schemas import ErrorResponse
from service.search.chatter import redact_personal_data
from service.settings import Settings

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "Adresse ou en-tête mal formé."},
    413: {"model": ErrorResponse, "description": "Corps de requête trop volumineux."},
    422: {"model": ErrorResponse, "description": "Paramètre invalide."},
    429: {"model": ErrorResponse, "description": "Trop de requêtes ; voir Retry-After."},
    503: {"model": ErrorResponse, "description": "Index pas encore chargé, ou service surchargé."},
    504: {"model": ErrorResponse, "description": "Délai de traitement dépassé."},
}


def remember_query(request: Request, settings: Settings, text: str) -> None:
    """Hand the query text to the access log, only when the settings allow logging it, and never
    with the phone numbers or e-mail addresses a caller may have typed."""
    if settings.log_queries:
        request.state.log_query = redact_personal_data(text)


def forget_query(request: Request) -> None:
    """Keep the query text out of the access log after all."""
    request.state.log_query = None
