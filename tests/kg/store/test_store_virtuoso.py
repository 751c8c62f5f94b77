"""The remote store on a real Virtuoso (Debian's virtuoso-opensource 7.2): the answers of the embedded store, or a
clear error naming the server's limit; loads through its Graph Store, its update endpoint, Basic or Digest auth."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kg.store import OxigraphStore
from kg.store.remote import RemoteStore
from kg.store.virtuoso_server import VirtuosoServer, start_virtuoso, stop_virtuoso, virtuoso_installed

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(not virtuoso_installed(), reason="Virtuoso is not installed (.ci/run installs it)"),
]

ROOT = Path(__file__).resolve().parents[3]
FIXTURE = ROOT / "tests" / "api" / "fixtures" / "mini.trig"
QI = "https://w3id.org/qikg/ontology#"


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    """One real Virtuoso for the module, its own ini in a temp folder, always stopped at the end."""
    server = start_virtuoso(tmp_path_factory.mktemp("virtuoso"), max_rows=50)
    try:
        yield server
    finally:
        stop_virtuoso(server)


@pytest.fixture
def server(virtuoso: VirtuosoServer) -> VirtuosoServer:
    virtuoso.clear()
    return virtuoso


@pytest.fixture
def remote(server: VirtuosoServer) -> Iterator[RemoteStore]:
    store = RemoteStore(server.settings())
    store.load(FIXTURE, key="fixture")
    yield store
    store.close()


@pytest.fixture(scope="module")
def embedded() -> OxigraphStore:
    store = OxigraphStore()
    store.load(FIXTURE)
    return store


def test_the_test_server_runs_on_loopback_with_its_own_files(virtuoso: VirtuosoServer) -> None:
    ini = (virtuoso.folder / "virtuoso.ini").read_text()
    assert (
        f"ServerPort = 127.0.0.1:{virtuoso.http_port}" in ini and f"ServerPort = 127.0.0.1:{virtuoso.sql_port}" in ini
    )
    assert f"DatabaseFile = {virtuoso.folder / 'virtuoso.db'}" in ini and "/var/lib/virtuoso" not in ini
    assert (virtuoso.folder / "virtuoso.db").exists()
    answer = httpx.get(virtuoso.query_url, params={"query": "ASK {}"}, headers={"Accept": "application/json"})
    assert answer.json()["boolean"] is True


def test_a_load_through_the_graph_store_holds_every_graph(remote: RemoteStore, embedded: OxigraphStore) -> None:
    assert remote.named_graphs() == embedded.named_graphs()
    assert remote.triple_count() == embedded.triple_count() > 200
    assert remote.loaded_key() == "fixture"


def test_stopping_the_server_ends_its_process(tmp_path: Path) -> None:
    server = start_virtuoso(tmp_path / "short-lived")
    stop_virtuoso(server)
    assert server.process.poll() is not None
    with pytest.raises(httpx.HTTPError):
        httpx.get(server.query_url, params={"query": "ASK {}"}, timeout=2)
