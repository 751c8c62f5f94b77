"""One client cannot hold every /sparql worker while others are about, a client alone may use them all, and who "a
client" is cannot be forged (walk finding B3, review finding F5).

Real servers started as `qikg serve` starts uvicorn (`kg.cli.run_server`) on the fixture graph: 2 workers, 2 requests
per client, a 2 s time limit, the last worker kept for 30 s after another client was seen (the default). Clients are
told apart by their source address (all of 127.0.0.0/8 is loopback), and by X-Forwarded-For only on the server told
to trust the proxy at 127.0.0.1 (QIKG_FORWARDED_ALLOW_IPS). No assertion is about time: "at once" is an order of
events (the other client was answered while the runaways were all still in), "together" what /health says.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import ROOT, free_port

pytestmark = pytest.mark.server

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"  # runs to the time limit
QUICK = "ASK { ?s ?p ?o }"
JSON = "application/sparql-results+json"
SETTINGS = {"QIKG_QUERY_TIMEOUT": "2", "QIKG_QUERY_WORKERS": "2", "QIKG_QUERY_PER_CLIENT": "2"}


@contextmanager
def served(data_dir: Path, store_dir: Path, **environment: str) -> Iterator[str]:
    """`kg.cli.run_server` (what `qikg serve` runs once the build is fresh) on a free loopback port."""
    port = free_port()
    env = {**os.environ, "QIKG_DATA_DIR": str(data_dir), "QIKG_STORE_DIR": str(store_dir), **SETTINGS, **environment}
    env.pop("FORWARDED_ALLOW_IPS", None)  # uvicorn's own variable: the setting alone decides
    code = f"from kg.cli import run_server; run_server('127.0.0.1', {port})"
    process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="module")
def plain(fixture_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server with the default: X-Forwarded-For believed from nobody."""
    with served(fixture_dir, tmp_path_factory.mktemp("fair-plain")) as url:
        yield url


