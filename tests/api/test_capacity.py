"""Capacity of a real uvicorn server (issue 10): /sparql waits in its own bounded queue, never on the thread pool
the other routes need; a client gets fair turns; answers are capped by size and workers by memory.

The server runs on the fixture graph with 2 workers, a queue of 2, one request per client address, a 3 s time
limit, a 1 MiB answer limit and a 400 MiB worker memory cap. Clients are told apart by their source address (the
whole of 127.0.0.0/8 is loopback). No assertion here is about time: "at once" is checked as an order of events (the
request was turned away while the admitted ones still ran).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import uvicorn_server

pytestmark = pytest.mark.server

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"  # runs to the time limit
QUICK = "ASK { ?s ?p ?o }"
HUGE = 'SELECT ?a (GROUP_CONCAT(STR(?o); separator=" ") AS ?all) WHERE { ?a ?b ?c . ?s ?p ?o } GROUP BY ?a'
GREEDY = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY RAND() LIMIT 1"  # holds ~10^8 rows to sort
JSON = "application/sparql-results+json"


@pytest.fixture(scope="module")
def url(fixture_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with uvicorn_server(
        fixture_dir,
        tmp_path_factory.mktemp("capacity-store"),
        query_timeout="3",
        query_workers="2",
        query_queue="2",
        query_per_client="1",
        answer_limit_mb="1",
        query_memory_mb="400",
    ) as server:
        yield server


async def ask(url: str, query: str, source: str = "127.0.0.1") -> httpx.Response:
    """POST one query from the loopback address `source` (a client of its own)."""
    transport = httpx.AsyncHTTPTransport(local_address=source)
    async with httpx.AsyncClient(transport=transport, timeout=60) as client:
        return await client.post(f"{url}/sparql", data={"query": query}, headers={"accept": JSON})


async def until_busy(url: str, running: int, waiting: int = 0) -> bool:
    """Wait (a few seconds at most) until /health says this many queries run and wait; False if it never did."""
    async with httpx.AsyncClient(timeout=10) as client:
        for _ in range(100):
            load = (await client.get(f"{url}/health")).json().get("sparql", {})
            if load.get("running") == running and load.get("waiting", 0) >= waiting:
                return True
            await asyncio.sleep(0.05)
    return False


def test_a_full_queue_is_503_with_retry_after_while_the_admitted_queries_run(url: str, assert_error) -> None:
    async def scenario() -> tuple[httpx.Response, int, list[httpx.Response]]:
        admitted = [asyncio.create_task(ask(url, SLOW, f"127.0.1.{i}")) for i in range(1, 5)]
        assert await until_busy(url, running=2, waiting=2)
        extra = await ask(url, SLOW, "127.0.1.9")
        still_in = sum(not task.done() for task in admitted)
        return extra, still_in, await asyncio.gather(*admitted)

    extra, still_in, admitted = asyncio.run(scenario())
    body = assert_error(extra, 503)
    assert body["error"] == "busy" and "QIKG_QUERY_QUEUE" in body["detail"]
    assert int(extra.headers["retry-after"]) >= 1
    assert still_in == 4  # turned away at once, not after waiting for a worker
    assert {r.status_code for r in admitted} == {503}  # each ran into the time limit (it is a runaway)
    assert {r.json()["error"] for r in admitted} == {"query timeout"}


def test_a_client_over_its_limit_gets_429_while_another_client_is_served(url: str, assert_error) -> None:
    async def scenario() -> tuple[httpx.Response, httpx.Response]:
        first = asyncio.create_task(ask(url, SLOW, "127.0.2.1"))
        assert await until_busy(url, running=1)
        again = await ask(url, QUICK, "127.0.2.1")
        other = await ask(url, QUICK, "127.0.2.2")
        await first
        return again, other

    again, other = asyncio.run(scenario())
    body = assert_error(again, 429)
    assert body["error"] == "too many requests" and "QIKG_QUERY_PER_CLIENT" in body["detail"]
    assert int(again.headers["retry-after"]) >= 1
    assert other.status_code == 200 and other.json()["boolean"] is True


def test_the_other_routes_answer_while_48_clients_saturate_sparql(url: str) -> None:
    """48 slow queries at once would hold every thread of anyio's shared pool (40) if /sparql waited there."""

    async def scenario() -> tuple[list[httpx.Response], int, list[httpx.Response]]:
        slow = [asyncio.create_task(ask(url, SLOW, f"127.0.3.{i}")) for i in range(1, 49)]
        await until_busy(url, running=2, waiting=2)  # not asserted: on a starved server this only times out
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            pages = [await client.get(path) for path in ("/health", "/api/themes", "/id/theme/genba")]
        still_running = sum(not task.done() for task in slow)
        return pages, still_running, await asyncio.gather(*slow)

    pages, still_running, slow = asyncio.run(scenario())
    assert [p.status_code for p in pages] == [200, 200, 200]
    assert still_running >= 2  # the pages were served while the workers were busy with the runaways
    turned_away = [r for r in slow if r.json()["error"] == "busy"]
    assert len(turned_away) >= 48 - 4 and all(int(r.headers["retry-after"]) >= 1 for r in turned_away)


def test_an_oversized_answer_is_refused_and_the_worker_serves_on(url: str, assert_error) -> None:
    body = assert_error(asyncio.run(ask(url, HUGE)), 422)
    assert "1 MiB" in body["detail"] and "QIKG_ANSWER_LIMIT_MB" in body["detail"]
    assert asyncio.run(ask(url, QUICK)).json()["boolean"] is True


def test_a_query_past_the_memory_cap_is_503_and_the_next_query_works(url: str, assert_error) -> None:
    body = assert_error(asyncio.run(ask(url, GREEDY)), 503)
    assert body["error"] == "query failed" and "server" in body["detail"]  # the server's fault, not the client's
    assert "400 MiB" in body["detail"] and "QIKG_QUERY_MEMORY_MB" in body["detail"]
    assert asyncio.run(ask(url, QUICK)).json()["boolean"] is True


def test_an_answer_whose_format_swells_it_past_the_cap_is_refused_in_that_format(fixture_dir, app_settings) -> None:
    """The cap counts the answer's text while it is read; markup can multiply it, so the encoded answer is checked
    too: SPARQL XML of a few hundred bytes of values is over 2 KiB, CSV of them is not."""
    from fastapi.testclient import TestClient

    from api.main import create_app

    query = "SELECT ?i WHERE { VALUES ?i { " + " ".join(f'"v{i}"' for i in range(40)) + " } }"
    settings = app_settings(fixture_dir, "oxigraph", "swell", answer_limit_mb=2 / 1024)
    with TestClient(create_app(settings)) as client:
        xml = client.get("/sparql", params={"query": query}, headers={"accept": "application/sparql-results+xml"})
        assert xml.status_code == 422 and "QIKG_ANSWER_LIMIT_MB" in xml.json()["detail"]
        csv = client.get("/sparql", params={"query": query}, headers={"accept": "text/csv"})
        assert csv.status_code == 200 and csv.text.count("\n") == 41
