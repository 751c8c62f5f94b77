"""A query sent from the event loop (`run_async`) to a worker that is up: is its reply read whole however large, in
the same bytes as a blocking `run` gets; does a runaway query end in a timeout and a killed worker in a clear
failure, with the next query answered either way; and are the turns given back every time?"""

from __future__ import annotations

import asyncio
import json
import os
import signal

import pytest

from kg.sparql.formats import JSON, Encoded
from kg.sparql.sandbox import QuerySandbox, WorkerFailed
from kg.store import QueryTimeout
from tests.kg.sparql.conftest import sandbox_over

EX = "http://example.org/"
ROWS = 3_000
LONG = "x" * 1_000  # each row ~1 KB: the answer is ~3 MB, many reads of the pipe
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory):
    lines = [f"<{EX}s{i}> <{EX}p> '{LONG}{i}' ." for i in range(ROWS)]
    with sandbox_over(tmp_path_factory.mktemp("sandbox-loop"), f"<{EX}g> {{\n" + "\n".join(lines) + "\n}\n") as box:
        yield box


def _ask(box: QuerySandbox, query: str, timeout: float = 20.0) -> Encoded:
    async def go() -> Encoded:
        return await box.run_async(
            query,
            client="test",
            timeout=timeout,
            row_limit=10 * ROWS,
            allowed_graphs=[EX + "g"],
            encode=lambda checked, result: result,
            wanted={"SELECT": JSON},
        )

    result = asyncio.run(go())
    assert isinstance(result, Encoded)
    return result


def test_a_large_answer_arrives_whole_and_as_the_blocking_run_reads_it(sandbox: QuerySandbox) -> None:
    query = "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s"
    _, blocking = sandbox.run(
        query, timeout=20, row_limit=10 * ROWS, allowed_graphs=[EX + "g"], wanted={"SELECT": JSON}
    )
    assert isinstance(blocking, Encoded) and len(blocking.body) > 3_000_000
    for _ in range(2):  # the second on a worker that is up: straight from the loop
        on_loop = _ask(sandbox, query)
        assert on_loop.body == blocking.body
    assert len(json.loads(on_loop.body)["results"]["bindings"]) == ROWS
    assert sandbox.load()["running"] == 0  # the turn was given back


def test_a_runaway_query_times_out_and_the_next_one_is_answered(sandbox: QuerySandbox) -> None:
    _ask(sandbox, "SELECT * WHERE { ?s ?p ?o } LIMIT 1")  # the worker is up
    with pytest.raises(QueryTimeout, match="longer than the limit of 1 s"):
        _ask(sandbox, RUNAWAY, timeout=1.0)
    assert json.loads(_ask(sandbox, "SELECT * WHERE { ?s ?p ?o } LIMIT 1").body)["results"]["bindings"]
    assert sandbox.load()["running"] == 0


def test_a_worker_killed_mid_query_is_a_clear_failure_and_is_replaced(sandbox: QuerySandbox) -> None:
    _ask(sandbox, "SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    worker = sandbox._all[0]
    assert worker.process is not None and worker.process.pid is not None
    pid = worker.process.pid

    async def kill_while_it_runs() -> None:
        loop = asyncio.get_running_loop()
        loop.call_later(0.5, os.kill, pid, signal.SIGKILL)
        await sandbox.run_async(
            RUNAWAY,
            client="test",
            timeout=30.0,
            row_limit=10,
            allowed_graphs=[EX + "g"],
            encode=lambda checked, result: result,
            wanted={"SELECT": JSON},
        )

    with pytest.raises(WorkerFailed, match="ended while running the query"):
        asyncio.run(kill_while_it_runs())
    assert json.loads(_ask(sandbox, "SELECT * WHERE { ?s ?p ?o } LIMIT 1").body)["results"]["bindings"]
    assert sandbox._all[0].process is not None and sandbox._all[0].process.pid != pid
    assert sandbox.load()["running"] == 0
