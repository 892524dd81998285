"""JSON schema of the API (the contract clients rely on) and the mapping from search-core results."""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal
from urllib.parse import quote

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from rapporteur.bundle.model import Citation
from service.search.query import MAX_QUERY_CHARS, clean_query
from service.search.results import Answer, Hit, NoAnswer, SearchResult

MAX_K = 50
MAX_FILTER_CHARS = 200
MIN_YEAR, MAX_YEAR = 1000, 9999

# -- input types -----------------------------------------------------------------------------------


_SURROGATE = re.compile("[\ud800-\udfff]")


def _valid_text(value: str) -> str:
    """Refuse text that cannot be encoded (lone UTF-16 surrogates, e.g. from a JSON "\\udc00")."""
    if _SURROGATE.search(value):
        raise ValueError("le texte contient un caractère invalide (demi-caractère UTF-16 isolé)")
    return value


def _checked_query(value: str) -> str:
    text = clean_query(_valid_text(value))
    if not text:
        raise ValueError("le texte est vide une fois les espaces et caractères de contrôle retirés")
    if len(text) > MAX_QUERY_CHARS:
        raise ValueError(f"le texte dépasse {MAX_QUERY_CHARS} caractères ({len(text)} après nettoyage)")
    if "\ufffd" in text:
        raise ValueError("le texte contient des octets qui ne sont pas de l'UTF-8 valide")
    return text