@pytest.fixture(scope="module")
def proxied(fixture_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server behind a (pretend) reverse proxy on 127.0.0.1, which it is told to trust."""
    with served(fixture_dir, tmp_path_factory.mktemp("fair-proxied"), QIKG_FORWARDED_ALLOW_IPS="127.0.0.1") as url:
        yield url


async def ask(url: str, query: str, source: str = "127.0.0.1", forwarded: str | None = None) -> httpx.Response:
    transport = httpx.AsyncHTTPTransport(local_address=source)
    headers = {"accept": JSON, **({"x-forwarded-for": forwarded} if forwarded else {})}
    async with httpx.AsyncClient(transport=transport, timeout=60) as client:
        return await client.post(f"{url}/sparql", data={"query": query}, headers=headers)


async def until_in(url: str, running: int | None, waiting: int | None, both: int | None = None) -> bool:
    """Wait (a few seconds at most) until /health says this many queries run and wait (None: any; `both`: so
    many in all)."""
    async with httpx.AsyncClient(timeout=10) as client:
        for _ in range(100):
            load = (await client.get(f"{url}/health")).json().get("sparql", {})
            now = (load.get("running"), load.get("waiting"))
            if (
                running in (None, now[0])
                and waiting in (None, now[1])
                and (both is None or sum(n or 0 for n in now) == both)
            ):
                return True
            await asyncio.sleep(0.05)
    return False


@pytest.fixture
def fresh(fixture_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server of the test's own (no client has been seen yet), one client may have 3 in, 1 may wait."""
    store = tmp_path_factory.mktemp("fair-fresh")
    with served(fixture_dir, store, QIKG_QUERY_PER_CLIENT="3", QIKG_QUERY_QUEUE="1") as url:
        yield url


def test_a_client_alone_runs_two_slow_queries_together(fresh: str) -> None:
    """Nobody else is about: its second query takes the other worker instead of queueing behind the first."""

    async def scenario() -> tuple[bool, list[httpx.Response]]:
        runaways = [asyncio.create_task(ask(fresh, SLOW, "127.0.7.1")) for _ in range(2)]
        together = await until_in(fresh, running=2, waiting=0)
        return together, await asyncio.gather(*runaways)

    together, runaways = asyncio.run(scenario())
    assert together
    assert [r.json()["error"] for r in runaways] == ["query timeout", "query timeout"]


def test_a_client_arriving_while_one_holds_both_workers_is_served_and_the_last_is_kept_again(fresh: str) -> None:
    """The newcomer waits for one of the lone client's queries to end (the price of using the idle worker); once it
    has been seen, the lone client's next two run one at a time, the last worker kept for the newcomer. (That its
    query then starts at once is the test below; here the workers the runaways' time limit killed may still be
    starting again.)"""

    async def scenario() -> tuple[bool, httpx.Response, bool, httpx.Response]:
        runaways = [asyncio.create_task(ask(fresh, SLOW, "127.0.8.1")) for _ in range(2)]
        alone = await until_in(fresh, running=2, waiting=0)
        newcomer = await ask(fresh, QUICK, "127.0.8.2")
        await asyncio.gather(*runaways)
        again = [asyncio.create_task(ask(fresh, SLOW, "127.0.8.1")) for _ in range(2)]
        kept = await until_in(fresh, running=1, waiting=1)  # the newcomer was here lately: one at a time
        back = await ask(fresh, QUICK, "127.0.8.2")
        await asyncio.gather(*again)
        return alone, newcomer, kept, back

    alone, newcomer, kept, back = asyncio.run(scenario())
    assert alone and kept
    assert newcomer.status_code == 200 and newcomer.json()["boolean"] is True
    assert back.status_code == 200 and back.json()["boolean"] is True


def test_a_queue_full_of_one_clients_queries_lets_in_the_client_the_kept_worker_is_for(fresh: str) -> None:
    """The queue's limit is for requests that wait: the other client's query does not, so it is let in."""

    async def scenario() -> tuple[httpx.Response, int, list[httpx.Response]]:
        assert (await ask(fresh, QUICK, "127.0.9.2")).status_code == 200  # another client is about
        runaways = [asyncio.create_task(ask(fresh, SLOW, "127.0.9.1")) for _ in range(3)]
        assert await until_in(fresh, running=1, waiting=2)  # one runs, the queue (1) is over full
        other = await ask(fresh, QUICK, "127.0.9.2")
        still_in = sum(not task.done() for task in runaways)
        return other, still_in, await asyncio.gather(*runaways)

    other, still_in, runaways = asyncio.run(scenario())
    assert other.status_code == 200 and other.json()["boolean"] is True
    assert still_in == 3


def test_a_client_holding_its_limit_of_runaways_leaves_a_worker_for_another(plain: str) -> None:
    async def scenario() -> tuple[httpx.Response, int, list[httpx.Response]]:
        assert (await ask(plain, QUICK, "127.0.6.2")).status_code == 200  # another client is about
        runaways = [asyncio.create_task(ask(plain, SLOW, "127.0.6.1")) for _ in range(2)]
        assert await until_in(plain, running=1, waiting=1)  # its second waits: the last worker is kept
        other = await ask(plain, QUICK, "127.0.6.2")
        still_in = sum(not task.done() for task in runaways)
        return other, still_in, await asyncio.gather(*runaways)

    other, still_in, runaways = asyncio.run(scenario())
    assert other.status_code == 200 and other.json()["boolean"] is True
    assert still_in == 2  # answered before either runaway ended, not after the first reached the time limit
    assert [r.json()["error"] for r in runaways] == ["query timeout", "query timeout"]  # its own both ran


def test_x_forwarded_for_is_not_believed_unless_configured(plain: str, assert_error) -> None:
    """Every request comes from 127.0.0.1; the forwarded addresses are lies the server must not believe."""

    async def scenario() -> tuple[httpx.Response, list[httpx.Response]]:
        runaways = [asyncio.create_task(ask(plain, SLOW, forwarded=f"10.0.0.{i}")) for i in (1, 2)]
        assert await until_in(plain, running=None, waiting=None, both=2)  # one client (127.0.0.1): its limit is in
        third = await ask(plain, QUICK, forwarded="10.0.0.3")
        return third, await asyncio.gather(*runaways)

    third, _ = asyncio.run(scenario())
    body = assert_error(third, 429)
    assert "QIKG_QUERY_PER_CLIENT" in body["detail"]


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(proxied: str, assert_error) -> None:
    """The walk's repro: runaways from one forwarded client, then a trivial query from another."""

    async def scenario() -> tuple[httpx.Response, httpx.Response, int, list[httpx.Response]]:
        assert (await ask(proxied, QUICK, forwarded="10.0.0.2")).status_code == 200  # another client is about
        runaways = [asyncio.create_task(ask(proxied, SLOW, forwarded="10.0.0.1")) for _ in range(2)]
        assert await until_in(proxied, running=1, waiting=1)
        over = await ask(proxied, QUICK, forwarded="10.0.0.1")  # the same client, over its limit
        other = await ask(proxied, QUICK, forwarded="10.0.0.2")
        still_in = sum(not task.done() for task in runaways)
        return over, other, still_in, await asyncio.gather(*runaways)

    over, other, still_in, _ = asyncio.run(scenario())
    assert_error(over, 429)
    assert other.status_code == 200 and other.json()["boolean"] is True
    assert still_in == 2
