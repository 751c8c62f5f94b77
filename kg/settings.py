"""The one settings class of the command line, the server and the store, read from the environment with the prefix
QIKG_ (e.g. QIKG_PORT=8080, QIKG_HOME=/srv/qikg); the `qikg` options default to these values, so a flag and its
variable always agree.

The user's data lives in the data directory (`home`, default `./qikg-data`): the chat registry, the chats `qikg add`
copied in, and the build (with the embedded store inside it). Nothing is ever written into the installed package.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kg.sparql.sandbox import Capacity, WorkerLimits
from kg.store import Store, open_store
from kg.store.remote import RemoteSettings


class Settings(BaseSettings):
    """Everything an operator may want to change without touching code."""

    model_config = SettingsConfigDict(env_prefix="QIKG_", extra="ignore", populate_by_name=True)

    host: str = Field("127.0.0.1", description="interface `qikg serve` binds")
    port: int = Field(8000, ge=1, le=65535, description="port `qikg serve` listens on")
    home: Path = Field(
        Path("qikg-data"),
        description="the data directory: the registry, the chats added to it and the build (relative: to the "
        "working directory)",
    )
    data_dir: Path = Field(
        default_factory=lambda data: Path(data["home"]) / "build",
        description="the build folder: qikg.trig, dumps, ontology.html, store/ (default <home>/build)",
    )
    registry: Path = Field(
        default_factory=lambda data: Path(data["home"]) / "registry.yaml",
        description="the chat registry (default <home>/registry.yaml; where there is none yet: the packaged seed)",
    )
    store_dir: Path | None = Field(None, description="where Oxigraph keeps its files; default <data_dir>/store")
    store_backend: Literal["oxigraph", "rdflib", "remote"] = Field(
        "oxigraph",
        validation_alias=AliasChoices("QIKG_STORE", "QIKG_STORE_BACKEND", "store_backend"),
        description="QIKG_STORE: oxigraph (embedded, persisted), memory (rdflib; also 'rdflib') or remote",
    )
    store_optimize: bool = Field(
        True,
        description="oxigraph: compact the store after each load (at 1 M quads about "
        "5 s more per load; queries then take 0.5-0.6x the time)",
    )
    remote_query_url: str | None = Field(None, description="remote store: SPARQL Protocol query endpoint")
    remote_update_url: str | None = Field(None, description="remote store: SPARQL Update endpoint (optional)")
    remote_gsp_url: str | None = Field(None, description="remote store: Graph Store Protocol endpoint")
    remote_username: str | None = Field(None, description="remote store: HTTP basic auth user (optional)")
    remote_password: SecretStr | None = Field(None, description="remote store: HTTP basic auth password")
    remote_timeout: float = Field(30.0, gt=0, description="remote store: seconds an HTTP request may take")
    remote_auth: Literal["basic", "digest"] = Field(
        "basic",
        description="remote store: HTTP auth scheme for the user and password (Virtuoso's /sparql-auth: digest)",
    )
    remote_union: Literal["dataset", "native"] = Field(
        "dataset",
        description="dataset: name the union per query (plain SPARQL 1.1); native: the server's default "
        "graph is already the union of its named graphs",
    )
    base_iri: str = Field("https://w3id.org/qikg/", description="base of the qid: and qi: IRIs")
    public_url: str | None = Field(
        None,
        description="the address people reach this server at (https://qi.example.org), named by the service "
        "description and the VoID for the endpoint, the dumps and the pages; default http://<host>:<port>. Never "
        "taken from a request's Host header",
    )
    data_license: str = Field(
        "https://creativecommons.org/licenses/by/4.0/",
        description="the licence of the "
        "graph qikg makes (the ontology's too), stated in the VoID description; the words "
        "the reports quote stay their authors'",
    )
    reload_interval: float = Field(
        1.0,
        ge=0,
        description="seconds between looks at the build's manifest: a new "
        "build of the served folder is loaded without a restart (0: never)",
    )
    query_timeout: float = Field(10.0, gt=0, description="seconds a /sparql query may run")
    row_limit: int = Field(10_000, ge=1, description="most rows (or triples) a /sparql query may return")
    max_query_length: int = Field(20_000, ge=100, description="longest /sparql query text accepted, in characters")
    query_workers: int = Field(2, ge=1, le=32, description="processes that run /sparql queries")
    query_queue: int = Field(
        16,
        ge=0,
        le=10_000,
        description="/sparql requests that may wait for a worker while "
        "every worker is busy; past that a request is answered 503 at once, with Retry-After",
    )
    query_per_client: int = Field(
        4,
        ge=1,
        le=10_000,
        description="/sparql requests one client address may have "
        "in at once (running or waiting); past that: 429 with Retry-After. While other clients are about "
        "(QIKG_QUERY_KEEP_SECONDS) one client runs at most all workers but one at once, the last is kept for "
        "them. Behind a reverse proxy the address is the one the proxy forwards, if QIKG_FORWARDED_ALLOW_IPS "
        "trusts it",
    )
    query_keep_seconds: float = Field(
        30.0,
        ge=0,
        le=86_400,
        description="how long after another client's /sparql query began or ended the last free worker stays "
        "kept for a client with nothing running; a client alone (nobody else running, waiting or seen that "
        "recently) may use every worker. 0: kept only while another client runs or waits",
    )
    forwarded_allow_ips: str = Field(
        "",
        max_length=10_000,
        description="the reverse proxies whose X-Forwarded-For / X-Forwarded-Proto headers are believed (comma-"
        "separated addresses or networks, * for any; `qikg serve` hands them to uvicorn): the client is then the "
        "address the proxy forwards. Empty (the default): the headers are ignored and the client is the connection's "
        "own address, so no local process can pose as many clients to pass the per-client limit",
    )
    answer_limit_mb: float = Field(
        16,
        gt=0,
        description="text a /sparql answer may hold, in MiB (the terms' "
        "characters, plus a little per term); past it the query stops with a 422 while "
        "the answer is read, before it is built",
    )
    sparql_isolation: Literal["required", "best-effort", "off"] = Field(
        "required",
        description="cut the /sparql workers off from every network (a network namespace, Linux: root "
        "or unprivileged user namespaces): required = refuse to run queries where that cannot be done; best-effort "
        "= run them anyway, with a warning in the log; off = never try. Not applied with the remote store, whose "
        "workers must reach the server",
    )
    query_memory_mb: int = Field(
        2048,
        ge=0,
        description="memory one /sparql worker may use (heap and anonymous "
        "mappings, RLIMIT_DATA), in MiB; past it the query is stopped; 0 = no limit",
    )
    query_nice: int = Field(
        0,
        ge=0,
        le=19,
        description="how far below the server's CPU priority the /sparql "
        "workers run (nice); 10 keeps runaway queries from slowing the server on a machine of "
        "its own, but the time limit is wall-clock time, so on a machine busy with other work "
        "low-priority queries reach it sooner",
    )

    @field_validator("store_backend", mode="before")
    @classmethod
    def _memory_is_rdflib(cls, value: object) -> object:
        return "rdflib" if value == "memory" else value

    def remote_settings(self) -> RemoteSettings | None:
        """Connection settings of the remote store (None unless the remote back-end is chosen)."""
        if self.store_backend != "remote":
            return None
        if not self.remote_query_url:
            raise ValueError(
                "QIKG_STORE=remote needs QIKG_REMOTE_QUERY_URL (and QIKG_REMOTE_GSP_URL or "
                "QIKG_REMOTE_UPDATE_URL to load the graph)"
            )
        return RemoteSettings(
            query_url=self.remote_query_url,
            update_url=self.remote_update_url,
            gsp_url=self.remote_gsp_url,
            username=self.remote_username,
            password=self.remote_password.get_secret_value() if self.remote_password else None,
            timeout=self.remote_timeout,
            union=self.remote_union,
            auth_scheme=self.remote_auth,
        )

    def open_store(self) -> Store:
        """The store these settings choose (Oxigraph persists under the store folder)."""
        return open_store(
            self.store_backend,
            self.resolved_store_dir if self.store_backend == "oxigraph" else None,
            remote=self.remote_settings(),
            optimize=self.store_optimize,
        )

    def worker_limits(self) -> WorkerLimits:
        """What each /sparql worker process is held to."""
        return WorkerLimits(
            self.sparql_isolation,
            self.query_memory_mb * 2**20 or None,
            int(self.answer_limit_mb * 2**20),
            self.query_nice,
        )

    def query_capacity(self) -> Capacity:
        """How many /sparql requests the server takes in at once."""
        return Capacity(self.query_queue, self.query_per_client, self.query_keep_seconds)

    @property
    def resolved_store_dir(self) -> Path:
        return self.store_dir or self.data_dir / "store"

    def trusted_proxies(self) -> list[str]:
        """The proxies whose X-Forwarded-* headers are believed (none: the headers are ignored; uvicorn's own
        default would trust 127.0.0.1)."""
        return [part.strip() for part in self.forwarded_allow_ips.split(",") if part.strip()]

    @property
    def site(self) -> str:
        """The server's own address, as configured (QIKG_PUBLIC_URL, else where `qikg serve` listens), never a
        request's Host header: the service description and the VoID name the endpoint, the dumps and the pages at
        it. Not the base of the data's IRIs (`base_iri`), which stays whatever address serves it."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def sparql_base(self) -> str:
        """The base relative IRIs in /sparql queries resolve against: the endpoint's IRI under the data's base, the
        same wherever the server runs (so a query's answer does not depend on the address it was sent to)."""
        return self.base_iri.rstrip("/") + "/sparql"

    @property
    def id_base(self) -> str:
        return self.base_iri.rstrip("/") + "/id/"

    @property
    def ontology_iri(self) -> str:
        return self.base_iri.rstrip("/") + "/ontology#"
