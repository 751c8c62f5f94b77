"""With two query workers: are both started by the warm-up, does one warm worker answer queries that come one after
another (the other stays asleep), and does an answer the worker wrote itself come back with the form and the very
text the policy judged, whatever characters the query holds?"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from kg.sparql.formats import JSON, Encoded
from kg.sparql.policy import canonical_text
from kg.sparql.sandbox import QuerySandbox
from kg.store.base import QueryTimeout
from tests.kg.sparql.conftest import sandbox_over

EX = "http://example.org/"
TRIG = f"<{EX}g> {{ <{EX}a> <{EX}says> 'café ☃ \\u00e9t\\u00e9' . <{EX}b> <{EX}says> 'plain' . }}\n"
QUERY = f"SELECT ?s ?o WHERE {{ ?s <{EX}says> ?o }} ORDER BY ?s"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory):
    with sandbox_over(tmp_path_factory.mktemp("sandbox-two"), TRIG, workers=2) as box:
        box.warm().join(120)
        yield box


def _cpu_ns(pid: int) -> int:
    """The process's CPU time so far (the scheduler's counter of its main thread, where the worker runs queries)."""
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])


def _ask(box: QuerySandbox, query: str) -> tuple[object, Encoded]:
    async def go() -> tuple[object, Encoded]:
        return await box.run_async(
            query,
            client="test",
            timeout=20.0,
            row_limit=100,
            allowed_graphs=[EX + "g"],
            encode=lambda checked, result: (checked, result),
            wanted={"SELECT": JSON},
        )

    return asyncio.run(go())


def test_the_warm_up_starts_both_workers(sandbox: QuerySandbox) -> None:
    pids = {worker.process.pid for worker in sandbox._all if worker.process is not None and worker.process.is_alive()}
    assert len(pids) == 2


def test_queries_one_after_another_are_answered_by_one_warm_worker(sandbox: QuerySandbox) -> None:
    _ask(sandbox, QUERY)
    pids = [worker.process.pid for worker in sandbox._all if worker.process is not None]
    before = {pid: _cpu_ns(pid) for pid in pids}
    for _ in range(30):
        _ask(sandbox, QUERY)
    spent = sorted(_cpu_ns(pid) - before[pid] for pid in pids)
    assert spent[1] > 0  # one of them answered 30 queries
    assert spent[0] < spent[1] / 10  # the other slept through them (no query of its own)


def test_an_answer_comes_back_with_its_form_and_the_judged_text(sandbox: QuerySandbox) -> None:
    query = QUERY.replace("?o }", "?o } # caf\\u00e9, ☃, a tab\there\r\n")  # an escape, CRLF: the text is canonicalised
    checked, answer = _ask(sandbox, query)
    assert checked.form == "SELECT"
    assert checked.text == canonical_text(query) != query
    assert isinstance(answer, Encoded) and answer.media == JSON
    rows = json.loads(answer.body)["results"]["bindings"]
    assert [row["o"]["value"] for row in rows] == ["café ☃ été", "plain"]


def test_after_a_time_out_the_next_query_goes_to_the_live_worker_not_a_restarted_one(tmp_path: Path) -> None:
    """The worker a time-out stopped is put back on top of the idle stack; the next query must still go to the worker
    that is up, not wait while the stopped one is started again."""
    trig = f"<{EX}g> {{\n" + "".join(f"<{EX}s{i}> <{EX}p> {i} .\n" for i in range(300)) + "}\n"
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
    fast = f"SELECT ?s WHERE {{ ?s <{EX}p> 3 }}"
    with sandbox_over(tmp_path, trig, workers=2) as box:
        box.warm().join(120)

        async def ask(query: str, timeout: float) -> object:
            return await box.run_async(
                query,
                client="test",
                timeout=timeout,
                row_limit=100,
                allowed_graphs=[EX + "g"],
                encode=lambda checked, result: result,
                wanted={"SELECT": JSON},
            )

        async def go() -> tuple[set[int], set[int]]:
            await ask(fast, 20.0)
            up = {w.process.pid for w in box._all if w.process is not None and w.process.is_alive()}
            with pytest.raises(QueryTimeout):
                await ask(slow, 1.0)
            await ask(fast, 20.0)
            return up, {w.process.pid for w in box._all if w.process is not None and w.process.is_alive()}

        up, after = asyncio.run(go())
        assert len(up) == 2
        assert after < up, "the next query restarted the stopped worker instead of using the live one"
