"""Settings of the service (`python -m service`, `python -m service.edge`, the replicas): HTTP,
limits, the admin API, the edge's nginx, threads and reloads, on top of the shared ones
(`rapporteur.settings`). Read from `RAPPORTEUR_*` variables, overridden by command-line flags."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from rapporteur.settings import Settings


class ServiceSettings(Settings):
    """Everything the HTTP service can be configured with.

    Lists (`cors_origins`, `allowed_hosts`) accept a JSON array or a comma-separated string in the
    environment.
    """

    corpus_dir: Path = Field(Path("corpus"), description="corpus directory the admin API adds documents to")
    host: str = Field("127.0.0.1", description="address uvicorn listens on")
    port: int = Field(8000, ge=1, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_queries: bool = Field(False, description="log the raw query text (may hold personal data)")

    admin_api_key: SecretStr | None = Field(
        None, description="key for /v1/admin/*; admin routes answer 401 while it is unset"
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="origins allowed to call the API from a browser"
    )
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["localhost", "127.0.0.1", "::1"],
        description="host names this service answers to (Host header); '*.example.org' for subdomains, "
        "'*' for any; health probes answer any host",
    )
    forwarded_allow_ips: str | None = Field(
        None, description="proxies trusted for X-Forwarded-For (uvicorn's option); unset: none"
    )

    max_body_bytes: int = Field(64 * 1024, ge=1024, description="request body cap, counted as it arrives")
    max_upload_bytes: int = Field(
        50 * 1024 * 1024, ge=1024, description="cap of a document sent to POST /v1/admin/documents"
    )
    max_upload_pages: int = Field(2000, ge=1, description="pages a PDF sent to the admin API may have")
    upload_timeout_s: float = Field(120.0, gt=0, description="deadline of an upload (receiving and checking it)")
    build_timeout_s: float = Field(6 * 3600.0, gt=0, description="deadline of a build started by the admin API")
    rate_limit_per_minute: float = Field(120.0, ge=0, description="per-client sustained rate; 0 = off")
    rate_limit_burst: int = Field(30, ge=1, description="requests a client may send at once")
    rate_limit_loopback: bool = Field(False, description="also limit clients on the loopback interface")
    rate_limit_max_clients: int = Field(10_000, ge=100, description="clients tracked at once (LRU)")
    rate_limit_cost_unit_ms: float = Field(
        50.0, gt=0, description="engine time one token pays for; a slower request takes more tokens"
    )

    request_timeout_s: float = Field(10.0, gt=0, description="server-side deadline of one request")

    # The edge (`python -m service.edge`): nginx on host:port in front of the service.
    nginx: str = Field("nginx", description="nginx executable for `python -m service.edge`")
    edge_upstream_port: int = Field(8001, ge=1, le=65535, description="port of the service behind nginx")
    edge_header_timeout_s: float = Field(10.0, gt=0, description="time a client has to send its headers")
    edge_body_timeout_s: float = Field(10.0, gt=0, description="longest pause while a client sends its body")
    edge_keepalive_timeout_s: float = Field(5.0, gt=0, description="idle keep-alive connections are closed after")
    edge_max_requests_per_client: int = Field(64, ge=1, description="requests in progress per client address")
    edge_max_requests: int = Field(512, ge=1, description="requests in progress in all (503 + Retry-After beyond)")
    edge_worker_connections: int = Field(4096, ge=64, description="connections nginx holds at most")
    engine_concurrency: int = Field(2, ge=1, le=64, description="searches computed at the same time")
    omp_threads: int | None = Field(
        1,
        ge=1,
        le=64,
        description="OpenMP threads per search (query embedding, FAISS), set by `python -m service`; 1 keeps "
        "concurrent searches from oversubscribing the cores; None leaves OMP_NUM_THREADS alone",
    )
    solo_threads: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        ge=1,
        le=64,
        description="threads a search may use to embed its query when it is the only one in flight "
        "(one each when several run at once); default: the cores",
    )
    verify_bundle: Literal["full", "sampled", "sizes"] = Field(
        "sampled",
        description="what loading a bundle checks besides file sizes: every checksum (full), those of the "
        "files up to 64 MiB and 16 blocks of each larger one (sampled), or nothing more (sizes)",
    )
    query_cache: int = Field(
        4096, ge=0, le=1_000_000, description="most recent query embeddings kept (1.5 KB each); 0 = off"
    )
    warmup_query: str = Field("aide à domicile pour les personnes âgées", min_length=1)
    load_in_background: bool = Field(
        True, description="serve /healthz while the first load runs; False: start serving once loaded"
    )
    wait_for_index: bool = Field(
        False,
        description="with no loadable index, stay up (503 on /v1/*) and poll for one; False: exit with an error",
    )
    reload_poll_s: float = Field(0.0, ge=0, description="poll CURRENT and reload when it changes; 0 = off")
    handle_sighup: bool = Field(True, description="reload the index on SIGHUP")
    document_context_chars: int = Field(400, ge=0, le=5000, description="context around a document span")

    @field_validator("cors_origins", "allowed_hosts", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                import json

                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def _check_origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if origin != "*" and not origin.startswith(("http://", "https://")):
                raise ValueError(f"CORS origin {origin!r} must start with http:// or https://")
        return [o.rstrip("/") for o in value]

    @field_validator("admin_api_key")
    @classmethod
    def _check_admin_key(cls, value: SecretStr | None) -> SecretStr | None:
        key = value.get_secret_value() if value is not None else ""
        if key and not (key.isascii() and key.isprintable() and " " not in key):
            raise ValueError(
                "the admin API key travels in an HTTP header: use printable ASCII characters without spaces"
            )
        return value

    @property
    def admin_enabled(self) -> bool:
        return self.admin_api_key is not None and bool(self.admin_api_key.get_secret_value())
