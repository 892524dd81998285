"""Pure ASGI middleware: request context (ids, deadline, index snapshot, headers, logs, metrics),
URL encoding check, body cap, per-client rate limit and CORS scoped away from admin routes."""

from __future__ import annotations

import ipaddress
import logging
import math
import re
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from urllib.parse import unquote_to_bytes

from starlette.middleware.cors import CORSMiddleware
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.errors import json_error
from service.api.metrics import Metrics
from service.reload import IndexHolder

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


def route_template(routes: Iterable[BaseRoute], scope: Scope) -> str:
    """Template of the route that serves `scope` ("/v1/documents/{document_id}"), or "unmatched"."""
    route = scope.get("route")
    if route is not None and hasattr(route, "path"):
        return str(route.path)
    for candidate in routes:
        match, _ = candidate.matches(scope)
        if match == Match.FULL:
            return str(getattr(candidate, "path", "unmatched"))
    return "unmatched"


class RequestContextMiddleware:
    """Outermost layer: request id, deadline, index snapshot, response headers, access log, metrics.

    Also the last line of defence: an exception escaping the app becomes a logged 500 in French.
    """

    def __init__(
        self,
        app: ASGIApp,
        holder: IndexHolder,
        metrics: Metrics,
        timeout_s: float,
        routes: Callable[[], Iterable[BaseRoute]],
    ) -> None:
        self.app = app
        self.holder = holder
        self.metrics = metrics
        self.timeout_s = timeout_s
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        incoming = (_header(scope, b"x-request-id") or b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        index = self.holder.current
        state = _state(scope)
        state.update(request_id=request_id, index=index, deadline=time.monotonic() + self.timeout_s)
        path: str = scope.get("path", "")
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
                if index is not None:
                    headers.append((BUILD_HEADER.lower().encode(), index.build_id.encode()))
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in names)
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if content_type.startswith(b"text/html"):
                    headers.append((b"content-security-policy", CONTENT_SECURITY_POLICY.encode()))
                if path.startswith("/v1/") and not path.startswith("/v1/documents") and b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            log.exception("unhandled error", extra={"event": "error", "request_id": request_id, "path": path})
            if not response_started:
                await _send_error(scope, send_wrapper, 500, "Erreur interne du service ; l'incident est enregistré.")
            raise  # uvicorn (or the test client) sees it too
        finally:
            self.metrics.in_flight.dec()
            elapsed = time.perf_counter() - started
            route = route_template(self.routes(), scope)
            method = scope.get("method", "")
            self.metrics.requests.labels(route, method, str(status)).inc()
            self.metrics.latency.labels(route).observe(elapsed)
            fields = {
                "event": "request",
                "request_id": request_id,
                "method": method,
                "route": route,
                "status": status,
                "duration_ms": round(elapsed * 1000, 2),
                "build_id": index.build_id if index else None,
            }
            if state.get("log_query") is not None:
                fields["query"] = state["log_query"]
            log.info("%s %s %s", method, route, status, extra=fields)


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
    """413 once a request body exceeds `max_bytes`, counted as the bytes arrive.

    The body is read up to the cap before the app runs (Content-Length is checked first when sent),
    so a chunked upload without Content-Length is cut at the same size.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, metrics: Metrics) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.metrics = metrics

    def _too_large(self) -> str:
        return f"Requête trop volumineuse : le corps est limité à {self.max_bytes // 1024} Ko."

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                await _send_error(scope, send, 400, "En-tête Content-Length invalide.")
                return
            if length > self.max_bytes:
                self.metrics.rejected.labels("body_too_large").inc()
                await _send_error(scope, send, 413, self._too_large(), {"Connection": "close"})
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # client gone before the body arrived: nothing to answer
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_bytes:
                self.metrics.rejected.labels("body_too_large").inc()
                await _send_error(scope, send, 413, self._too_large(), {"Connection": "close"})
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class RateLimitMiddleware:
    """Token bucket per client address on /v1/ routes; 429 with Retry-After when empty."""

    def __init__(
        self,
        app: ASGIApp,
        per_minute: float,
        burst: int,
        include_loopback: bool,
        max_clients: int,
        metrics: Metrics,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.include_loopback = include_loopback
        self.max_clients = max_clients
        self.metrics = metrics
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, last update

    @staticmethod
    def _is_loopback(host: str) -> bool:
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return host == "localhost"

    def retry_after(self, client: str) -> float | None:
        """Seconds to wait before `client` may send again, or None when allowed (one token taken)."""
        now = self.clock()
        tokens, last = self._buckets.pop(client, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens >= 1.0:
            self._buckets[client] = (tokens - 1.0, now)
            wait = None
        else:
            self._buckets[client] = (tokens, now)
            wait = (1.0 - tokens) / self.rate
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return wait

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.rate <= 0 or scope["type"] != "http" or not scope.get("path", "").startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown", 0))[0]
        if not self.include_loopback and self._is_loopback(client):
            await self.app(scope, receive, send)
            return
        wait = self.retry_after(client)
        if wait is None:
            await self.app(scope, receive, send)
            return
        seconds = max(1, math.ceil(wait))
        self.metrics.rejected.labels("rate_limited").inc()
        await _send_error(
            scope,
            send,
            429,
            f"Trop de requêtes : réessayez dans {seconds} seconde{'s' if seconds > 1 else ''}.",
            {"Retry-After": str(seconds)},
        )


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
