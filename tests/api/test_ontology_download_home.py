"""The ontology, the dumps, the landing page and /health."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from rdflib import OWL, RDF, Graph


def test_ontology_as_turtle(client: TestClient) -> None:
    response = client.get("/ontology", headers={"accept": "text/turtle"})
    graph = Graph().parse(data=response.text, format="turtle")
    assert any(graph.subjects(RDF.type, OWL.Class))


def test_ontology_html_when_built(client: TestClient, graph_dir) -> None:
    response = client.get("/ontology", headers={"accept": "text/html"})
    if (graph_dir / "ontology.html").exists():
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    else:
        assert response.status_code == 404 and response.json()["error"] == "not built"


def test_downloads_are_listed_and_served(client: TestClient, assert_error) -> None:
    listing = client.get("/download").json()["items"]
    assert "qikg.trig" in [d["name"] for d in listing]
    for dump in listing:
        response = client.get(dump["url"])
        assert response.status_code == 200 and len(response.content) == dump["bytes"]
    assert_error(client.get("/download/secrets.txt"), 404)
    assert_error(client.get("/download/..%2F..%2Fpyproject.toml"), 404)


def test_health_is_cheap_and_counts_triples(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["triples"] > 0


def test_the_landing_page_links_to_everything_and_loads_nothing_from_elsewhere(client: TestClient) -> None:
    page = client.get("/").text
    for link in ("/sparql", "/api/themes", "/ontology", "/docs", "/download", "/api/stats", "/api/resources?theme="):
        assert f'href="{link}' in page
    assert 'src="http' not in page and 'href="http' not in page.replace('href="http://127', "")


def test_the_landing_page_lists_the_network_view(client: TestClient) -> None:
    assert '<li><a href="/graph">Interactive network view</a></li>' in client.get("/").text


def test_the_manifest_download_names_no_absolute_path_of_this_machine(tmp_path, app_settings) -> None:
    """A build whose registry and sources live outside the repository: the manifest it serves says only their names."""
    import json
    import shutil

    from api.main import create_app

    folder = tmp_path / "build"
    folder.mkdir()
    shutil.copy(Path(__file__).parent / "fixtures" / "mini.trig", folder / "qikg.trig")
    secret = tmp_path / "private" / "place"
    manifest = {
        "registry": str(secret / "registry.yaml"),
        "sources": [str(secret / "chat.yaml"), "kg/sources/a.txt"],
        "inputs": {str(secret / "registry.yaml"): "ab"},
        "warnings": [f"{secret}/chat.yaml:3: odd"],
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with TestClient(create_app(app_settings(folder, "oxigraph", "manifest"))) as client:
        served = client.get("/download/manifest.json")
        listed = {d["name"]: d["bytes"] for d in client.get("/download").json()["items"]}
    assert served.status_code == 200 and str(tmp_path) not in served.text
    assert served.json()["sources"] == ["chat.yaml", "kg/sources/a.txt"]
    assert served.json()["warnings"] == ["chat.yaml:3: odd"] and listed["manifest.json"] == len(served.content)
