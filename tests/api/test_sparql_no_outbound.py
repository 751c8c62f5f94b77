"""Queries that would make the server fetch from elsewhere are refused before anything runs: a listener on
127.0.0.1 must not receive a single connection."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def listener() -> Iterator[tuple[str, list]]:
    """A TCP listener on a free loopback port that records every connection it accepts."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.1)
    connections: list = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, address = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            connections.append(address)
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", connections
    stop.set()
    thread.join(2)
    server.close()


def queries(url: str) -> list[str]:
    return [
        f"SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{url}/sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?x ?y ?z . {{ SELECT * WHERE {{ SERVICE <{url}/q> {{ ?s ?p ?o }} }} }} }}",
        f"SELECT * FROM <{url}/data.ttl> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{url}/data.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} FROM <{url}/data.ttl> WHERE {{ ?s ?p ?o }}",
        f"LOAD <{url}/data.ttl>",
        f"LOAD SILENT <{url}/data.ttl> INTO GRAPH <urn:x>",
    ]


def test_service_from_and_load_never_connect_out(assert_error, client: TestClient, listener: tuple[str, list]) -> None:
    url, connections = listener
    for query in queries(url):
        assert_error(client.get("/sparql", params={"query": query}), 403)
        assert_error(client.post("/sparql", content=query, headers={"content-type": "application/sparql-query"}),
                     403)
    time.sleep(0.3)
    assert connections == []


def test_the_refusal_names_the_reason(client: TestClient, listener: tuple[str, list]) -> None:
    url, _ = listener
    assert "SERVICE" in client.get("/sparql", params={"query": queries(url)[0]}).json()["detail"]
    assert "FROM" in client.get("/sparql", params={"query": queries(url)[3]}).json()["detail"]
