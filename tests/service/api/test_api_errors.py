"""Errors from the library and from bugs become JSON answers in French at the edge."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from rapporteur.errors import BundleError, EmbedderError


@pytest.mark.parametrize(
    ("error", "words"),
    [(EmbedderError("model gone"), "modèle de recherche"), (BundleError("file gone"), "index de recherche")],
)
def test_domain_errors_become_503_in_french(make_client, monkeypatch: pytest.MonkeyPatch, error, words) -> None:
    with make_client() as client:
        engine = client.app.state.slot.current.engine

        def broken(*args: object, **kwargs: object) -> None:
            raise error

        monkeypatch.setattr(engine, "ask", broken)
        response = client.post("/v1/ask", json={"question": "routes"})
        assert response.status_code == 503
        assert words in response.json()["detail"]
        assert "gone" not in response.text  # internal details stay in the logs
        assert response.headers["Retry-After"]


def test_a_bug_becomes_a_logged_500_in_french(make_client, monkeypatch: pytest.MonkeyPatch, caplog) -> None:
    with make_client() as client:
        engine = client.app.state.slot.current.engine
        monkeypatch.setattr(engine, "search", lambda *a, **k: 1 / 0)
        quiet = TestClient(client.app, raise_server_exceptions=False)
        response = quiet.get("/v1/search", params={"q": "route"})
        assert response.status_code == 500
        assert response.json()["detail"].startswith("Erreur interne du service")
        assert "ZeroDivisionError" not in response.text
        assert response.headers["X-Index-Build"] == engine.bundle.build_id
        assert any(r.exc_info and r.exc_info[0] is ZeroDivisionError for r in caplog.records)
        assert client.get("/healthz").status_code == 200
