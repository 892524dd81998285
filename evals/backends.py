"""What the evaluation talks to: the search core in process, or a running service over HTTP."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class Passage:
    document_id: str
    text: str


@dataclass(frozen=True)
class Response:
    passages: list[Passage]
    answer: str | None
    latency_ms: float
    confidence: float = 0.0
    no_answer_reason: str | None = None
    # In process only: the chosen sentence whether shown or not, its verification and features.
    candidate: str | None = None
    verified: bool = False
    features: dict[str, float] | None = None


class Backend(Protocol):
    def search(self, query: str, k: int, mode: str) -> Response: ...
    def ask(self, question: str, k: int) -> Response: ...


class InProcessBackend:
    """Calls `SearchEngine` directly."""

    def __init__(self, index: Path) -> None:
        from service.search.engine import SearchEngine
        from service.search.threads import limit_threads

        limit_threads(1)  # as the service does
        self.engine = SearchEngine.from_path(index)

    def search(self, query: str, k: int, mode: str) -> Response:
        started = time.perf_counter()
        result = self.engine.search(query, k=k, mode=mode)  # type: ignore[arg-type]
        return Response(
            [Passage(h.citation.document_id, h.text) for h in result.hits],
            None,
            (time.perf_counter() - started) * 1000,
        )

    def ask(self, question: str, k: int) -> Response:
        result = self.engine.ask(question, k=k)
        return Response(
            [Passage(h.citation.document_id, h.text) for h in result.hits],
            result.answer.text if result.answer else None,
            result.took_ms,
            result.confidence,
            result.no_answer.reason if result.no_answer else None,
            result.candidate.text if result.candidate else None,
            result.candidate_verified,
            dict(result.answer_features) if result.answer_features else None,
        )


class HttpBackend:
    """Calls a running Rapporteur service (`/v1/search`, `/v1/ask`)."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _call(self, request: urllib.request.Request) -> tuple[dict, float]:
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as resp:
                body = json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"{request.full_url}: HTTP {exc.code}: {exc.read()[:200]!r}") from exc
        return body, (time.perf_counter() - started) * 1000

    def search(self, query: str, k: int, mode: str) -> Response:
        params = urllib.parse.urlencode({"q": query, "k": k, "mode": mode})
        body, ms = self._call(urllib.request.Request(f"{self.url}/v1/search?{params}"))
        return Response([Passage(r["citation"]["document_id"], r["text"]) for r in body["results"]], None, ms)

    def ask(self, question: str, k: int) -> Response:
        data = json.dumps({"question": question, "k": k}).encode()
        request = urllib.request.Request(f"{self.url}/v1/ask", data=data, headers={"Content-Type": "application/json"})
        body, ms = self._call(request)
        answer = body.get("answer")
        no_answer = body.get("no_answer")
        return Response(
            [Passage(r["citation"]["document_id"], r["text"]) for r in body["passages"]],
            answer["text"] if answer else None,
            ms,
            answer["confidence"] if answer else 0.0,
            no_answer["reason"] if no_answer else None,
        )
