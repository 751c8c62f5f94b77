"""Settings of the server, read from the environment with the prefix QIKG_ (e.g. QIKG_PORT=8080)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    """Everything an operator may want to change without touching code."""

    model_config = SettingsConfigDict(env_prefix="QIKG_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    data_dir: Path = Field(PROJECT_ROOT / "build", description="the build folder: qikg.trig, dumps, ontology.html")
    store_dir: Path | None = Field(None, description="where Oxigraph keeps its files; default <data_dir>/store")
    store_backend: Literal["oxigraph", "rdflib"] = "oxigraph"
    base_iri: str = Field("https://w3id.org/qikg/", description="base of the qid: and qi: IRIs")
    auto_build: bool = Field(True, description="run the pipeline at start-up when the graph's inputs changed")
    query_timeout: float = Field(10.0, gt=0, description="seconds a /sparql query may run")
    row_limit: int = Field(10_000, ge=1, description="most rows (or triples) a /sparql query may return")
    max_query_length: int = Field(20_000, ge=100, description="longest /sparql query text accepted, in characters")
    query_workers: int = Field(2, ge=1, le=32, description="processes that run /sparql queries")
    default_page_size: int = Field(50, ge=1)
    max_page_size: int = Field(500, ge=1)

    @property
    def resolved_store_dir(self) -> Path:
        return self.store_dir or self.data_dir / "store"

    @property
    def id_base(self) -> str:
        return self.base_iri.rstrip("/") + "/id/"

    @property
    def ontology_iri(self) -> str:
        return self.base_iri.rstrip("/") + "/ontology#"
