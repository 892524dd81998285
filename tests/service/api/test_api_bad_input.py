"""Bad input and abuse: always a 4xx with a French message, never a 5xx, and the server lives on."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

LONG = "a" * 501
CONTROL = "\x00\x01\x07\x1b\x7f\u200b\ufeff"
# Under 500 characters but far too many model tokens: each would cost 10 to 30 normal queries.
ACCENTS = "é" * 500
IDEOGRAMS = "".join(chr(0x4E00 + (i * 37) % 2000) for i in range(500))
RANDOM_WORDS = " ".join(("zéçq", "ùêïô", "àœÿ", "kwöx")[i % 4] for i in range(100))[:500]
JSON = {"Content-Type": "application/json"}

# (method, url, keyword arguments of the request, expected status)
CASES: list[tuple[str, str, dict, int]] = [
    # q / question: required, 1-500 characters after cleaning
    ("GET", "/v1/search", {}, 422),
    ("GET", "/v1/search?q=", {}, 422),
    ("GET", "/v1/search?q=%20%20%09%0A", {}, 422),
    ("GET", "/v1/search", {"params": {"q": CONTROL}}, 422),
    ("GET", "/v1/search", {"params": {"q": LONG}}, 422),
    ("GET", "/v1/search", {"params": {"q": "x" * 20_000}}, 422),
    ("GET", "/v1/search?q=caf%C3", {}, 400),  # truncated UTF-8
    ("GET", "/v1/search?q=%FF%FE", {}, 400),  # not UTF-8
    ("GET", "/v1/search?q=%ZZroute", {}, 400),  # malformed escape
    ("GET", "/v1/search?q=%ED%A0%80", {}, 400),  # an encoded lone surrogate is not UTF-8
    ("GET", "/v1/search", {"params": {"q": ACCENTS}}, 422),
    ("GET", "/v1/search", {"params": {"q": IDEOGRAMS, "mode": "dense"}}, 422),
    ("GET", "/v1/search", {"params": {"q": RANDOM_WORDS}}, 422),
    ("GET", "/v1/search?q=route%", {}, 400),
    ("GET", "/v1/search?q=route%2", {}, 400),
    # k: 1-50, an integer
    ("GET", "/v1/search?q=route&k=0", {}, 422),
    ("GET", "/v1/search?q=route&k=-1", {}, 422),
    ("GET", "/v1/search?q=route&k=51", {}, 422),
    ("GET", "/v1/search?q=route&k=99999999999999999999999999", {}, 422),
    ("GET", "/v1/search?q=route&k=2.5", {}, 422),
    ("GET", "/v1/search?q=route&k=dix", {}, 422),
    ("GET", "/v1/search?q=route&k=", {}, 422),
    # mode, year
    ("GET", "/v1/search?q=route&mode=semantic", {}, 422),
    ("GET", "/v1/search?q=route&mode=HYBRID", {}, 422),
    ("GET", "/v1/search?q=route&year=deux-mille", {}, 422),
    ("GET", "/v1/search?q=route&year=2023.5", {}, 422),
    ("GET", "/v1/search?q=route&year=-5", {}, 422),
    ("GET", "/v1/search?q=route&year=1" + "0" * 40, {}, 422),
    ("GET", "/v1/search", {"params": {"q": "route", "organisation": "o" * 300}}, 422),
    # ask body
    ("POST", "/v1/ask", {"json": {}}, 422),
    ("POST", "/v1/ask", {"json": {"question": ""}}, 422),
    ("POST", "/v1/ask", {"json": {"question": "   "}}, 422),
    ("POST", "/v1/ask", {"json": {"question": CONTROL * 3}}, 422),
    ("POST", "/v1/ask", {"json": {"question": LONG}}, 422),
    ("POST", "/v1/ask", {"json": {"question": 42}}, 422),
    ("POST", "/v1/ask", {"json": {"question": ["route"]}}, 422),
    ("POST", "/v1/ask", {"json": {"question": None}}, 422),
    ("POST", "/v1/ask", {"json": {"question": "route", "k": 0}}, 422),
    ("POST", "/v1/ask", {"json": {"question": "route", "k": -3}}, 422),
    ("POST", "/v1/ask", {"json": {"question": "route", "k": 10**30}}, 422),
    ("POST", "/v1/ask", {"json": {"question": "route", "k": "5"}}, 422),
    ("POST", "/v1/ask", {"json": {"question": "route", "k": True}}, 422),
    ("POST", "/v1/ask", {"json": {"question": "route", "k": 2.5}}, 422),
    ("POST", "/v1/ask", {"json": {"question": "route", "year": "2023"}}, 422),
    ("POST", "/v1/ask", {"json": {"question": "route", "year": 2023.5}}, 422),
    ("POST", "/v1/ask", {"json": {"question": "route", "mode": "hybrid"}}, 422),  # unknown field
    ("POST", "/v1/ask", {"json": ["route"]}, 422),
    ("POST", "/v1/ask", {"json": "route"}, 422),
    ("POST", "/v1/ask", {"json": None}, 422),
    ("POST", "/v1/ask", {"content": b"{not json", "headers": {"Content-Type": "application/json"}}, 422),
    ("POST", "/v1/ask", {"content": b"\xff\xfe\x00", "headers": {"Content-Type": "application/json"}}, 400),
    ("POST", "/v1/ask", {"content": b"", "headers": {"Content-Type": "application/json"}}, 422),
    ("POST", "/v1/ask", {"content": b'{"question": "\\udc00"}', "headers": JSON}, 422),
    ("POST", "/v1/ask", {"content": b'{"question": "pompiers \\ud800"}', "headers": JSON}, 422),
    ("POST", "/v1/ask", {"content": b'{"question": "route", "organisation": "\\udfff"}', "headers": JSON}, 422),
    ("POST", "/v1/ask", {"json": {"question": RANDOM_WORDS}}, 422),
    ("POST", "/v1/ask", {"content": b"question=route", "headers": {"Content-Type": "text/plain"}}, 422),
    ("POST", "/v1/ask", {"content": b"{}", "headers": {"Content-Length": "abc"}}, 400),
    ("POST", "/v1/ask", {"json": {"question": "route" * 20_000}}, 413),
    ("GET", "/v1/ask?question=route", {}, 405),
    ("PUT", "/v1/search?q=route", {}, 405),
    # documents: looked up by manifest id only
    ("GET", "/v1/documents/..%2F..%2F..%2Fetc%2Fpasswd", {}, 404),
    ("GET", "/v1/documents/%2E%2E", {}, 404),
    ("GET", "/v1/documents/../../pyproject.toml", {}, 404),
    ("GET", "/v1/documents/..%5C..%5Cpyproject.toml", {}, 404),
    ("GET", "/v1/documents/%00", {}, 404),
    ("GET", "/v1/documents/corpus%2Fmanifest.toml", {}, 404),
    ("GET", "/v1/documents/ville-test-2023%00", {}, 404),
    ("GET", "/v1/documents/" + "a" * 300, {}, 422),
    ("GET", "/v1/documents/inconnu", {}, 404),
    ("GET", "/v1/documents/ville-test-2023?start=10&end=5", {}, 422),
    ("GET", "/v1/documents/ville-test-2023?start=-1&end=5", {}, 422),
    ("GET", "/v1/documents/ville-test-2023?start=0&end=1000000", {}, 422),
    ("GET", "/v1/documents/ville-test-2023?start=a&end=b", {}, 422),
    ("GET", "/v1/documents/ville-test-2023?start=0&end=" + "9" * 40, {}, 422),
    ("GET", "/static/..%2F..%2Fsettings.py", {}, 404),
    # suggest
    ("GET", "/v1/suggest", {}, 422),
    ("GET", "/v1/suggest?q=", {}, 422),
    ("GET", "/v1/suggest", {"params": {"q": LONG}}, 422),
    ("GET", "/v1/suggest?q=ro&limit=0", {}, 422),
    ("GET", "/v1/suggest?q=ro&limit=9", {}, 422),
    # admin without the key
    ("POST", "/v1/admin/reload", {}, 401),
    ("POST", "/v1/admin/reload", {"headers": {"X-API-Key": "wrong"}}, 401),
    ("POST", "/v1/admin/reload", {"headers": {"Authorization": "Bearer wrong"}}, 401),
    ("POST", "/v1/admin/reload", {"headers": {"Authorization": "Basic Zm9vOmJhcg=="}}, 401),
    ("GET", "/v1/admin/reload", {}, 405),
    # elsewhere
    ("GET", "/v2/search?q=route", {}, 404),
    ("GET", "/%ZZ", {}, 400),
]


def _id(case: tuple[str, str, dict, int]) -> str:
    method, url, kwargs, _ = case
    extra = json.dumps(kwargs, default=str, ensure_ascii=True)[:40] if kwargs else ""
    return f"{method} {url[:60]} {extra}"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_bad_input_gets_a_clear_4xx(client: TestClient, case: tuple[str, str, dict, int]) -> None:
    method, url, kwargs, expected = case
    response = client.request(method, url, **kwargs)
    assert response.status_code == expected, response.text
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["detail"].isascii() is False or expected in (404,), body["detail"]  # French, with accents
    assert "Traceback" not in response.text


@pytest.mark.parametrize("q", ["école", "é" * 40, "  route  \x00", "<script>alert(1)</script>", "' OR 1=1 --", "%"])
def test_odd_but_valid_queries_are_answered(client: TestClient, q: str) -> None:
    response = client.get("/v1/search", params={"q": q})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"


def test_validation_message_is_french_and_names_the_field(client: TestClient) -> None:
    body = client.get("/v1/search", params={"q": "route", "k": 0}).json()
    assert body["detail"] == "Requête invalide : paramètre « k » : doit être supérieur ou égal à 1."
    assert body["errors"] == [{"location": "query.k", "message": "doit être supérieur ou égal à 1"}]
    body = client.post("/v1/ask", json={"question": LONG}).json()
    assert "500 caractères" in body["detail"]
    assert body["errors"][0]["location"] == "body.question"


def test_too_many_tokens_is_a_french_422_naming_the_limit(client: TestClient) -> None:
    body = client.get("/v1/search", params={"q": ACCENTS}).json()
    assert body["detail"].startswith("Requête invalide : la requête est trop longue pour le modèle")
    assert "160 au plus" in body["detail"]
    # The same text in lexical mode embeds nothing: it is cheap, and answered.
    assert client.get("/v1/search", params={"q": ACCENTS, "mode": "lexical"}).status_code == 200


def test_an_unreadable_question_costs_nothing(client: TestClient) -> None:
    """Ask checks first whether the text asks anything: ideograms or mashed keys embed nothing."""
    for text in (IDEOGRAMS, ACCENTS):
        body = client.post("/v1/ask", json={"question": text}).json()
        assert body["no_answer"]["reason"] == "no_question" and body["passages"] == []


def test_lone_surrogates_are_refused_in_french(client: TestClient) -> None:
    response = client.post("/v1/ask", content=b'{"question": "pompiers \\ud800"}', headers=JSON)
    assert response.status_code == 422
    assert "demi-caractère UTF-16" in response.json()["detail"]
    assert response.json()["errors"][0]["location"] == "body.question"


def test_server_lives_on_after_the_battery(client: TestClient) -> None:
    for case in CASES:
        method, url, kwargs, _ = case
        assert client.request(method, url, **kwargs).status_code < 500
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/v1/search", params={"q": "police"}).json()["results"]
