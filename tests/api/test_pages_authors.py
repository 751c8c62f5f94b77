"""Who wrote what, on the pages people read: a resource's authors link to the person's or organisation's page when
the graph ties the printed name to one (dcterms:creator), that page lists what they wrote or made (and the chat
report they wrote), and a resource the report gives no title is called by its label, never its id.
Expectations are read from the graph through /sparql, so they hold for any build."""

from __future__ import annotations

import re
from collections import defaultdict

from fastapi.testclient import TestClient

from tests.api.test_pages import BROWSER, main_part

CREATORS = """
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX qi: <https://w3id.org/qikg/ontology#>
SELECT ?thing ?agent WHERE { ?thing dcterms:creator ?agent }
"""


def sparql(client: TestClient, query: str) -> list[dict]:
    answer = client.get("/sparql", params={"query": query}, headers={"accept": "application/sparql-results+json"})
    assert answer.status_code == 200, answer.text
    return [{k: v["value"] for k, v in row.items()} for row in answer.json()["results"]["bindings"]]


def every(client: TestClient, path: str) -> list[dict]:
    """Every item of a paged list, page by page."""
    items: list[dict] = []
    while True:
        page = client.get(path, params={"limit": 100, "offset": len(items)}).json()
        items += page["items"]
        if not page["items"] or len(items) >= page["total"]:
            return items


def pages_by_iri(client: TestClient) -> dict[str, str]:
    return {
        item["iri"]: item["url"]
        for kind in ("participants", "organisations", "resources")
        for item in every(client, f"/api/{kind}")
    }


def authors_cell(page: str) -> str:
    found = re.search(r"<dt>Authors?</dt><dd>(.*?)</dd>", main_part(page), re.S)
    return found.group(1) if found else ""


def test_a_resources_author_links_to_their_page_when_the_graph_knows_them(client: TestClient) -> None:
    pages = pages_by_iri(client)
    by_resource: dict[str, set[str]] = defaultdict(set)
    for row in sparql(client, CREATORS):
        by_resource[row["thing"]].add(row["agent"])
    checked = linked = 0
    for resource in every(client, "/api/resources"):
        if not resource["creators"]:
            continue
        cell = authors_cell(client.get(resource["url"], headers=BROWSER).text)
        for name in resource["creators"]:
            assert name.replace("'", "&#39;") in cell, (resource["id"], name)
        links = set(re.findall(r'<a href="([^"]+)"', cell))
        known = {pages[a] for a in by_resource[resource["iri"]] if a in pages}
        assert links == known, resource["id"]  # a link for every author the graph ties to a page, and no other
        checked += 1
        linked += len(links)
    assert checked and linked  # the seed has creators, and some of them are people of the chats


def test_a_persons_page_lists_what_they_wrote(client: TestClient) -> None:
    pages = pages_by_iri(client)
    seen = 0
    for row in sparql(client, CREATORS):
        agent, thing = row["agent"], row["thing"]
        if agent not in pages or "/resource/" in pages[agent]:
            continue
        page = main_part(client.get(pages[agent], headers=BROWSER, follow_redirects=True).text)
        assert 'id="wrote"' in page, agent
        wrote = page.split('id="wrote"', 1)[1].split("</section>", 1)[0]
        if thing in pages:
            assert f'href="{pages[thing]}"' in wrote, (agent, thing)
        else:  # the chat's report itself
            assert 'href="/report/' in wrote, (agent, thing)
        seen += 1
    assert seen


def test_an_untitled_resource_is_called_by_its_label_not_its_id(client: TestClient) -> None:
    for resource in every(client, "/api/resources"):
        if resource["title"] or not resource["label"]:
            continue
        page = client.get(resource["url"], headers=BROWSER).text
        heading = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)
        assert heading and resource["id"] not in heading.group(1), resource["id"]
        found = client.get("/api/search", params={"q": resource["label"].split()[0]}).json()["items"]
        assert any(hit["id"] == resource["id"] for hit in found) or len(found) >= 50, resource["id"]
