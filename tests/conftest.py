"""Fixtures shared by every test folder: a real Oxigraph SPARQL server to test the remote store against."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from oxigraph_server import OxigraphServer, start_oxigraph, stop_oxigraph


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    """One Oxigraph server for the session (tests that load data into it clear it first)."""
    server = start_oxigraph(tmp_path_factory.mktemp("oxigraph-server"))
    try:
        yield server
    finally:
        stop_oxigraph(server)