def _blank_to_none(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _clean_filter(value: str | None) -> str | None:
    if value is None:
        return None
    text = clean_query(_valid_text(value))
    if len(text) > MAX_FILTER_CHARS:
        raise ValueError(f"le filtre dépasse {MAX_FILTER_CHARS} caractères")
    return text or None


QueryText = Annotated[str, AfterValidator(_checked_query)]
"""Query or question: control characters removed, trimmed, then 1-500 characters."""

FilterText = Annotated[str | None, BeforeValidator(_blank_to_none), AfterValidator(_clean_filter)]
Year = Annotated[Annotated[int, Field(ge=MIN_YEAR, le=MAX_YEAR)] | None, BeforeValidator(_blank_to_none)]
SearchMode = Literal["lexical", "dense", "hybrid"]


class AskRequest(BaseModel):
    """Body of POST /v1/ask."""

    model_config = ConfigDict(extra="forbid")

    question: QueryText = Field(
        description="La question, 1 à 500 caractères une fois nettoyée.",
        json_schema_extra={"minLength": 1, "maxLength": MAX_QUERY_CHARS},
        examples=["Combien de caméras de vidéoprotection la ville compte-t-elle ?"],
    )
    k: int = Field(5, ge=1, le=MAX_K, strict=True, description="Nombre de passages renvoyés.")
    organisation: FilterText = Field(None, description="Filtre : organisation (exacte, sans casse).")
    year: Annotated[int, Field(ge=MIN_YEAR, le=MAX_YEAR, strict=True)] | None = Field(
        None, description="Filtre : année du document."
    )
    kind: FilterText = Field(None, description="Filtre : type de document.")


# -- output types ----------------------------------------------------------------------------------


class CitationOut(BaseModel):
    """Where a passage comes from; `start`/`end` are character offsets in the document text."""

    document_id: str
    title: str
    organisation: str | None
    year: int | None
    section: str
    page: int | None = Field(description="Page où commence le passage (null : document sans pages).")
    page_end: int | None = Field(description="Page où il finit : la même que `page` sur une seule page.")
    start: int
    end: int
    url: str = Field(description="Adresse du passage : /v1/documents/{document_id}?start=…&end=…")


class HitOut(BaseModel):
    """One ranked passage; `highlights` are [start, end) spans of `text` matching the query."""

    rank: int
    score: float
    text: str
    highlights: list[tuple[int, int]]
    citation: CitationOut
    best_sentence: tuple[int, int] | None = Field(
        None,
        description="Avec /v1/ask : [début, fin) dans `text` de la phrase du passage qui répond le mieux.",
    )


class AnswerOut(BaseModel):
    """Extractive answer: the sentence(s) of a report that answer the question."""

    text: str = Field(
        description="La phrase à lire, sans puces ni retours à la ligne ; `citation` en donne la place exacte."
    )
    citation: CitationOut
    confidence: float = Field(description="Probabilité estimée que la phrase réponde à la question.")


NoAnswerReason = Literal["no_question", "territory_not_covered", "period_not_covered", "no_clear_answer"]


class NoAnswerOut(BaseModel):
    """Why there is no answer line."""

    reason: NoAnswerReason = Field(
        description="no_question : pas de question ; territory_not_covered : lieu hors des rapports indexés ; "
        "period_not_covered : période hors des rapports ; no_clear_answer : aucune phrase ne répond clairement."
    )
    message: str = Field(description="Explication en français, à afficher telle quelle.")
    places: list[str] = Field(default_factory=list, description="Lieux nommés qu'aucun rapport ne couvre.")
    years: list[int] = Field(default_factory=list, description="Années demandées qu'aucun rapport ne couvre.")
    available_years: list[int] = Field(default_factory=list)
    authorities: list[str] = Field(default_factory=list, description="Collectivités couvertes par l'index.")


class SearchResponse(BaseModel):
    query: str = Field(description="La requête telle qu'elle a été traitée (nettoyée).")
    took_ms: float
    results: list[HitOut]


class AskResponse(BaseModel):
    question: str
    took_ms: float
    answer: AnswerOut | None = Field(description="null quand les rapports ne répondent pas à la question.")
    no_answer: NoAnswerOut | None = Field(None, description="Pourquoi il n'y a pas de réponse (null sinon).")
    passages: list[HitOut]


class DocumentInfo(BaseModel):
    """Metadata of one document of the index."""

    document_id: str
    title: str
    organisation: str | None
    organisation_type: str | None
    territory: str | None
    year: int | None
    kind: str | None
    source_url: str | None
    characters: int
    chunks: int
    pages: int | None


class FacetValue(BaseModel):
    value: str | int
    count: int = Field(description="Nombre de documents.")


class Facets(BaseModel):
    organisation: list[FacetValue]
    year: list[FacetValue]
    kind: list[FacetValue]


class DocumentList(BaseModel):
    total: int
    documents: list[DocumentInfo]
    facets: Facets


class Span(BaseModel):
    """A span of a document with the text around it."""

    start: int
    end: int
    text: str
    context_before: str
    context_after: str
    context_start: int = Field(description="Position du début de `context_before` dans le document.")
    context_end: int = Field(description="Position de la fin de `context_after` dans le document.")
    section: str | None
    page: int | None = Field(description="Page où commence le passage cité.")
    page_end: int | None = Field(description="Page où il finit.")


class DocumentDetail(BaseModel):
    """A document: metadata, and either its whole text or the span asked for."""

    document: DocumentInfo
    text: str | None = Field(description="Texte intégral ; null quand une plage start/end est demandée.")
    span: Span | None


class SuggestionOut(BaseModel):
    text: str
    kind: Literal["title", "section", "phrase"]


class SuggestResponse(BaseModel):
    query: str
    suggestions: list[SuggestionOut]


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready", "loading", "unavailable"]
    build_id: str | None
    detail: str | None = None


class ReloadResponse(BaseModel):
    status: Literal["reloaded", "unchanged"]
    build_id: str
    previous_build_id: str | None
    took_ms: float


class JobResponse(BaseModel):
    """A corpus change and the build that follows it."""

    id: str
    action: Literal["add", "remove", "build"] = Field(
        description="« add » : document ajouté ; « remove » : retiré ; « build » : index reconstruit tel quel."
    )
    document_id: str | None
    status: Literal["running", "succeeded", "failed"]
    stage: str = Field(description="Étape en cours, en français.")
    done: int = Field(description="Éléments traités dans l'étape en cours.")
    total: int
    warnings: list[str] = Field(
        description="Avertissements du build, par fichier (fichiers ignorés, métadonnées déduites)."
    )
    error: str | None
    build_id: str | None = Field(description="Index mis en service à la fin du build.")
    created_at: str
    finished_at: str | None
    url: str = Field(description="Où suivre ce travail.")


class JobListResponse(BaseModel):
    jobs: list[JobResponse]
    busy: bool = Field(description="Un travail est en cours : un autre serait refusé (409).")


class FieldError(BaseModel):
    location: str = Field(description="Où se trouve l'erreur, par ex. « query.k » ou « body.question ».")
    message: str


class ErrorResponse(BaseModel):
    """Body of every error: a sentence in French meant for people, and details per field."""

    detail: str
    errors: list[FieldError] = Field(default_factory=list)


# The errors every API route may answer, for the OpenAPI schema.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "Adresse ou en-tête mal formé."},
    413: {"model": ErrorResponse, "description": "Corps de requête trop volumineux."},
    422: {"model": ErrorResponse, "description": "Paramètre invalide."},
    429: {"model": ErrorResponse, "description": "Trop de requêtes ; voir Retry-After."},
    503: {"model": ErrorResponse, "description": "Index pas encore chargé, ou service surchargé."},
    504: {"model": ErrorResponse, "description": "Délai de traitement dépassé."},
}


