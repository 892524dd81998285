"""CORS: only the allow-listed origins, no wildcard by default, never on admin routes."""

from __future__ import annotations

import pytest
from apitools import ADMIN_KEY
from fastapi.testclient import TestClient

ALLOWED = "https://www.ville-de-testville.fr"
REFUSED = "https://evil.example"


@pytest.fixture(scope="module")
def cors_client(tiny_index):
    from apitools import api_settings, running

    with running(api_settings(tiny_index, cors_origins=[ALLOWED])) as client:
        yield client


def _preflight(client: TestClient, path: str, origin: str, method: str = "POST"):
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "content-type",
        },
    )


def test_allowed_origin_gets_cors_headers(cors_client: TestClient) -> None:
    response = cors_client.get("/v1/search", params={"q": "route"}, headers={"Origin": ALLOWED})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    exposed = {h.strip().lower() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert "x-index-build" in exposed
    preflight = _preflight(cors_client, "/v1/ask", ALLOWED)
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    ask = cors_client.post("/v1/ask", json={"question": "routes"}, headers={"Origin": ALLOWED})
    assert ask.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_refused_origin_gets_no_cors_headers(cors_client: TestClient) -> None:
    response = cors_client.get("/v1/search", params={"q": "route"}, headers={"Origin": REFUSED})
    assert "Access-Control-Allow-Origin" not in response.headers
    preflight = _preflight(cors_client, "/v1/ask", REFUSED)
    assert preflight.status_code >= 400
    assert "Access-Control-Allow-Origin" not in preflight.headers
    lookalike = cors_client.get("/v1/search", params={"q": "route"}, headers={"Origin": ALLOWED + ".evil.example"})
    assert "Access-Control-Allow-Origin" not in lookalike.headers


def test_admin_routes_never_get_cors(cors_client: TestClient) -> None:
    preflight = _preflight(cors_client, "/v1/admin/reload", ALLOWED)
    assert "Access-Control-Allow-Origin" not in preflight.headers
    assert preflight.status_code >= 400
    response = cors_client.post("/v1/admin/reload", headers={"Origin": ALLOWED, "X-API-Key": ADMIN_KEY})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_no_origin_is_allowed_by_default(client: TestClient) -> None:
    for origin in (ALLOWED, REFUSED, "null"):
        response = client.get("/v1/search", params={"q": "route"}, headers={"Origin": origin})
        assert "Access-Control-Allow-Origin" not in response.headers
        assert "Access-Control-Allow-Origin" not in _preflight(client, "/v1/ask", origin).headers
