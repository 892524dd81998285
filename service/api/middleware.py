"""Pure ASGI middleware: request context (ids, deadline, snapshot of the bundle in service, headers, logs, metrics),
URL encoding check, body cap, per-client rate limit and CORS scoped away from admin routes."""

from __future__ import annotations

import ipaddress
import logging
import math
import re
import time
import uuid
from collections.abc import Callable, Iterable
from urllib.parse import unquote_to_bytes

import anyio
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect
from starlette.routing import BaseRoute, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.admin_key import admin_key_matches
from service.api.errors import json_error
from service.api.metrics import Metrics
from service.api.rate_limits import BucketStore, LocalBuckets, TokenBuckets
from service.serving import BundleSlot

log = logging.getLogger("service.access")

BUILD_HEADER = "X-Index-Build"
REQUEST_ID_HEADER = "X-Request-ID"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)
ADMIN_PREFIX = "/v1/admin"
CLIENT_CLOSED = 499  # status recorded when the client disconnects before the answer (nginx's code)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_BAD_PERCENT = re.compile(rb"%(?![0-9A-Fa-f]{2})")


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value
    return None


def _state(scope: Scope) -> dict:
    return scope.setdefault("state", {})


async def _send_error(
    scope: Scope, send: Send, status: int, detail: str, headers: dict[str, str] | None = None
) -> None:
    await json_error(status, detail, headers=headers)(scope, _no_receive, send)


async def _no_receive() -> Message:  # pragma: no cover - responses never read the request
    return {"type": "http.disconnect"}


def flatten_routes(routes: Iterable[BaseRoute], prefix: str = "") -> list[tuple[str, BaseRoute]]:
    """(template, route) of every leaf route, looking inside included routers."""
    out: list[tuple[str, BaseRoute]] = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:  # a FastAPI router included in the app
            context = getattr(route, "include_context", None)
            out += flatten_routes(inner.routes, prefix + str(getattr(context, "prefix", "") or ""))
        elif hasattr(route, "path_regex"):
            path = str(getattr(route, "path", ""))
            template = prefix + path + ("/{path}" if isinstance(route, Mount) else "")
            out.append((template, route))
    return out


def route_template(routes: list[tuple[str, BaseRoute]], scope: Scope) -> str:
    """Template of the route whose path serves `scope` ("/v1/documents/{document_id}"), whatever the
    method, or "unmatched": a closed set of labels for metrics and logs."""
    route = scope.get("route")
    if route is not None and hasattr(route, "path"):
        for template, candidate in routes:
            if candidate is route:
                return template
    path = scope.get("path", "")
    for template, candidate in routes:
        if candidate.path_regex.match(path):  # type: ignore[attr-defined]
            return template
    return "unmatched"


METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def method_label(method: str) -> str:
    """The HTTP method as a metrics label from a closed set (any other method is "other")."""
    return method if method in METHODS else "other"


class RequestContextMiddleware:
    """Outermost layer: request id, deadline, snapshot of the bundle in service, response headers, access log, metrics.

    Also the last line of defence: an exception escaping the app becomes a logged 500 in French.
    """

    def __init__(
        self,
        app: ASGIApp,
        slot: BundleSlot,
        metrics: Metrics,
        timeout_s: float,
        routes: Callable[[], Iterable[BaseRoute]],
        uploads: tuple[str, float] | None = None,
    ) -> None:
        self.app = app
        self.slot = slot
        self.metrics = metrics
        self.timeout_s = timeout_s
        self.uploads = uploads  # (path, deadline in seconds) of the route that receives documents
        self.routes = routes
        self._flat: list[tuple[str, BaseRoute]] | None = None

    def _templates(self) -> list[tuple[str, BaseRoute]]:
        if self._flat is None:  # routes are all added before the first request
            self._flat = flatten_routes(self.routes())
        return self._flat

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        incoming = (_header(scope, b"x-request-id") or b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        loaded = self.slot.current
        state = _state(scope)
        path: str = scope.get("path", "")
        upload = self.uploads and path == self.uploads[0] and scope.get("method") == "POST"
        timeout = self.uploads[1] if upload else self.timeout_s
        state.update(request_id=request_id, loaded=loaded, deadline=time.monotonic() + timeout)
        status = 500
        response_started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                headers.append((REQUEST_ID_HEADER.lower().encode(), request_id.encode()))
                if loaded is not None:
                    headers.append((BUILD_HEADER.lower().encode(), loaded.build_id.encode()))
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in names)
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if content_type.startswith(b"text/html"):
                    headers.append((b"content-security-policy", CONTENT_SECURITY_POLICY.encode()))
                if path.startswith("/v1/") and not path.startswith("/v1/documents") and b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        disconnected = False

        async def receive_wrapper() -> Message:
            nonlocal disconnected
            message = await receive()
            if message["type"] == "http.disconnect":
                disconnected = True
            return message

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive_wrapper, send_wrapper)
            if not response_started and disconnected:
                status = CLIENT_CLOSED  # the client left before an answer: not a server error
        except Exception as exc:
            if disconnected or isinstance(exc, ClientDisconnect):
                status = CLIENT_CLOSED
                return
            log.exception("unhandled error", extra={"event": "error", "request_id": request_id, "path": path})
            if not response_started:
                await _send_error(scope, send_wrapper, 500, "Erreur interne du service ; l'incident est enregistré.")
            raise  # uvicorn (or the test client) sees it too
        finally:
            self.metrics.in_flight.dec()
            elapsed = time.perf_counter() - started
            route = route_template(self._templates(), scope)
            method = method_label(scope.get("method", ""))
            self.metrics.requests.labels(route, method, str(status)).inc()
            self.metrics.latency.labels(route).observe(elapsed)
            fields = {
                "event": "request",
                "request_id": request_id,
                "method": method,
                "route": route,
                "status": status,
                "duration_ms": round(elapsed * 1000, 2),
                "build_id": loaded.build_id if loaded else None,
            }
            if state.get("log_query") is not None:
                fields["query"] = state["log_query"]
            log.info("%s %s %s", method, route, status, extra=fields)


