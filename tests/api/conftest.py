"""Shared fixtures: the graph (the real build when the pipeline succeeds, else the small fixture), apps, a server.

The apps (`client`, `fixture_client`) run on each store back-end chosen by QIKG_TEST_BACKENDS (comma-separated:
oxigraph, rdflib, remote, virtuoso). By default every test of the app runs twice: on embedded Oxigraph, and against a
real Oxigraph *server* started by the tests, as a remote SPARQL store. `virtuoso` puts the app on a real Virtuoso
(Debian's virtuoso-opensource, started by the tests on loopback ports with its own ini; `.ci/run` installs it);
tests/api/test_virtuoso_answers.py compares its answers with the embedded store's on every run.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from kg.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[2]
BACKENDS_ENV = "QIKG_TEST_BACKENDS"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run app tests once per chosen back-end."""
    if "backend" not in metafunc.fixturenames:
        return
    chosen = os.environ.get(BACKENDS_ENV)
    if chosen:
        backends = [b.strip() for b in chosen.split(",") if b.strip()]
    else:
        backends = ["oxigraph", "remote"]
    metafunc.parametrize("backend", backends, indirect=True, scope="session")


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    """The store back-end the app runs on (parametrised by pytest_generate_tests)."""
    return getattr(request, "param", "oxigraph")


@pytest.fixture(scope="session")
def remote_server(tmp_path_factory: pytest.TempPathFactory):
    """`remote_server(name)`: an Oxigraph server per graph (started on first use, killed at the end)."""
    from kg.store.oxigraph_server import start_oxigraph, stop_oxigraph

    servers: dict = {}

    def get(name: str):
        if name not in servers:
            servers[name] = start_oxigraph(tmp_path_factory.mktemp(f"oxigraph-{name}"))
        return servers[name]

    try:
        yield get
    finally:
        for server in servers.values():
            stop_oxigraph(server)


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory):
    """`virtuoso_server(name)`: a real Virtuoso per graph, its own ini and database in a temp folder, on free
    loopback ports, the anonymous SPARQL account granted updates; started on first use, stopped at the end. Tests
    are skipped (not failed) where Virtuoso is not installed; `.ci/run` installs it."""
    from kg.store.virtuoso_server import start_virtuoso, stop_virtuoso, virtuoso_installed

    if not virtuoso_installed():
        pytest.skip("Virtuoso is not installed (apt-get install virtuoso-opensource; .ci/run does it)")
    servers: dict = {}

    def get(name: str, **options: object):
        if name not in servers:
            servers[name] = start_virtuoso(tmp_path_factory.mktemp(f"virtuoso-{name}"), **options)
        return servers[name]

    try:
        yield get
    finally:
        for server in servers.values():
            stop_virtuoso(server)


def _fixture_build(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / "mini.trig", target / "qikg.trig")
    return target


