"""Does GET /graph serve the view? The route alone, on a tiny app with a stand-in graph service."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from rdflib import Dataset

from api import errors, security
from api.routes.graph import router
from api.way_back import WAY_BACK
from visualizations.render import write_graph_html


def client_for(data_dir: Path) -> TestClient:
    app = FastAPI()
    errors.install(app)
    security.install(app)
    app.include_router(router)
    app.state.service = SimpleNamespace(settings=SimpleNamespace(data_dir=data_dir))
    return TestClient(app)


@pytest.fixture
def built(mini: Dataset, tmp_path: Path) -> Path:
    mini.serialize(tmp_path / "qikg.trig", format="trig")
    write_graph_html(mini, tmp_path / "graph.html")
    return tmp_path


def test_the_built_page_is_served_with_a_strict_content_security_policy(built: Path) -> None:
    response = client_for(built).get("/graph")
    assert response.status_code == 200
    # the built file as it is, with the way back to the site (api/way_back.py) that serving adds, and nothing else
    assert response.text.replace(WAY_BACK, "", 1) == (built / "graph.html").read_text(encoding="utf-8")
    assert response.text.count(WAY_BACK) == 1
    assert response.headers["content-type"].startswith("text/html")
    assert "connect-src 'none'" in response.headers["content-security-policy"]


def test_overview_is_a_valid_mode_and_anything_else_is_a_clear_422(built: Path) -> None:
    client = client_for(built)
    assert client.get("/graph", params={"mode": "overview"}).status_code == 200
    bad = client.get("/graph", params={"mode": "<script>"})
    assert bad.status_code == 422
    assert bad.json()["error"] == "invalid request"


def test_without_a_built_page_the_graph_is_rendered_from_the_trig(built: Path) -> None:
    (built / "graph.html").unlink()
    response = client_for(built).get("/graph")
    assert response.status_code == 200
    assert 'id="qikg-data"' in response.text and "participant/alice_qi" in response.text


def test_a_page_older_than_the_graph_is_not_served(built: Path) -> None:
    page = built / "graph.html"
    page.write_text("stale", encoding="utf-8")
    os.utime(page, (1, 1))
    assert client_for(built).get("/graph").text != "stale"


def test_nothing_built_is_a_503_json_error(tmp_path: Path) -> None:
    response = client_for(tmp_path).get("/graph")
    assert response.status_code == 503
    assert response.json()["error"] == "no graph"