class HeadMiddleware:
    """HEAD wherever GET works: the GET response without its body (headers, Content-Length kept)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)


class UrlEncodingMiddleware:
    """400 for a path or query string with malformed percent-escapes or bytes that are not UTF-8."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    @staticmethod
    def _valid(raw: bytes) -> bool:
        if _BAD_PERCENT.search(raw):
            return False
        try:
            unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw_path = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "surrogateescape")
            if not self._valid(scope.get("query_string", b"")) or not self._valid(raw_path):
                self.metrics.rejected.labels("bad_encoding").inc()
                await _send_error(
                    scope,
                    send,
                    400,
                    "Adresse mal encodée : les caractères spéciaux doivent être encodés en UTF-8 (%XX).",
                )
                return
        await self.app(scope, receive, send)


class BodyLimitMiddleware:
    """413 once a request body exceeds `max_bytes`, counted as the bytes arrive; 408 when the body
    has not arrived by the request's deadline (a client announcing more than it sends).

    The body is read up to the cap before the app runs (Content-Length is checked first when sent),
    so a chunked upload without Content-Length is cut at the same size.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        metrics: Metrics,
        read_timeout_s: float = 10.0,
        uploads: tuple[str, int] | None = None,
        admin_key: str | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.metrics = metrics
        self.read_timeout_s = read_timeout_s
        self.uploads = uploads  # (path, cap in bytes) of the route that receives documents
        self.admin_key = admin_key

    def _upload(self, scope: Scope) -> bool | None:
        """For a POST to the upload route: whether it carries the admin key (checked here, before a
        byte is read); None for any other request."""
        if self.uploads is None or scope.get("method") != "POST" or scope.get("path") != self.uploads[0]:
            return None
        api_key = (_header(scope, b"x-api-key") or b"").decode("latin-1")
        authorization = (_header(scope, b"authorization") or b"").decode("latin-1")
        scheme, _, token = authorization.partition(" ")
        bearer = token.strip() if scheme.lower() == "bearer" else None
        return admin_key_matches(api_key, bearer, self.admin_key)

    def _too_large(self, cap: int) -> str:
        if self.uploads is not None and cap == self.uploads[1]:
            size = f"{cap // (1024 * 1024)} Mo" if cap >= 1024 * 1024 else f"{cap // 1024} Ko"
            return f"Fichier trop volumineux : au plus {size}."
        return f"Requête trop volumineuse : le corps est limité à {cap // 1024} Ko."

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = self._upload(scope)
        # A document with the admin key gets the larger cap. One without is read to its end and thrown
        # away (nothing kept in memory), then refused: answering before a proxy such as nginx has sent
        # the whole body would break its connection and turn the 401 into a 502.
        cap = self.uploads[1] if upload is not None and self.uploads else self.max_bytes
        keep = upload is not False
        declared = _header(scope, b"content-length")
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                await _send_error(scope, send, 400, "En-tête Content-Length invalide.")
                return
            if length > cap:
                self.metrics.rejected.labels("body_too_large").inc()
                await _send_error(scope, send, 413, self._too_large(cap), {"Connection": "close"})
                return
        deadline = _state(scope).get("deadline") or time.monotonic() + self.read_timeout_s
        chunks: list[bytes] = []
        size = 0
        try:
            with anyio.fail_after(max(deadline - time.monotonic(), 0.0)):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return  # client gone before the body arrived: nothing to answer
                    body = message.get("body", b"")
                    size += len(body)
                    if size > cap:
                        self.metrics.rejected.labels("body_too_large").inc()
                        await _send_error(scope, send, 413, self._too_large(cap), {"Connection": "close"})
                        return
                    if keep:
                        chunks.append(body)
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            self.metrics.rejected.labels("body_timeout").inc()
            await _send_error(
                scope,
                send,
                408,
                "Délai dépassé : le corps de la requête n'est pas arrivé en entier.",
                {"Connection": "close"},
            )
            return
        if not keep:
            await _send_error(
                scope, send, 401, "Clé d'administration absente ou invalide.", {"WWW-Authenticate": "Bearer"}
            )
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class RateLimitMiddleware:
    """Token bucket per client address; 429 with Retry-After when empty.

    Every route but the health probes is limited. A request takes one token when it arrives; one
    that made the engine work longer than `cost_unit_s` pays the difference afterwards (a request
    that cost three normal searches takes three tokens), so expensive queries run out sooner. The
    buckets live in this process, or in a `store` that several replicas share.
    """

    EXEMPT = frozenset({"/healthz", "/readyz"})
    LIGHT_PREFIXES = ("/static/", "/docs/assets/")  # files read from disk: a tenth of a token
    LIGHT_COST = 0.1

    def __init__(
        self,
        app: ASGIApp,
        per_minute: float,
        burst: int,
        include_loopback: bool,
        max_clients: int,
        metrics: Metrics,
        cost_unit_s: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
        tarpit_s: float = 1.0,
        store: BucketStore | None = None,
    ) -> None:
        self.app = app
        self.tarpit_s = tarpit_s
        self.enabled = per_minute > 0
        self.include_loopback = include_loopback
        self.metrics = metrics
        self.cost_unit_s = cost_unit_s
        self.store = store or LocalBuckets(TokenBuckets(per_minute, burst, max_clients, clock))

    @staticmethod
    def _is_loopback(host: str) -> bool:
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return host == "localhost"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.enabled or scope["type"] != "http" or scope.get("path", "") in self.EXEMPT:
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown", 0))[0]
        if not self.include_loopback and self._is_loopback(client):
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        cost = self.LIGHT_COST if path == "/" or path.startswith(self.LIGHT_PREFIXES) else 1.0
        wait = await self.store.take(client, cost)
        if wait is None:
            try:
                await self.app(scope, receive, send)
            finally:
                work = _state(scope).get("engine_seconds", 0.0)
                if work > self.cost_unit_s:
                    await self.store.charge(client, work / self.cost_unit_s - 1.0)
            return
        seconds = max(1, math.ceil(wait))
        self.metrics.rejected.labels("rate_limited").inc()
        # A client that ignores Retry-After would get its refusals as fast as it can ask, and keep the
        # event loop busy answering it: it waits a little for each (nothing runs while it waits).
        await anyio.sleep(min(wait, self.tarpit_s))
        await _send_error(
            scope,
            send,
            429,
            f"Trop de requêtes : réessayez dans {seconds} seconde{'s' if seconds > 1 else ''}.",
            {"Retry-After": str(seconds)},
        )


class AllowedHostsMiddleware:
    """400 unless the Host header names this service (`RAPPORTEUR_ALLOWED_HOSTS`): redirects and
    absolute links are built from it. Health probes answer whatever the host (orchestrators probe by IP)."""

    def __init__(self, app: ASGIApp, allowed: list[str]) -> None:
        self.app = app
        self.any = "*" in allowed
        self.exact = {h.lower() for h in allowed if not h.startswith("*.")}
        self.suffixes = tuple(h[1:].lower() for h in allowed if h.startswith("*."))

    def allows(self, host_header: str) -> bool:
        host = host_header.strip().lower()
        if host.startswith("["):  # [::1]:8000
            host = host[1 : host.find("]")] if "]" in host else host
        elif host.count(":") == 1:
            host = host.rsplit(":", 1)[0]
        return bool(host) and (host in self.exact or host.endswith(self.suffixes))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.any or scope["type"] != "http" or scope.get("path", "") in RateLimitMiddleware.EXEMPT:
            await self.app(scope, receive, send)
            return
        host = (_header(scope, b"host") or b"").decode("latin-1")
        if not self.allows(host):
            await _send_error(scope, send, 400, "Requête refusée : cet hôte n'est pas servi ici (en-tête Host).")
            return
        await self.app(scope, receive, send)


class ScopedCORSMiddleware:
    """CORS for the allow-listed origins on every route except the admin ones."""

    def __init__(self, app: ASGIApp, origins: list[str]) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "Accept", "Accept-Language", REQUEST_ID_HEADER],
            expose_headers=[BUILD_HEADER, REQUEST_ID_HEADER, "Retry-After"],
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path", "").startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
        else:
            await self.cors(scope, receive, send)