# -- mapping ---------------------------------------------------------------------------------------


def finite(value: float) -> float:
    """JSON has no NaN or infinity."""
    return float(value) if math.isfinite(value) else 0.0


def document_url(document_id: str, start: int, end: int, root_path: str = "") -> str:
    return f"{root_path}/v1/documents/{quote(document_id, safe='')}?start={start}&end={end}"


def citation_out(c: Citation, root_path: str = "") -> CitationOut:
    return CitationOut(
        document_id=c.document_id,
        title=c.title,
        organisation=c.organisation,
        year=c.year,
        section=c.section,
        page=c.page,
        page_end=c.page_end,
        start=c.start,
        end=c.end,
        url=document_url(c.document_id, c.start, c.end, root_path),
    )


def hit_out(hit: Hit, root_path: str = "") -> HitOut:
    return HitOut(
        rank=hit.rank,
        score=round(finite(hit.score), 6),
        text=hit.text,
        highlights=[(s, e) for s, e in hit.highlights],
        citation=citation_out(hit.citation, root_path),
        best_sentence=hit.best_sentence,
    )


def no_answer_out(no_answer: NoAnswer | None) -> NoAnswerOut | None:
    if no_answer is None:
        return None
    return NoAnswerOut(
        reason=no_answer.reason,  # type: ignore[arg-type]
        message=no_answer.message,
        places=list(no_answer.places),
        years=list(no_answer.years),
        available_years=list(no_answer.available_years),
        authorities=list(no_answer.authorities),
    )


def answer_out(answer: Answer | None, root_path: str = "") -> AnswerOut | None:
    if answer is None:
        return None
    return AnswerOut(
        text=answer.text,
        citation=citation_out(answer.citation, root_path),
        confidence=round(finite(answer.confidence), 4),
    )


def search_response(result: SearchResult, root_path: str = "") -> SearchResponse:
    return SearchResponse(
        query=result.query,
        took_ms=round(result.took_ms, 2),
        results=[hit_out(h, root_path) for h in result.hits],
    )


def ask_response(result: SearchResult, root_path: str = "") -> AskResponse:
    return AskResponse(
        question=result.query,
        took_ms=round(result.took_ms, 2),
        answer=answer_out(result.answer, root_path),
        no_answer=no_answer_out(result.no_answer),
        passages=[hit_out(h, root_path) for h in result.hits],
    )
