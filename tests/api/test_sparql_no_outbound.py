"""Queries that would make the server fetch from elsewhere are refused before anything runs: a listener on
127.0.0.1 must not receive a single connection."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import start_uvicorn

ROOT = Path(__file__).resolve().parents[2]


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
        assert_error(client.post("/sparql", content=query, headers={"content-type": "application/sparql-query"}), 403)
    time.sleep(0.3)
    assert connections == []


def test_the_refusal_names_the_reason(client: TestClient, listener: tuple[str, list]) -> None:
    url, _ = listener
    assert "SERVICE" in client.get("/sparql", params={"query": queries(url)[0]}).json()["detail"]
    assert "FROM" in client.get("/sparql", params={"query": queries(url)[3]}).json()["detail"]


# --- every spelling: the check judges the very text the engine runs ---------------------------------------------

SEPARATORS = [" ", "\t", "\n", "\r", "\r\n", "\f", "\v", "\u2028", "\u2029", "\x85", "\x00", "\u00a0"]
COMMENTS = [
    "# c\n",
    "# c\r",
    "# c\r\n",
    "# c\f",
    "# c\v",
    "# c\u2028",
    "# c\u2029",
    "# c\x85",
    "#\r",
    "# \\u000a",
    "# \\u000d",
    "# \\U0000000D",
]


def _spellings(word: str) -> list[str]:
    """The keyword in other case and with code point escapes, whole and in part."""
    escaped = "".join(f"\\u{ord(ch):04X}" for ch in word)
    return [
        word,
        word.lower(),
        word.title(),
        word[0].lower() + word[1:],
        escaped,
        f"\\u{ord(word[0]):04x}{word[1:]}",
        f"\\U{ord(word[0]):08X}{word[1:]}",
        word[:3] + f"\\u{ord(word[3]):04X}" + word[4:],
    ]


def hostile_queries(url: str) -> list[str]:
    """SERVICE, LOAD and outside FROM hidden behind comments, line breaks, escapes and strings, in every place."""
    target = f"<{url}/q>"
    out: list[str] = []
    for word in _spellings("SERVICE"):
        out.append(f"SELECT * WHERE {{ {word} {target} {{ ?s ?p ?o }} }}")
        out.append(f"SELECT * WHERE {{ {word} SILENT {target} {{ ?s ?p ?o }} }}")
        out.append(f"SELECT * WHERE {{ OPTIONAL {{ {word} {target} {{ ?s ?p ?o }} }} }}")
    for gap in [*SEPARATORS, *COMMENTS]:
        out.append(f"SELECT * WHERE {{ # c{gap}SERVICE {target} {{ ?s ?p ?o }}\n}}")
        out.append(f"SELECT * WHERE {{{gap}SERVICE{gap}{target}{gap}{{ ?s ?p ?o }} }}")
        out.append(f"ASK {{ {gap} SERVICE {target} {{ ?s ?p ?o }} }}")
        out.append(f"SELECT *{gap}FROM {target} WHERE {{ ?s ?p ?o }}")
        out.append(f"SELECT * # x{gap}FROM NAMED {target} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}")
        out.append(f"# x{gap}LOAD {target}")
    for word in _spellings("FROM"):
        out.append(f"SELECT * {word} {target} WHERE {{ ?s ?p ?o }}")
    for word in _spellings("LOAD"):
        out.append(f"{word} {target}")
    # strings and IRIs whose escapes change where a string ends, for one parser and not the other
    out += [
        f'SELECT * WHERE {{ BIND("\\u0022) SERVICE {target} {{ ?s ?p ?o }} BIND(\\u0022" AS ?x) }}',
        f'SELECT * WHERE {{ BIND("\\u005C" AS ?a) SERVICE {target} {{ ?s ?p ?o }} BIND("\\u005C" AS ?b) }}',
        f'SELECT * WHERE {{ BIND("a\\u005C\\u0022 SERVICE" AS ?a) SERVICE {target} {{ ?s ?p ?o }} }}',
        f"SELECT * WHERE {{ BIND('''\\u0027''' AS ?a) SERVICE {target} {{ ?s ?p ?o }} }}",
        f'SELECT * WHERE {{ BIND("""x\r""" AS ?a) SERVICE {target} {{ ?s ?p ?o }} }}',
        f"SELECT * WHERE {{ ?s <urn:p\\u003E ?o . SERVICE {target} {{ ?s ?p ?o }} }}",
        f"PREFIX ex: <urn:ex#> SELECT * WHERE {{ ?s ex:a\\# ?o . SERVICE {target} {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o FILTER(?o<?s) SERVICE {target} {{ ?s ?p ?o }} FILTER(?s>?o) }}",
        f"SELECT * WHERE {{ \\u005Cu0053ERVICE {target} {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE {target} {{ ?s ?p ?o }} }} }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o MINUS {{ SERVICE {target} {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ SERVICE {target} {{ ?s ?p ?o }} }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE {target} {{ ?s ?p ?o }} }}",
        f"DESCRIBE ?s WHERE {{ SERVICE {target} {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ VALUES ?u {{ {target} }} SERVICE ?u {{ ?s ?p ?o }} }}",
    ]
    return out


def _send_every_way(client: TestClient, query: str) -> list:
    return [
        client.get("/sparql", params={"query": query}),
        client.post("/sparql", data={"query": query}),
        client.post("/sparql", content=query.encode("utf-8"), headers={"content-type": "application/sparql-query"}),
    ]


def test_no_spelling_of_service_load_or_from_opens_a_connection(
    fixture_client: TestClient, listener: tuple[str, list]
) -> None:
    """Whatever the query looks like, and on every back-end, nothing reaches the listener, and the answer is a
    refusal or an error of the query, never a fault of the server."""
    url, connections = listener
    statuses: dict[int, int] = {}
    for query in hostile_queries(url):
        for response in _send_every_way(fixture_client, query):
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            assert response.status_code in (200, 400, 403, 422), (query, response.status_code, response.text[:300])
            assert "Traceback" not in response.text
    time.sleep(0.3)
    assert connections == []
    assert statuses.get(403, 0) > 100  # most variants are read as what they are and refused


def test_a_comment_ended_by_a_carriage_return_hides_nothing(
    fixture_client: TestClient, listener: tuple[str, list]
) -> None:
    """The red team's query: rdflib ends a comment at LF only, Oxigraph at CR too; the engine must not see a
    SERVICE the check did not."""
    url, connections = listener
    query = f"SELECT * WHERE {{ # c\r SERVICE <{url}/x> {{ ?s ?p ?o }}\n}}"
    for response in _send_every_way(fixture_client, query):
        assert response.status_code == 403, response.text
        assert "SERVICE" in response.json()["detail"]
    time.sleep(0.3)
    assert connections == []


def test_qikg_query_refuses_the_same_spellings(graph_dir: Path, listener: tuple[str, list]) -> None:
    from typer.testing import CliRunner

    from kg.cli import app

    url, connections = listener
    runner = CliRunner()
    for query in [
        f"SELECT * WHERE {{ # c\r SERVICE <{url}/x> {{ ?s ?p ?o }}\n}}",
        f"SELECT * WHERE {{ \\u0053ERVICE <{url}/x> {{ ?s ?p ?o }} }}",
        f"SELECT * FROM <{url}/d.ttl> WHERE {{ ?s ?p ?o }}",
    ]:
        result = runner.invoke(app, ["query", query, "--data", str(graph_dir)])
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
    time.sleep(0.3)
    assert connections == []


# --- the block behind the check ------------------------------------------------------------------------------------

_ENGINE_RUNS_SERVICE = """
import sys
import pyoxigraph
from kg.sparql.isolation import cut_network
if sys.argv[2] == "isolated":
    why = cut_network()
    assert why is None, why
