"""Errors at the edge: validation and domain errors become JSON with a French `detail`, never a 5xx."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from rapporteur.errors import BundleError, EmbedderError, QueryTooLongError, RapporteurError

log = logging.getLogger(__name__)

_LOCATIONS = {"query": "paramètre", "path": "chemin", "body": "corps", "header": "en-tête"}

STATUS_MESSAGES = {
    400: "Requête invalide.",
    401: "Authentification requise.",
    403: "Accès refusé.",
    404: "Ressource introuvable.",
    405: "Méthode non autorisée pour cette adresse.",
    406: "Format de réponse non disponible.",
    408: "Délai dépassé : la requête n'est pas arrivée à temps.",
    413: "Requête trop volumineuse.",
    415: "Type de contenu non pris en charge : envoyez du JSON (application/json).",
    422: "Requête invalide.",
    429: "Trop de requêtes.",
    500: "Erreur interne du service.",
    503: "Service momentanément indisponible.",
    504: "Délai de traitement dépassé.",
}

# English messages raised by FastAPI itself, and their French versions.
_FRAMEWORK_MESSAGES = {
    "There was an error parsing the body": "Corps de requête illisible : envoyez du JSON encodé en UTF-8.",
    "Not authenticated": "Authentification requise.",
}


class SafeJSONResponse(JSONResponse):
    """JSON that always serialises: text that UTF-8 cannot encode (a lone surrogate) is escaped."""

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except UnicodeEncodeError:
            return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")


def json_error(
    status: int, detail: str, errors: list[dict[str, str]] | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    """The error body every route and middleware uses."""
    return SafeJSONResponse({"detail": detail, "errors": errors or []}, status_code=status, headers=headers)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _field_message(error: dict[str, Any]) -> str:
    """French message of one pydantic error."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "valeur obligatoire manquante"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "doit être un nombre entier"
    if kind in ("float_parsing", "float_type"):
        return "doit être un nombre"
    if kind in ("string_type", "string_unicode"):
        return "doit être une chaîne de caractères"
    if kind == "bool_parsing":
        return "doit être true ou false"
    if kind == "greater_than_equal":
        return f"doit être supérieur ou égal à {ctx.get('ge')}"
    if kind == "greater_than":
        return f"doit être supérieur à {ctx.get('gt')}"
    if kind == "less_than_equal":
        return f"doit être inférieur ou égal à {ctx.get('le')}"
    if kind == "less_than":
        return f"doit être inférieur à {ctx.get('lt')}"
    if kind == "string_too_short":
        return f"doit contenir au moins {ctx.get('min_length')} caractère(s)"
    if kind == "string_too_long":
        return f"doit contenir au plus {ctx.get('max_length')} caractères"
    if kind in ("literal_error", "enum"):
        return f"valeur inconnue ; valeurs permises : {ctx.get('expected', '?')}".replace(" or ", " ou ")
    if kind == "extra_forbidden":
        return "champ inconnu"
    if kind == "json_invalid":
        return "JSON invalide"
    if kind in ("model_attributes_type", "dict_type", "model_type"):
        return "le corps doit être un objet JSON"
    if kind == "value_error":
        return str(ctx.get("error", error.get("msg", "valeur invalide")))
    return "valeur invalide"


def _location(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _LOCATIONS:
        return ".".join(parts)
    return ".".join(["body", *parts]) if parts else "body"


def validation_errors(errors: Sequence[Any]) -> list[dict[str, str]]:
    return [{"location": _location(e.get("loc", ())), "message": _field_message(e)} for e in errors]


def _summary(fields: list[dict[str, str]]) -> str:
    if not fields:
        return STATUS_MESSAGES[422]
    first = fields[0]
    where, _, name = first["location"].partition(".")
    label = f"{_LOCATIONS.get(where, where)} « {name} »" if name else _LOCATIONS.get(where, where)
    more = f" (et {len(fields) - 1} autre(s) erreur(s))" if len(fields) > 1 else ""
    return f"Requête invalide : {label} : {first['message']}{more}."


async def _on_validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = validation_errors(exc.errors())
    return json_error(422, _summary(fields), fields)


async def _on_http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else ""
    if detail in _FRAMEWORK_MESSAGES:
        detail = _FRAMEWORK_MESSAGES[detail]
    elif not detail or detail == _phrase(exc.status_code):
        # Starlette's own messages ("Not Found", "Method Not Allowed"...) are English.
        detail = STATUS_MESSAGES.get(exc.status_code, "Erreur.")
    return json_error(exc.status_code, detail, headers=getattr(exc, "headers", None))


async def _on_domain(_: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, QueryTooLongError):
        message = f"trop longue pour le modèle : {exc.tokens} unités de texte, {exc.limit} au plus"
        return json_error(
            422,
            f"Requête invalide : la requête est {message} ; raccourcissez-la.",
            [{"location": "query", "message": message}],
        )
    log.error("domain error: %s", exc, extra={"event": "domain_error", "error": type(exc).__name__})
    if isinstance(exc, BundleError):
        detail = "L'index de recherche est indisponible ou endommagé ; réessayez plus tard."
    elif isinstance(exc, EmbedderError):
        detail = "Le modèle de recherche est indisponible ; réessayez plus tard."
    else:
        detail = "La recherche n'a pas pu aboutir ; réessayez plus tard."
    return json_error(503, detail, headers={"Retry-After": "30"})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(RapporteurError, _on_domain)
