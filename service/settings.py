"""Service settings: one pydantic-settings class, read from `RAPPORTEUR_*` variables and CLI flags."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


class Settings(BaseSettings):
    """Everything the HTTP service can be configured with.

    Lists (`cors_origins`) accept a JSON array or a comma-separated string in the environment.
    """

    model_config = SettingsConfigDict(env_prefix="RAPPORTEUR_", extra="ignore", validate_default=True)

    index_dir: Path = Field(Path("index"), description="index directory (CURRENT + bundles/) or a bundle")
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
    forwarded_allow_ips: str | None = Field(
        None, description="proxies trusted for X-Forwarded-For (uvicorn's option); unset: none"
    )

    max_body_bytes: int = Field(64 * 1024, ge=1024, description="request body cap, counted as it arrives")
    rate_limit_per_minute: float = Field(120.0, ge=0, description="per-client sustained rate; 0 = off")
    rate_limit_burst: int = Field(30, ge=1, description="requests a client may send at once")
    rate_limit_loopback: bool = Field(False, description="also limit clients on the loopback interface")
    rate_limit_max_clients: int = Field(10_000, ge=100, description="clients tracked at once (LRU)")

    request_timeout_s: float = Field(10.0, gt=0, description="server-side deadline of one request")
    engine_concurrency: int = Field(2, ge=1, le=64, description="searches computed at the same time")
    omp_threads: int | None = Field(
        1,
        ge=1,
        le=64,
        description="OpenMP threads per search (query embedding, FAISS), set by `python -m service`; 1 keeps "
        "concurrent searches from oversubscribing the cores; None leaves OMP_NUM_THREADS alone",
    )
    verify_bundle: bool = Field(True, description="check bundle checksums when loading")
    warmup_query: str = Field("aide à domicile pour les personnes âgées", min_length=1)
    load_in_background: bool = Field(
        True, description="serve /healthz while the first load runs; False: start serving once loaded"
    )
    reload_poll_s: float = Field(0.0, ge=0, description="poll CURRENT and reload when it changes; 0 = off")
    handle_sighup: bool = Field(True, description="reload the index on SIGHUP")
    document_context_chars: int = Field(400, ge=0, le=5000, description="context around a document span")

    @field_validator("cors_origins", mode="before")
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

    @property
    def admin_enabled(self) -> bool:
        return self.admin_api_key is not None and bool(self.admin_api_key.get_secret_value())
