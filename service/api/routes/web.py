"""The web page (`/` and `/static/*` from service/static/) and the API docs at /docs, served locally.

The docs page loads Swagger UI from the `fastapi-offline` package and starts it from an external
script, so it works offline and under the same Content-Security-Policy as the rest (no inline script).
"""

from __future__ import annotations

import html
from pathlib import Path

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"

router = APIRouter(include_in_schema=False)


@router.get("/")
async def home() -> FileResponse:
    page = STATIC_DIR / "index.html"
    if not page.is_file():
        raise HTTPException(404, "La page d'accueil n'est pas installée.")
    return FileResponse(page, media_type="text/html; charset=utf-8")


@router.get("/admin")
async def admin_page() -> FileResponse:
    """The admin page: documents, uploads, builds (the API it calls needs the admin key)."""
    page = STATIC_DIR / "admin" / "index.html"
    if not page.is_file():
        raise HTTPException(404, "La page d'administration n'est pas installée.")
    return FileResponse(page, media_type="text/html; charset=utf-8")


_DOCS_PAGE = """<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<title>{title} — documentation de l'API</title>
<link rel="stylesheet" href="{root}/docs/assets/swagger-ui.css">
<link rel="icon" href="{root}/docs/assets/favicon.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{root}/docs/assets/swagger-ui-bundle.js"></script>
<script src="{root}/docs/init.js"></script>
</body>
</html>
"""

_DOCS_INIT = """window.ui = SwaggerUIBundle({{
  url: {openapi_url},
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout"
}});
"""


def _swagger_assets() -> Path | None:
    try:
        import fastapi_offline
    except ImportError:
        return None
    path = Path(fastapi_offline.__file__).parent / "static"
    return path if (path / "swagger-ui-bundle.js").is_file() else None


def mount_web(app: FastAPI) -> None:
    """Add the page, its static files and the API docs to `app`."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR, check_dir=False), name="static")
    assets = _swagger_assets()
    if assets is None:
        return
    app.mount("/docs/assets", StaticFiles(directory=assets), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        root = html.escape(request.scope.get("root_path", ""))
        return HTMLResponse(_DOCS_PAGE.format(title=html.escape(app.title), root=root))

    @app.get("/docs/init.js", include_in_schema=False)
    async def docs_init(request: Request) -> Response:
        import json

        url = json.dumps(request.scope.get("root_path", "") + (app.openapi_url or "/openapi.json"))
        return Response(_DOCS_INIT.format(openapi_url=url), media_type="text/javascript; charset=utf-8")