@pytest.fixture(scope="session")
def fixture_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build folder holding only the hand-written fixture graph (odd data: XSS labels, aliases, ...)."""
    return _fixture_build(tmp_path_factory.mktemp("fixture-build"))


@pytest.fixture(scope="session")
def graph_dir(tmp_path_factory: pytest.TempPathFactory, fixture_dir: Path) -> Path:
    """The real graph, built once per session by kg.pipeline. A failing build fails the tests: it is never hidden.

    QIKG_TEST_GRAPH=fixture forces the fixture (fast runs); QIKG_TEST_GRAPH=<folder> uses an existing build."""
    chosen = os.environ.get("QIKG_TEST_GRAPH")
    if chosen == "fixture":
        return fixture_dir
    if chosen:
        return Path(chosen)
    from kg.pipeline.run import build

    out = tmp_path_factory.mktemp("real") / "build"
    build(out)
    return out


def make_settings(data_dir: Path, store_dir: Path, **overrides: object) -> Settings:
    return Settings(data_dir=data_dir, store_dir=store_dir, **overrides)


def _backend_settings(backend: str, name: str, remote_server, request: pytest.FixtureRequest | None = None) -> dict:
    """Settings that put the app on `backend`; a remote store gets its own Oxigraph server (or Virtuoso) per graph."""
    if backend == "virtuoso":
        assert request is not None
        virtuoso = request.getfixturevalue("virtuoso_server")(name, max_rows=1_000_000).settings()  # docs/stores.md
        return {
            "store_backend": "remote",
            "remote_query_url": virtuoso.query_url,
            "remote_gsp_url": virtuoso.gsp_url,
            "remote_update_url": virtuoso.update_url,
            "remote_timeout": virtuoso.timeout,
        }
    if backend != "remote":
        return {"store_backend": backend}
    server = remote_server(name)
    return {
        "store_backend": "remote",
        "remote_query_url": server.query_url,
        "remote_gsp_url": f"{server.url}/store",
        "remote_update_url": f"{server.url}/update",
    }


@pytest.fixture(scope="session")
def app_settings(tmp_path_factory: pytest.TempPathFactory, remote_server, request: pytest.FixtureRequest):
    """`app_settings(data_dir, backend, name)`: settings for an app of one's own on that back-end."""

    def make(data_dir: Path, backend: str, name: str, **overrides: object) -> Settings:
        return make_settings(
            data_dir,
            tmp_path_factory.mktemp(f"store-{name}"),
            **_backend_settings(backend, name, remote_server, request),
            **overrides,
        )

    return make


@pytest.fixture(scope="session")
def client(
    graph_dir: Path, tmp_path_factory: pytest.TempPathFactory, backend: str, remote_server, request
) -> Iterator[TestClient]:
    """The app on the session's graph (on each chosen store back-end)."""
    settings = make_settings(
        graph_dir,
        tmp_path_factory.mktemp("store"),
        query_timeout=5.0,
        **_backend_settings(backend, "real", remote_server, request),
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def fixture_client(
    fixture_dir: Path, tmp_path_factory: pytest.TempPathFactory, backend: str, remote_server, request
) -> Iterator[TestClient]:
    """The app on the fixture graph, with a short time limit and a small row limit."""
    settings = make_settings(
        fixture_dir,
        tmp_path_factory.mktemp("fixture-store"),
        query_timeout=1.5,
        row_limit=1000,
        **_backend_settings(backend, "fixture", remote_server, request),
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_uvicorn(data_dir: Path, store_dir: Path, **settings: str) -> tuple[subprocess.Popen, str]:
    """A real uvicorn server on a free loopback port serving `data_dir` (QIKG_<NAME> environment settings), started
    and answering /health; the caller stops the process."""
    port = free_port()
    env = {
        **os.environ,
        "QIKG_DATA_DIR": str(data_dir),
        "QIKG_STORE_DIR": str(store_dir),
        "QIKG_HOST": "127.0.0.1",  # where it listens, as `qikg serve` sets them: the address its descriptions name
        "QIKG_PORT": str(port),
        **{f"QIKG_{name.upper()}": value for name, value in settings.items()},
    }
    command = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen([*command, "--log-level", "warning"], cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    process.wait(10)
    raise RuntimeError("the server did not start")


@contextmanager
def uvicorn_server(data_dir: Path, store_dir: Path, **settings: str) -> Iterator[str]:
    """A real uvicorn server on a free loopback port serving `data_dir`, with QIKG_<NAME> environment settings."""
    process, url = start_uvicorn(data_dir, store_dir, **settings)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="session")
def server_url(graph_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real uvicorn server on a free loopback port, configured through QIKG_ environment variables."""
    with uvicorn_server(graph_dir, tmp_path_factory.mktemp("srv"), query_timeout="5") as url:
        yield url


def _assert_error(response: httpx.Response, status: int) -> dict:
    """The response is the API's JSON error with this status."""
    assert response.status_code == status, response.text[:500]
    body = response.json()
    assert set(body) >= {"error", "detail"}
    assert "Traceback" not in response.text
    return body


@pytest.fixture(scope="session")
def assert_error():
    """`assert_error(response, status)`: the response is the API's JSON error with that status."""
    return _assert_error