try:
    list(pyoxigraph.Store().query("SELECT * WHERE { SERVICE <%s/x> { ?s ?p ?o } }" % sys.argv[1]))
    print("answered")
except Exception as error:
    print("failed:", type(error).__name__)
"""


def test_a_worker_cannot_connect_even_when_the_check_is_skipped(listener: tuple[str, list]) -> None:
    """The engine is handed a SERVICE query directly, with no policy at all: in a worker's network namespace the
    listener sees nothing; the same run outside it does connect (so the test can tell)."""
    url, connections = listener
    run = [sys.executable, "-c", _ENGINE_RUNS_SERVICE, url]
    isolated = subprocess.run([*run, "isolated"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert isolated.returncode == 0, isolated.stderr
    assert isolated.stdout.startswith("failed"), isolated.stdout
    time.sleep(0.3)
    assert connections == []
    subprocess.run([*run, "open"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    deadline = time.monotonic() + 5
    while not connections and time.monotonic() < deadline:
        time.sleep(0.05)
    assert connections, "the control run outside the namespace should have reached the listener"


def test_the_servers_query_workers_live_in_a_network_namespace_of_their_own(
    fixture_client: TestClient, backend: str
) -> None:
    if backend == "remote":
        pytest.skip("a remote store's workers must reach the server over the network")
    assert fixture_client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).status_code == 200
    sandbox = fixture_client.app.state.service.sandbox
    pids = [w.process.pid for w in sandbox._all if w.process is not None and w.process.is_alive()]
    assert pids
    ours = os.readlink("/proc/self/ns/net")
    for pid in pids:
        assert os.readlink(f"/proc/{pid}/ns/net") != ours


def test_engine_errors_name_no_local_path_and_repeat_no_remote_body() -> None:
    from kg.sparql.sandbox import scrub

    assert "/srv/data" not in scrub("IOError: cannot open /srv/data/store/gen-3/LOCK: busy")
    assert "[path]" in scrub("IOError: cannot open /srv/data/store/gen-3/LOCK: busy")
    said = scrub("Error: HTTP 500 from http://10.0.0.1/x: <html>secret upstream body</html>")
    assert "secret" not in said and "SERVICE" in said
    assert scrub("Type error: expected a literal") == "Type error: expected a literal"
    function = "RuntimeError: The custom function <http://example.org/f> is not supported"
    assert scrub(function) == function  # naming a URL is not contacting it
    assert "SERVICE" in scrub("OSError: Network is unreachable (os error 101)")


def test_a_function_the_engine_lacks_is_the_querys_mistake(
    fixture_client: TestClient, assert_error, backend: str
) -> None:
    if backend == "remote":
        pytest.skip("the remote server words its own errors")
    for query in ["SELECT (<urn:f>(1) AS ?d) {}", "SELECT * { FILTER(<http://example.org/f>(1)) }"]:
        body = assert_error(fixture_client.get("/sparql", params={"query": query}), 400)
        assert "does not do" in body["detail"] and "SERVICE" not in body["detail"]


def test_query_workers_die_with_a_killed_server(fixture_dir: Path, tmp_path: Path) -> None:
    """kill -9 of the server: the kernel ends its query workers too (none is left grinding)."""
    server, url = start_uvicorn(fixture_dir, tmp_path / "store")
    try:
        # a query has run, so the workers are up
        assert httpx.get(f"{url}/sparql", params={"query": "ASK {}"}, timeout=30).status_code == 200
        workers = _children(server.pid)
        assert workers, "the server should have started its query workers"
    finally:
        server.kill()
        server.wait(10)
    deadline = time.monotonic() + 10
    while _alive(workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(workers)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pids: list[int]) -> list[int]:
    """Those that still run (a zombie waiting to be reaped has stopped)."""
    living = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state not in ("Z", "X"):
            living.append(pid)
    return living
