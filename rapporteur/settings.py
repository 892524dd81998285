"""Settings both sides read (`python -m indexer`, `python -m evals`, and the service, whose own
settings extend them in `service.settings`): read from `RAPPORTEUR_*` variables, overridden by
command-line flags."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from rapporteur.embedders.registry import DEFAULT_EMBEDDER


class Settings(BaseSettings):
    """Where the index is and which embedder builds it."""

    model_config = SettingsConfigDict(env_prefix="RAPPORTEUR_", extra="ignore", validate_default=True)

    index_dir: Path = Field(Path("index"), description="index directory (CURRENT + bundles/) or a bundle")
    embedder: str = Field(DEFAULT_EMBEDDER, description="embedding backend of `python -m indexer build`")
    allow_model_download: bool = Field(
        False, description="let the sentence-transformers backend fetch a model from a hub (off: offline only)"
    )
