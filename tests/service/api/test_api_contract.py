"""The JSON contract of the API, through TestClient with the lifespan running, over the tiny index."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from rapporteur.bundle.model import section_at
from rapporteur.bundle.store import load_bundle
from rapporteur.text.analyzer import analyze
from service.search.display import display_text

CITATION_KEYS = {"document_id", "title", "organisation", "year", "section", "page", "page_end", "start", "end", "url"}
HIT_KEYS = {"rank", "score", "text", "highlights", "citation", "best_sentence"}
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def _check_hit(hit: dict, bundle_texts: dict[str, str]) -> None:
    assert set(hit) == HIT_KEYS
    assert set(hit["citation"]) == CITATION_KEYS
    citation = hit["citation"]
    # The passage is exactly the cited span of the document.
    assert bundle_texts[citation["document_id"]][citation["start"] : citation["end"]] == hit["text"]
    url = urlsplit(citation["url"])
    assert url.path == f"/v1/documents/{citation['document_id']}"
    assert parse_qs(url.query) == {"start": [str(citation["start"])], "end": [str(citation["end"])]}
    for start, end in hit["highlights"]:
        assert 0 <= start < end <= len(hit["text"])
    if hit["best_sentence"] is not None:
        start, end = hit["best_sentence"]
        assert 0 <= start < end <= len(hit["text"])


@pytest.fixture(scope="module")
def texts(tiny_index) -> dict[str, str]:
    bundle = load_bundle(tiny_index)
    return {d.meta.id: d.text for d in bundle.documents}


def test_search_contract(client: TestClient, texts: dict[str, str]) -> None:
    response = client.get("/v1/search", params={"q": "  police   municipale ", "k": 2})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"query", "took_ms", "results"}
    assert body["query"] == "police municipale"
    assert body["took_ms"] >= 0
    assert 1 <= len(body["results"]) <= 2
    assert [h["rank"] for h in body["results"]] == list(range(1, len(body["results"]) + 1))
    for hit in body["results"]:
        _check_hit(hit, texts)
    top = body["results"][0]
    assert top["citation"]["document_id"] == "ville-test-2023"
    marked = {top["text"][s:e].lower() for s, e in top["highlights"]}
    assert {"police", "municipale"} <= marked


def test_highlights_are_query_terms_after_french_analysis(client: TestClient) -> None:
    response = client.get("/v1/search", params={"q": "Évènements", "mode": "lexical", "k": 1})
    hit = response.json()["results"][0]
    words = {hit["text"][s:e] for s, e in hit["highlights"]}
    assert words  # "Événements" and "évènements" both analyse to the query term
    assert all(analyze(w) == analyze("Évènements") for w in words)


@pytest.mark.parametrize("mode", ["lexical", "dense", "hybrid"])
def test_search_modes(client: TestClient, mode: str, texts: dict[str, str]) -> None:
    response = client.get("/v1/search", params={"q": "routes départementales", "mode": mode})
    assert response.status_code == 200
    for hit in response.json()["results"]:
        _check_hit(hit, texts)


def test_search_filters(client: TestClient) -> None:
    both = client.get("/v1/search", params={"q": "rapport", "k": 50}).json()["results"]
    assert {h["citation"]["document_id"] for h in both} == {"ville-test-2023", "departement-test-2022"}
    for params, expected in [
        ({"year": 2022}, "departement-test-2022"),
        ({"organisation": "ville de testville"}, "ville-test-2023"),
        ({"kind": "Rapport d'activité", "year": "2023"}, "ville-test-2023"),
    ]:
        hits = client.get("/v1/search", params={"q": "rapport", "k": 50, **params}).json()["results"]
        assert hits and {h["citation"]["document_id"] for h in hits} == {expected}
    empty_filters = {"q": "rapport", "organisation": "", "year": "", "kind": ""}
    assert client.get("/v1/search", params=empty_filters).status_code == 200  # an HTML form's blanks
    assert client.get("/v1/search", params={"q": "rapport", "year": 1999}).json()["results"] == []


def test_ask_contract(client: TestClient, texts: dict[str, str]) -> None:
    response = client.post("/v1/ask", json={"question": "Combien de caméras de vidéoprotection ?", "k": 2})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"question", "took_ms", "answer", "no_answer", "passages"}
    assert len(body["passages"]) <= 2
    for hit in body["passages"]:
        _check_hit(hit, texts)
        assert hit["best_sentence"] is not None  # ask marks the sentence of each passage that answers best
    assert body["no_answer"] is None
    answer = body["answer"]
    assert answer is not None
    assert set(answer) == {"text", "citation", "confidence"}
    assert "42 caméras" in answer["text"]
    assert 0 <= answer["confidence"] <= 1
    citation = answer["citation"]
    assert set(citation) == CITATION_KEYS
    # The text is cleaned for reading out; the citation points at the exact raw span.
    assert answer["text"] == display_text(texts[citation["document_id"]][citation["start"] : citation["end"]])


def test_ask_defaults_and_filters(client: TestClient) -> None:
    body = client.post("/v1/ask", json={"question": "routes", "year": 2022, "organisation": None}).json()
    assert 1 <= len(body["passages"]) <= 5
    assert {p["citation"]["document_id"] for p in body["passages"]} == {"departement-test-2022"}


def test_ask_answer_is_the_engines(client: TestClient) -> None:
    """`answer` is null exactly when the engine finds no answer it trusts, else its sentence(s)."""
    engine = client.app.state.slot.current.engine
    for question in ("xylophone quantique martien", "Combien de foyers touchent le RSA ?"):
        expected = engine.ask(question, k=5).answer
        body = client.post("/v1/ask", json={"question": question}).json()
        if expected is None:
            assert body["answer"] is None
        else:
            assert body["answer"]["text"] == expected.text
            assert body["answer"]["citation"]["start"] == expected.citation.start


def test_citation_url_resolves_to_the_passage(client: TestClient) -> None:
    hit = client.get("/v1/search", params={"q": "crèche", "k": 1}).json()["results"][0]
    detail = client.get(hit["citation"]["url"])
    assert detail.status_code == 200
    body = detail.json()
    assert body["text"] is None
    span = body["span"]
    assert span["text"] == hit["text"]
    assert (span["start"], span["end"]) == (hit["citation"]["start"], hit["citation"]["end"])
    assert span["context_start"] <= span["start"] and span["end"] <= span["context_end"]
    assert span["section"] == hit["citation"]["section"]
    assert body["document"]["document_id"] == hit["citation"]["document_id"]


def test_document_span_context(client: TestClient, texts: dict[str, str], tiny_index) -> None:
    text = texts["departement-test-2022"]
    start = text.index("téléassistance")
    end = start + len("téléassistance")
    span = client.get("/v1/documents/departement-test-2022", params={"start": start, "end": end}).json()["span"]
    assert span["text"] == "téléassistance"
    assert text[span["context_start"] : span["start"]] == span["context_before"]
    assert text[span["end"] : span["context_end"]] == span["context_after"]
    assert span["context_before"].endswith("service de ")
    document = load_bundle(tiny_index).document("departement-test-2022")
    assert span["section"] == section_at(list(document.sections), start)
    assert "Personnes âgées" in span["section"]


def test_document_full_text_and_list(client: TestClient, texts: dict[str, str]) -> None:
    listing = client.get("/v1/documents").json()
    assert listing["total"] == 2
    ids = {d["document_id"] for d in listing["documents"]}
    assert ids == set(texts)
    ville = next(d for d in listing["documents"] if d["document_id"] == "ville-test-2023")
    assert ville["characters"] == len(texts["ville-test-2023"]) and ville["chunks"] >= 1
    assert {f["value"]: f["count"] for f in listing["facets"]["year"]} == {2023: 1, 2022: 1}
    assert {f["value"]: f["count"] for f in listing["facets"]["kind"]} == {"rapport d'activité": 2}
    detail = client.get("/v1/documents/ville-test-2023").json()
    assert detail["text"] == texts["ville-test-2023"] and detail["span"] is None
    assert detail["document"] == ville


def test_suggest(client: TestClient) -> None:
    body = client.get("/v1/suggest", params={"q": "sécu"}).json()
    assert set(body) == {"query", "suggestions"}
    texts = [s["text"] for s in body["suggestions"]]
    assert "Sécurité et tranquillité publique" in texts
    assert all(set(s) == {"text", "kind"} for s in body["suggestions"])
    assert len(client.get("/v1/suggest", params={"q": "r"}).json()["suggestions"]) <= 8
    assert client.get("/v1/suggest", params={"q": "zzzzqqq"}).json()["suggestions"] == []
    limited = client.get("/v1/suggest", params={"q": "r", "limit": 1}).json()["suggestions"]
    assert len(limited) <= 1


def test_health_ready_and_build_header(client: TestClient, tiny_index) -> None:
    build_id = load_bundle(tiny_index).build_id
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["build_id"] == build_id
    for path in ("/healthz", "/v1/search?q=route", "/v1/documents", "/v1/search?q=", "/nowhere", "/metrics", "/"):
        assert client.get(path).headers["X-Index-Build"] == build_id, path


def test_metrics(client: TestClient, tiny_index) -> None:
    client.get("/v1/search", params={"q": "route"})
    text = client.get("/metrics").text
    build_id = load_bundle(tiny_index).build_id
    assert f'rapporteur_index_info{{build_id="{build_id}"}} 1.0' in text
    assert 'rapporteur_http_requests_total{method="GET",route="/v1/search",status="200"}' in text
    assert 'rapporteur_http_request_duration_seconds_bucket{le="0.05",route="/v1/search"}' in text
    assert "rapporteur_index_chunks 3.0" in text
    assert "rapporteur_index_bytes" in text
    assert "rapporteur_ready 1.0" in text


def test_security_headers(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["Content-Security-Policy"] == CSP
    for response in (page, client.get("/v1/search", params={"q": "route"})):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "Content-Security-Policy" not in client.get("/healthz").headers
    assert client.get("/v1/search", params={"q": "route"}).headers["Cache-Control"] == "no-store"


def test_static_and_docs(client: TestClient) -> None:
    static = client.get("/static/index.html")
    assert static.status_code == 200 and "Content-Security-Policy" in static.headers
    assert client.get("/static/../settings.py").status_code == 404
    docs = client.get("/docs")
    assert docs.status_code == 200 and "<script>" not in docs.text  # CSP: scripts are external files
    assert docs.headers["Content-Security-Policy"] == CSP
    for asset in ("/docs/init.js", "/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css"):
        assert client.get(asset).status_code == 200, asset
    schema = client.get("/openapi.json").json()
    for path in ("/v1/search", "/v1/ask", "/v1/documents", "/v1/documents/{document_id}", "/v1/suggest"):
        assert path in schema["paths"], path
    assert schema["paths"]["/v1/search"]["get"]["responses"]["422"]


def test_request_id_is_echoed_or_made(client: TestClient) -> None:
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    made = client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"}).headers["X-Request-ID"]
    assert made != "bad id\twith spaces" and len(made) == 32


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ("Allô ? Bonjour madame, vous m'entendez ?", "no_question"),
        ("Josiane Carrel 06 39 98 42 17", "no_question"),
        ("combien de places en crèche à Ajaccio ?", "territory_not_covered"),
        ("combien de caméras en 2015 ?", "period_not_covered"),
        ("xylophone quantique martien", "no_clear_answer"),
    ],
)
def test_ask_says_why_there_is_no_answer(client: TestClient, question: str, reason: str) -> None:
    body = client.post("/v1/ask", json={"question": question}).json()
    assert body["answer"] is None
    no_answer = body["no_answer"]
    assert set(no_answer) == {"reason", "message", "places", "years", "available_years", "authorities"}
    assert no_answer["reason"] == reason and no_answer["message"]
    assert (body["passages"] == []) == (reason == "no_question")
    if reason == "territory_not_covered":
        assert no_answer["places"] == ["Ajaccio"]
        assert set(no_answer["authorities"]) == {"Ville de Testville", "Département du Test"}
    if reason == "period_not_covered":
        assert no_answer["years"] == [2015] and no_answer["available_years"] == [2022, 2023]
    # /v1/search is not concerned: it still returns passages for the same text.
    if reason != "no_question":
        assert client.get("/v1/search", params={"q": question}).json()["results"]


def test_document_span_with_one_bound(client: TestClient, texts: dict[str, str]) -> None:
    """As the schema says: `start` alone runs to the end of the document, `end` alone from its start."""
    text = texts["ville-test-2023"]
    tail = client.get("/v1/documents/ville-test-2023", params={"start": 10}).json()["span"]
    assert (tail["start"], tail["end"], tail["text"]) == (10, len(text), text[10:])
    head = client.get("/v1/documents/ville-test-2023", params={"end": 5}).json()["span"]
    assert (head["start"], head["end"], head["text"]) == (0, 5, text[:5])
    beyond = client.get("/v1/documents/ville-test-2023", params={"start": len(text)})
    assert beyond.status_code == 422  # an empty span
