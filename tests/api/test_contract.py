"""Does the server keep the contract its OpenAPI schema states? schemathesis, every check, on a real uvicorn server;
then the parts of the contract a generator does not reach (OPTIONS, bad UTF-8, a crashed worker, ...).

Every phase (examples, coverage, fuzzing, stateful), positive and negative data, all checks: no 5xx, every status
and body as documented (errors included), schema-valid requests accepted and invalid ones refused, 405 with a
truthful Allow for an undeclared method, OPTIONS naming exactly the declared methods. Bounded in examples so it
runs in CI in well under a minute; QIKG_SCHEMATHESIS_EXAMPLES and QIKG_SCHEMATHESIS_SEED widen or vary it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import jsonschema_rs  # schemathesis' own validator
import psutil
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from kg.settings import Settings

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"

CONFIG = Path(__file__).parent / "schemathesis.toml"


@pytest.mark.server
def test_schemathesis_with_every_check_finds_nothing(server_url: str, tmp_path: Path) -> None:
    cli = Path(sys.executable).parent / "schemathesis"
    command = [
        str(cli),
        "--no-color",
        "--config-file",
        str(CONFIG),
        "run",
        f"{server_url}/openapi.json",
        "--checks",
        "all",
        "--workers",
        "1",
        "--request-timeout",
        "20",
        "--max-examples",
        os.environ.get("QIKG_SCHEMATHESIS_EXAMPLES", "25"),
        "--seed",
        os.environ.get("QIKG_SCHEMATHESIS_SEED", "20261201"),
        "--report-dir",
        str(tmp_path),
    ]
    run = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    output = run.stdout + run.stderr
    generated = re.search(r"(\d+) generated", output)
    print(output[-1500:])  # the summary: phases, case counts (shown with -s or on failure)
    assert run.returncode == 0, output[-20_000:]
    assert generated and int(generated.group(1)) > 500, "schemathesis generated too few cases to mean anything"


def test_options_names_every_method_a_path_allows(client: TestClient) -> None:
    for path, methods in (
        ("/sparql", "GET, HEAD, OPTIONS, POST"),
        ("/api/themes", "GET, HEAD, OPTIONS"),
        ("/static/style.css", "GET, HEAD, OPTIONS"),
    ):
        response = client.options(path)
        assert response.status_code == 204, path
        assert response.headers["allow"] == methods, path


def test_a_method_not_allowed_lists_the_allowed_ones(assert_error, client: TestClient) -> None:
    response = client.delete("/sparql")
    assert_error(response, 405)
    assert response.headers["allow"] == "GET, HEAD, OPTIONS, POST"


def test_a_validation_error_is_the_body_the_schema_declares(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    declared = schema["paths"]["/api/themes"]["get"]["responses"]["422"]["content"]["application/json"]["schema"]
    response = client.get("/api/themes", params={"limit": 0})
    assert response.status_code == 422
    jsonschema_rs.validate({**declared, "components": schema["components"]}, response.json())
    assert response.json()["detail"][0]["where"] == "query.limit"
    assert "HTTPValidationError" not in schema["components"]["schemas"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/search?q=%ff", None),
        ("GET", "/sparql?query=%C3%28", None),
        ("GET", "/api/themes/%ff", None),
        ("POST", "/sparql", b"query=%C3%28"),
    ],
    ids=["search q", "sparql query", "path", "sparql form"],
)
def test_percent_escapes_that_are_not_utf8_are_refused(
    assert_error, client: TestClient, method: str, path: str, body: bytes | None
) -> None:
    headers = {"content-type": "application/x-www-form-urlencoded"} if body else {}
    response = client.request(method, path, content=body, headers=headers)
    assert "not UTF-8" in assert_error(response, 400)["detail"]


@pytest.mark.parametrize("name", ["default-graph-uri", "named-graph-uri"])
def test_a_dataset_in_a_post_form_is_read_like_in_the_query_string(client: TestClient, name: str) -> None:
    form = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", name: "https://w3id.org/qikg/graph/ontology"}
    accept = {"accept": "application/json"}
    by_get = client.get("/sparql", params=form, headers=accept)
    by_post = client.post("/sparql", data=form, headers=accept)
    assert by_get.status_code == by_post.status_code == 200, by_post.text[:300]
    assert by_get.json() == by_post.json()


def test_a_crashed_query_worker_is_a_server_error_not_the_clients(fixture_dir: Path, tmp_path: Path) -> None:
    """The app's one query worker is killed while it runs a query: a 503 that says it is the server's fault."""
    settings = Settings(data_dir=fixture_dir, store_dir=tmp_path / "store", query_timeout=3.0, query_workers=1)
    with TestClient(create_app(settings)) as client:
        assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200  # the worker is up
        worker = psutil.Process(client.app.state.service.sandbox._all[0].process.pid)  # this app's one worker
        outcome: dict = {}
        thread = threading.Thread(
            target=lambda: outcome.update(response=client.get("/sparql", params={"query": RUNAWAY}))
        )
        thread.start()
        _wait_until_busy(worker)
        worker.kill()
        thread.join(30)
        response = outcome["response"]
        assert response.status_code == 503, response.text
        assert response.json()["error"] == "query failed" and "server" in response.json()["detail"]
        # a fresh worker takes the place of the dead one
        assert client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"] is True


def _wait_until_busy(worker: psutil.Process) -> None:
    start = worker.cpu_times().user
    deadline = time.monotonic() + 2.0  # inside the app's 3 s limit
    while time.monotonic() < deadline and worker.cpu_times().user < start + 0.05:
        time.sleep(0.02)


@pytest.mark.server
def test_a_store_out_of_reach_is_a_server_error_not_the_clients(fixture_dir: Path, tmp_path: Path) -> None:
    """The remote SPARQL server goes away after start-up: the API and /sparql answer 503, not a 4xx."""
    from kg.store.oxigraph_server import start_oxigraph, stop_oxigraph

    server = start_oxigraph(tmp_path / "oxigraph")
    settings = Settings(
        data_dir=fixture_dir,
        store_dir=tmp_path / "store",
        query_timeout=5.0,
        query_workers=1,
        store_backend="remote",
        remote_query_url=server.query_url,
        remote_gsp_url=f"{server.url}/store",
        remote_update_url=f"{server.url}/update",
    )
    try:
        with TestClient(create_app(settings)) as client:
            assert client.get("/api/participants/DrTester").status_code == 200
            stop_oxigraph(server)
            for path, params in (("/api/participants/DrTester", {}), ("/sparql", {"query": "ASK { ?s ?p ?o }"})):
                response = client.get(path, params=params)
                assert response.status_code == 503, (path, response.text)
                assert response.json()["error"] in {"store unavailable", "query failed"}
    finally:
        if server.process.poll() is None:
            stop_oxigraph(server)
