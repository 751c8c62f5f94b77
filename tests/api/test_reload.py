"""A build made while `qikg serve` serves the same folder: no request fails, and the server moves to the new build."""

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

from tests.kg.smallchats import CHAT_B_GRAPH, ROOT, make_world, qikg

pytestmark = pytest.mark.server

ASK_B = f"ASK {{ GRAPH <{CHAT_B_GRAPH}> {{ ?s ?p ?o }} }}"
THEMES = "SELECT ?t WHERE { ?t a <https://w3id.org/qikg/ontology#Theme> } LIMIT 5"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Traffic:
    """Requests in a loop from a thread: /sparql, /health and /api/..., every answer that is not a 200 kept."""

    def __init__(self, url: str, secret: str) -> None:
        self.url, self.secret = url, secret
        self.failures: list[str] = []
        self.count = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as http:
            while not self._stop.is_set():
                for path, params in (
                    ("/sparql", {"query": THEMES}),
                    ("/health", None),
                    ("/api/stats", None),
                    ("/api/themes", {"flat": True}),
                    ("/sparql", {"query": ASK_B}),
                ):
                    try:
                        response = http.get(path, params=params, headers={"Accept": "application/json"})
                    except httpx.HTTPError as error:
                        self.failures.append(f"{path}: {error!r}")
                        continue
                    self.count += 1
                    if response.status_code != 200 or self.secret in response.text:
                        self.failures.append(f"{path}: {response.status_code} {response.text[:300]}")

    def __enter__(self) -> Traffic:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(60)


@pytest.fixture()
def served(tmp_path: Path) -> Iterator[tuple[str, Path, Path, Path]]:
    """`qikg serve --data OUT` (a real uvicorn) on a build of chat A; the registry and chat B's file beside it."""
    registry, out, chat_b = make_world(tmp_path)
    port = free_port()
    env = {**os.environ, "QIKG_REGISTRY": str(registry), "QIKG_QUERY_TIMEOUT": "20"}
    env.pop("QIKG_STORE_DIR", None)  # the store lives in the served folder, as it does by default
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "serve", "--data", str(out), "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"the server did not start: {(tmp_path / 'server.log').read_text()}")
        yield url, registry, out, chat_b
    finally:
        process.terminate()
        process.wait(30)
        log.close()


def _ask(url: str, query: str) -> bool:
    response = httpx.get(f"{url}/sparql", params={"query": query}, headers={"Accept": "application/json"}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["boolean"]


def _wait_for(condition, what: str, seconds: float = 180) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"the server never {what}"
        time.sleep(0.3)


def test_building_the_served_folder_drops_no_request_and_the_server_moves_to_the_new_build(served) -> None:
    url, registry, out, chat_b = served
    before = httpx.get(f"{url}/api/stats").json()
    assert CHAT_B_GRAPH not in before["named_graphs"] and not _ask(url, ASK_B)
    secret = str(out.parent)  # no answer may name a local path
    with Traffic(url, secret) as traffic:
        seen = traffic.count
        qikg("build", "--registry", str(registry), "--out", str(out), "--no-reason")  # same inputs, a new build
        during_build = traffic.count - seen
        seen = traffic.count
        qikg("add", str(chat_b), "--registry", str(registry), "--out", str(out), "--no-reason")
        during_add = traffic.count - seen
        _wait_for(lambda: _ask(url, ASK_B), "answered from the new build")
        _wait_for(
            lambda: CHAT_B_GRAPH in httpx.get(f"{url}/api/stats").json()["named_graphs"],
            "moved its API to the new build",
        )
        time.sleep(1)  # a little traffic on the new build, too
    assert traffic.failures == []
    assert during_build > 0 and during_add > 0, "the requests ran while the builds did"
    after = httpx.get(f"{url}/api/stats").json()
    assert after["counts"]["questions"] > before["counts"]["questions"]  # chat B's own questions
    assert after["triples"] > before["triples"]
    assert sorted(p.name for p in (out / "store").iterdir() if p.name.startswith("gen-")), "the store stays"
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".out.")] == []
