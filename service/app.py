"""FastAPI app factory: `create_app(settings)`. Nothing heavy happens at import or in the factory;
the index is loaded in the lifespan, off the event loop."""

from __future__ import annotations

import functools

from fastapi import FastAPI

from rapporteur import __version__
from service.api.errors import SafeJSONResponse, install_error_handlers
from service.api.lifecycle import lifespan, reload_in_worker
from service.api.metrics import Metrics
from service.api.middleware import (
    AllowedHostsMiddleware,
    BodyLimitMiddleware,
    HeadMiddleware,
    RateLimitMiddleware,
    RequestContextMiddleware,
    ScopedCORSMiddleware,
    UrlEncodingMiddleware,
)
from service.api.rate_limits import BucketStore
from service.api.routes import admin, documents, ops, search, suggest
from service.api.routes.web import mount_web
from service.corpus_jobs import CorpusJobs
from service.serving import BundleSlot
from service.settings import ServiceSettings

DESCRIPTION = """Recherche et questions-réponses sur les rapports d'activité des collectivités, avec
citations. Chaque réponse porte l'identifiant de l'index qui l'a produite dans l'en-tête
`X-Index-Build`. Les erreurs ont la forme `{"detail": "…", "errors": [{"location", "message"}]}`."""


def create_app(settings: ServiceSettings | None = None, rate_limits: BucketStore | None = None) -> FastAPI:
    """The service over the index directory of `settings` (read from the environment when omitted);
    its rate limit keeps its buckets in this process, or in the `rate_limits` replicas share."""
    settings = settings or ServiceSettings()
    metrics = Metrics()
    slot = BundleSlot(
        settings.index_dir,
        settings.verify_bundle,
        settings.warmup_query,
        on_swap=metrics.observe_index,
        query_cache=settings.query_cache,
    )
    app = FastAPI(
        title="Rapporteur",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        default_response_class=SafeJSONResponse,
    )
    app.state.settings = settings
    app.state.slot = slot
    app.state.metrics = metrics
    app.state.corpus_jobs = CorpusJobs(settings, functools.partial(_swap_in, app))
    install_error_handlers(app)
    for module in (search, suggest, documents, admin, ops):
        app.include_router(module.router)
    mount_web(app)

    # Added innermost first: context > hosts > CORS > URL check > rate limit > body cap > HEAD > app.
    app.add_middleware(HeadMiddleware)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        metrics=metrics,
        read_timeout_s=settings.request_timeout_s,
        uploads=(UPLOAD_PATH, settings.max_upload_bytes),
        admin_key=settings.admin_api_key.get_secret_value() if settings.admin_enabled else None,
    )
    app.add_middleware(
        RateLimitMiddleware,
        per_minute=settings.rate_limit_per_minute,
        burst=settings.rate_limit_burst,
        include_loopback=settings.rate_limit_loopback,
        max_clients=settings.rate_limit_max_clients,
        metrics=metrics,
        cost_unit_s=settings.rate_limit_cost_unit_ms / 1000,
        store=rate_limits,
    )
    app.add_middleware(UrlEncodingMiddleware, metrics=metrics)
    app.add_middleware(ScopedCORSMiddleware, origins=settings.cors_origins)
    app.add_middleware(AllowedHostsMiddleware, allowed=settings.allowed_hosts)
    app.add_middleware(
        RequestContextMiddleware,
        slot=slot,
        metrics=metrics,
        timeout_s=settings.request_timeout_s,
        routes=lambda: app.router.routes,
        uploads=(UPLOAD_PATH, settings.upload_timeout_s),
    )
    return app


UPLOAD_PATH = "/v1/admin/documents"  # the one route whose body is a document: larger, and slower to arrive


async def _swap_in(app: FastAPI) -> str:
    """Load the bundle the admin API's build just made; its build id."""
    outcome = await reload_in_worker(app, "admin")
    return outcome.build_id
