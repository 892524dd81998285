"""The ASGI middleware (service/api/middleware.py), each driven alone with raw ASGI messages around a
small app: headers and metrics of the request context, HEAD, URL encoding, body caps and deadlines,
the rate limit and its costs, allowed hosts, and CORS kept away from the admin routes."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
from service.api.rate_limits import LocalBuckets, TokenBuckets

ADMIN_KEY = "cle-admin-de-test"


class Reply:
    """The response a call got, and what the inner app saw."""

    def __init__(self) -> None:
        self.status: int | None = None
        self.headers: dict[str, str] = {}
        self.body = b""

    @property
    def json(self) -> dict:
        return json.loads(self.body)


class Inner:
    """The app behind the middleware: records its scope and the body it read, answers `status`
    with `headers` and `body`, or raises `error`."""

    def __init__(
        self,
        status: int = 200,
        headers: list[tuple[bytes, bytes]] | None = None,
        body: bytes = b'{"ok": true}',
        error: Exception | None = None,
        before: Callable[[Scope], None] | None = None,
    ) -> None:
        self.status, self.headers, self.body, self.error, self.before = status, headers, body, error, before
        self.scopes: list[Scope] = []
        self.received: list[bytes] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.scopes.append(scope)
        if self.before:
            self.before(scope)
        if scope.get("method") == "POST":
            message = await receive()
            self.received.append(message.get("body", b""))
        if self.error is not None:
            raise self.error
        headers = self.headers if self.headers is not None else [(b"content-type", b"application/json")]
        headers = [*headers, (b"content-length", str(len(self.body)).encode())]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body, "more_body": False})


def _call(
    app: ASGIApp,
    path: str = "/v1/search",
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: list[bytes] | None = None,
    client: str = "203.0.113.5",
    query: bytes = b"",
    raw_path: bytes | None = None,
    state: dict | None = None,
    hang: bool = False,
) -> Reply:
    """One request through `app`; `body` as the chunks the client sends (`hang`: then nothing more)."""
    scope: Scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": raw_path if raw_path is not None else path.encode(),
        "query_string": query,
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()],
        "client": (client, 50000),
    }
    if state is not None:
        scope["state"] = state
    chunks = list(body or [b""])
    reply = Reply()

    async def receive() -> Message:
        if chunks:
            chunk = chunks.pop(0)
            return {"type": "http.request", "body": chunk, "more_body": bool(chunks) or hang}
        if hang:
            await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            reply.status = message["status"]
            reply.headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in message.get("headers", [])}
        else:
            reply.body += message.get("body", b"")

    asyncio.run(app(scope, receive, send))
    return reply


def _count(metrics: Metrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


# -- request context ------------------------------------------------------------------------------------


def _context(inner: ASGIApp, loaded: object = None, **kwargs: object) -> tuple[RequestContextMiddleware, Metrics]:
    metrics = Metrics()
    routes = [Route("/v1/search", lambda r: None), Route("/v1/documents/{document_id}", lambda r: None)]
    slot = SimpleNamespace(current=loaded)
    return RequestContextMiddleware(inner, slot, metrics, 10.0, lambda: routes, **kwargs), metrics  # type: ignore[arg-type]


def test_the_request_context_adds_its_headers() -> None:
    app, _ = _context(Inner(), loaded=SimpleNamespace(build_id="b42"))
    reply = _call(app, headers={"X-Request-ID": "appel-123"})
    assert reply.status == 200 and reply.headers["x-request-id"] == "appel-123"
    assert reply.headers["x-index-build"] == "b42"
    assert reply.headers["x-content-type-options"] == "nosniff" and reply.headers["x-frame-options"] == "DENY"
    assert reply.headers["cache-control"] == "no-store"  # an API answer is not cached
    assert "content-security-policy" not in reply.headers  # JSON, not a page
    invented = _call(app, headers={"X-Request-ID": "pas un id valable !"}).headers["x-request-id"]
    assert len(invented) == 32 and invented != "pas un id valable !"


def test_pages_get_a_csp_and_documents_and_the_apps_own_headers_are_kept() -> None:
    html = [(b"content-type", b"text/html; charset=utf-8"), (b"x-frame-options", b"SAMEORIGIN")]
    page, _ = _context(Inner(headers=html))
    reply = _call(page, path="/")
    assert "script-src 'self'" in reply.headers["content-security-policy"]
    assert reply.headers["x-frame-options"] == "SAMEORIGIN" and "cache-control" not in reply.headers
    documents, _ = _context(Inner())
    assert "cache-control" not in _call(documents, path="/v1/documents/ville").headers
    cached, _ = _context(Inner(headers=[(b"cache-control", b"max-age=60")]))
    assert _call(cached).headers["cache-control"] == "max-age=60"
    assert "x-index-build" not in _call(cached).headers  # no bundle in service yet


def test_metrics_are_labelled_from_closed_sets() -> None:
    app, metrics = _context(Inner(status=404))
    _call(app, path="/v1/documents/ville-test-2023")
    _call(app, path="/nimporte/quoi", method="BREW")
    labels = {"route": "/v1/documents/{document_id}", "method": "GET", "status": "404"}
    assert _count(metrics, "rapporteur_http_requests_total", **labels) == 1
    assert _count(metrics, "rapporteur_http_requests_total", route="unmatched", method="other", status="404") == 1
    assert _count(metrics, "rapporteur_http_requests_in_flight") == 0


def test_an_error_escaping_the_app_is_a_logged_500_in_french() -> None:
    app, metrics = _context(Inner(error=RuntimeError("boom")))
    with pytest.raises(RuntimeError, match="boom"):
        _call(app)
    labels = {"route": "/v1/search", "method": "GET", "status": "500"}
    assert _count(metrics, "rapporteur_http_requests_total", **labels) == 1


def test_the_error_response_is_sent_before_the_error_is_raised_again() -> None:
    app, _ = _context(Inner(error=RuntimeError("boom")))
    sent: list[Message] = []

    async def run() -> None:
        scope: Scope = {"type": "http", "method": "GET", "path": "/v1/search", "headers": [], "query_string": b""}

        async def receive() -> Message:
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            sent.append(message)

        with pytest.raises(RuntimeError):
            await app(scope, receive, send)

    asyncio.run(run())
    assert sent[0]["status"] == 500
    assert json.loads(sent[1]["body"])["detail"] == "Erreur interne du service ; l'incident est enregistré."


def test_a_client_that_leaves_before_the_answer_is_counted_as_499() -> None:
    async def leaves(scope: Scope, receive: Receive, send: Send) -> None:
        while (await receive())["type"] != "http.disconnect":  # the body, then the client is gone
            pass

    app, metrics = _context(leaves)
    _call(app, method="POST", body=[])
    labels = {"route": "/v1/search", "method": "POST", "status": "499"}
    assert _count(metrics, "rapporteur_http_requests_total", **labels) == 1


def test_the_upload_route_alone_gets_the_upload_deadline() -> None:
    deadlines: list[float] = []
    inner = Inner(before=lambda scope: deadlines.append(scope["state"]["deadline"] - time.monotonic()))
    app, _ = _context(inner, uploads=("/v1/admin/documents", 120.0))
    _call(app, path="/v1/admin/documents", method="POST", body=[b"x"])
    _call(app, path="/v1/admin/documents", method="GET")
    _call(app, path="/v1/search")
    assert 110 < deadlines[0] <= 120 and all(5 < d <= 10 for d in deadlines[1:])


# -- HEAD and URL encoding ------------------------------------------------------------------------------


def test_head_is_get_without_its_body() -> None:
    inner = Inner(body=b'{"results": []}')
    reply = _call(HeadMiddleware(inner), method="HEAD")
    assert inner.scopes[0]["method"] == "GET"
    assert reply.status == 200 and reply.body == b"" and reply.headers["content-length"] == "15"
    assert _call(HeadMiddleware(inner), method="GET").body == b'{"results": []}'


@pytest.mark.parametrize(
    ("query", "raw_path", "refused"),
    [
        (b"q=cr%C3%A8che", b"/v1/search", False),
        (b"q=a+b", b"/v1/search", False),
        (b"q=%zz", b"/v1/search", True),  # not a percent-escape
        (b"q=%E9t%E9", b"/v1/search", True),  # Latin-1, not UTF-8
        (b"", b"/v1/documents/%FF", True),
    ],
)
def test_badly_encoded_urls_are_refused(query: bytes, raw_path: bytes, refused: bool) -> None:
    metrics, inner = Metrics(), Inner()
    reply = _call(UrlEncodingMiddleware(inner, metrics), query=query, raw_path=raw_path)
    assert (reply.status == 400) is refused and (not inner.scopes) is refused
    if refused:
        assert reply.json["detail"].startswith("Adresse mal encodée")
        assert _count(metrics, "rapporteur_http_rejected_total", reason="bad_encoding") == 1


# -- body limits ------------------------------------------------------------------------------------------


def _limited(inner: ASGIApp, metrics: Metrics | None = None) -> BodyLimitMiddleware:
    return BodyLimitMiddleware(
        inner,
        max_bytes=1024,
        metrics=metrics or Metrics(),
        read_timeout_s=0.3,
        uploads=("/v1/admin/documents", 4096),
        admin_key=ADMIN_KEY,
    )


def test_a_body_within_the_cap_reaches_the_app_whole() -> None:
    inner = Inner()
    sent = '{"question": "crèche"}'.encode()
    reply = _call(_limited(inner), method="POST", body=[sent[:7], sent[7:]])  # in two chunks
    assert reply.status == 200 and inner.received == [sent]


def test_a_body_over_the_cap_is_refused_as_announced_or_as_it_arrives() -> None:
    metrics, inner = Metrics(), Inner()
    announced = _call(_limited(inner, metrics), method="POST", headers={"Content-Length": "2000"}, body=[b"x"])
    assert announced.status == 413 and announced.headers["connection"] == "close"
    assert announced.json["detail"] == "Requête trop volumineuse : le corps est limité à 1 Ko."
    chunked = _call(_limited(inner, metrics), method="POST", body=[b"x" * 600, b"x" * 600])
    assert chunked.status == 413 and not inner.scopes
    assert _count(metrics, "rapporteur_http_rejected_total", reason="body_too_large") == 2
    bad = _call(_limited(inner), method="POST", headers={"Content-Length": "beaucoup"})
    assert bad.status == 400 and bad.json["detail"] == "En-tête Content-Length invalide."


def test_a_body_that_does_not_arrive_by_the_deadline_gets_408() -> None:
    metrics, inner = Metrics(), Inner()
    started = time.monotonic()
    reply = _call(_limited(inner, metrics), method="POST", body=[b"{"], hang=True)
    assert reply.status == 408 and time.monotonic() - started < 5 and not inner.scopes
    assert _count(metrics, "rapporteur_http_rejected_total", reason="body_timeout") == 1
    soon = {"deadline": time.monotonic() + 0.1}  # the request context's deadline wins
    assert _call(_limited(inner), method="POST", body=[b"{"], hang=True, state=soon).status == 408


def test_an_upload_gets_the_larger_cap_only_with_the_admin_key() -> None:
    inner = Inner()
    keyed = _call(_limited(inner), "/v1/admin/documents", "POST", {"X-API-Key": ADMIN_KEY}, [b"x" * 3000])
    assert keyed.status == 200 and inner.received == [b"x" * 3000]
    bearer = _call(_limited(inner), "/v1/admin/documents", "POST", {"Authorization": f"Bearer {ADMIN_KEY}"}, [b"y"])
    assert bearer.status == 200
    over = _call(_limited(inner), "/v1/admin/documents", "POST", {"X-API-Key": ADMIN_KEY}, [b"x" * 5000])
    assert over.status == 413 and over.json["detail"] == "Fichier trop volumineux : au plus 4 Ko."
    keyless = Inner()
    refused = _call(_limited(keyless), "/v1/admin/documents", "POST", {"X-API-Key": "faux"}, [b"x" * 900])
    assert refused.status == 401 and refused.headers["www-authenticate"] == "Bearer" and not keyless.scopes
    # Without the key the body is still read (and dropped) up to the upload cap, then refused: a
    # proxy that has not sent it all would turn an early answer into a 502.
    assert _call(_limited(keyless), "/v1/admin/documents", "POST", {}, [b"x" * 2000]).status == 401
    assert _call(_limited(keyless), "/v1/admin/documents", "POST", {}, [b"x" * 5000]).status == 413


# -- rate limit -----------------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _limiter(inner: ASGIApp, clock: Clock, burst: int = 2, loopback: bool = False, **kw: object) -> RateLimitMiddleware:
    return RateLimitMiddleware(
        inner,
        per_minute=60,
        burst=burst,
        include_loopback=loopback,
        max_clients=100,
        metrics=Metrics(),
        clock=clock,
        tarpit_s=0.0,
        **kw,  # type: ignore[arg-type]
    )


def test_a_client_over_its_burst_gets_429_with_retry_after() -> None:
    clock = Clock()
    limiter = _limiter(Inner(), clock)
    assert [_call(limiter).status for _ in range(2)] == [200, 200]
    refused = _call(limiter)
    assert refused.status == 429 and refused.headers["retry-after"] == "1"
    assert refused.json["detail"] == "Trop de requêtes : réessayez dans 1 seconde."
    assert _call(limiter, client="198.51.100.7").status == 200  # another client has its own bucket
    clock.now += 1.0  # one token back (60 a minute)
    assert _call(limiter).status == 200
    assert _count(limiter.metrics, "rapporteur_http_rejected_total", reason="rate_limited") == 1


def test_health_probes_and_loopback_are_not_limited_unless_asked() -> None:
    clock = Clock()
    limiter = _limiter(Inner(), clock, burst=1)
    assert {_call(limiter, path="/healthz").status for _ in range(5)} == {200}
    assert {_call(limiter, client="127.0.0.1").status for _ in range(5)} == {200}
    strict = _limiter(Inner(), clock, burst=1, loopback=True)
    assert [_call(strict, client="::1").status for _ in range(2)] == [200, 429]


def test_static_files_cost_a_tenth_and_slow_requests_pay_their_engine_time() -> None:
    clock = Clock()
    buckets = TokenBuckets(60, 2, 100, clock)
    limiter = _limiter(Inner(), clock, store=LocalBuckets(buckets))
    for _ in range(5):
        _call(limiter, path="/static/app.js")
    assert buckets.tokens("203.0.113.5") == pytest.approx(1.5)
    slow = _limiter(Inner(before=lambda scope: scope["state"].update(engine_seconds=0.15)), clock, burst=10)
    _call(slow, state={})
    assert slow.store.buckets.tokens("203.0.113.5") == pytest.approx(10 - 1 - 2)  # type: ignore[attr-defined]


# -- allowed hosts and CORS -------------------------------------------------------------------------------


def test_only_the_allowed_hosts_are_served() -> None:
    hosts = AllowedHostsMiddleware(Inner(), ["localhost", "::1", "*.example.org"])
    assert hosts.allows("localhost:8000") and hosts.allows("LOCALHOST") and hosts.allows("[::1]:8000")
    assert hosts.allows("rapporteur.example.org") and not hosts.allows("example.org")
    assert not hosts.allows("evil.com") and not hosts.allows("") and not hosts.allows("localhost.evil.com")
    refused = _call(hosts, headers={"Host": "evil.com"})
    assert refused.status == 400 and "en-tête Host" in refused.json["detail"]
    assert _call(hosts, path="/readyz", headers={"Host": "10.0.0.7"}).status == 200  # probes come by IP
    assert _call(AllowedHostsMiddleware(Inner(), ["*"]), headers={"Host": "any.where"}).status == 200


def test_cors_answers_allowed_origins_but_never_on_admin_routes() -> None:
    cors = ScopedCORSMiddleware(Inner(), ["https://www.ma-ville.fr"])
    origin = {"Origin": "https://www.ma-ville.fr"}
    assert _call(cors, headers=origin).headers["access-control-allow-origin"] == "https://www.ma-ville.fr"
    assert "access-control-allow-origin" not in _call(cors, headers={"Origin": "https://autre.fr"}).headers
    preflight = {**origin, "Access-Control-Request-Method": "POST"}
    assert _call(cors, path="/v1/ask", method="OPTIONS", headers=preflight).status == 200
    admin = _call(cors, path="/v1/admin/jobs", headers=origin)
    assert admin.status == 200 and "access-control-allow-origin" not in admin.headers
