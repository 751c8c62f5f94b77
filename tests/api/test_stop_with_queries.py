"""Stopping the server (Ctrl+C, SIGTERM) while runaway queries run and others wait behind them: every /sparql
request is answered at once with a 503 saying the server is stopping, instead of the stop waiting for each query's
time limit in turn (walk finding B9). A real uvicorn server; no assertion about time: the answers say "stopping",
not the time limit's "query timeout" (the limit here is 60 s)."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import start_uvicorn

pytestmark = pytest.mark.server

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_answers_the_running_and_the_waiting_queries_at_once(
    fixture_dir: Path, tmp_path: Path, sig: signal.Signals
) -> None:
    process, url = start_uvicorn(fixture_dir, tmp_path / "store", query_timeout="60", query_workers="2")
    try:

        async def scenario() -> list[httpx.Response]:
            async with httpx.AsyncClient(timeout=120) as client:
                queries = [
                    asyncio.create_task(
                        client.post(f"{url}/sparql", data={"query": SLOW}, headers={"accept": "application/json"})
                    )
                    for _ in range(3)
                ]
                for _ in range(200):  # one client alone: both workers run, the third waits
                    load = (await client.get(f"{url}/health")).json()["sparql"]
                    if load["running"] == 2 and load["waiting"] == 1:
                        break
                    await asyncio.sleep(0.05)
                else:
                    raise AssertionError(f"the queries never all got in: {load}")
                process.send_signal(sig)
                return await asyncio.gather(*queries)

        answers = asyncio.run(scenario())
        assert process.wait(90) in (0, -sig)  # uvicorn ends by the signal it caught, once it has shut down
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    assert [a.status_code for a in answers] == [503, 503, 503]
    assert all("stopping" in a.json()["detail"] for a in answers), [a.json() for a in answers]
    assert not any(a.json()["error"] == "query timeout" for a in answers)
