"""The theme API: the tree with counts, one theme by any of its labels, 404 with suggestions."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.testclient import TestClient


def all_themes(client: TestClient) -> list[dict]:
    return client.get("/api/themes", params={"flat": True, "limit": 500}).json()["items"]


def test_the_tree_starts_at_the_top_concepts_with_narrower_nested(client: TestClient) -> None:
    body = client.get("/api/themes").json()
    assert body["total"] == len(body["items"]) > 0
    for top in body["items"]:
        assert top["broader"] == []
        assert [c["id"] for c in top["children"]] == top["narrower"]
        assert top["counts"]["quotes_with_narrower"] >= top["counts"]["quotes"]


def test_every_theme_is_reachable_by_id_and_by_each_label_in_any_case(client: TestClient) -> None:
    for theme in all_themes(client)[:15]:
        for needle in [
            theme["id"],
            theme["label"].upper(),
            *[a.swapcase() for a in theme["alt_labels"]],
            *theme["hidden_labels"],
        ]:
            response = client.get(f"/api/themes/{quote(needle, safe='')}")
            assert response.status_code == 200, needle
            assert response.json()["id"] == theme["id"] or needle != theme["id"]


def test_one_theme_lists_its_quotes_questions_and_resources(client: TestClient) -> None:
    theme = max(all_themes(client), key=lambda t: t["counts"]["quotes_with_narrower"])
    body = client.get(f"/api/themes/{theme['id']}").json()
    assert body["quotes"]["total"] == theme["counts"]["quotes_with_narrower"]
    direct = client.get(f"/api/themes/{theme['id']}", params={"include_narrower": False}).json()
    assert direct["quotes"]["total"] == theme["counts"]["quotes"]


def test_an_unknown_theme_is_404_with_close_suggestions(client: TestClient, assert_error) -> None:
    theme = next(t for t in all_themes(client) if len(t["label"]) > 5 and t["label"].isascii())
    typo = theme["label"][:-1] + "x"
    body = assert_error(client.get(f"/api/themes/{quote(typo, safe='')}"), 404)
    assert theme["label"] in body["suggestions"] or theme["id"] in body["suggestions"]


def test_hidden_labels_find_a_theme_in_the_fixture(fixture_client: TestClient) -> None:
    assert fixture_client.get("/api/themes/GEMBA").json()["id"] == "genba"
    assert fixture_client.get("/api/themes/Go and See").json()["id"] == "genba"


def test_pagination_of_the_flat_list(client: TestClient) -> None:
    everything = all_themes(client)
    page = client.get("/api/themes", params={"flat": True, "limit": 2, "offset": 1}).json()
    assert page["total"] == len(everything) and page["limit"] == 2 and page["offset"] == 1
    assert [t["id"] for t in page["items"]] == [t["id"] for t in everything[1:3]]


# What the catalogue's tag index must agree with: each tagged item's kind worked out in SPARQL by class paths, as the
# catalogue once read it (slow at scale; the catalogue now reads types and classes apart and joins them in Python).
KINDS_BY_PATH = """
PREFIX qi: <https://w3id.org/qikg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?item ?theme ?kind WHERE {
  ?item qi:hasTheme ?theme .
  OPTIONAL { ?item a/rdfs:subClassOf* qi:Quote . BIND("quote" AS ?q) }
  OPTIONAL { ?item a/rdfs:subClassOf* qi:Resource . BIND("resource" AS ?r) }
  OPTIONAL { ?item a/rdfs:subClassOf* qi:Question . BIND("question" AS ?x) }
  BIND(COALESCE(?q, ?r, ?x, "other") AS ?kind)
}
"""


def test_theme_counts_file_each_tagged_item_under_its_kind_as_sparql_does(client: TestClient) -> None:
    service = client.app.state.service
    catalogue = service.catalogue()
    expected = {(str(r["item"]), str(r["theme"]), str(r["kind"])) for r in service.store.query(KINDS_BY_PATH).rows}
    got = {
        (item, theme, kind)
        for theme, kinds in catalogue.tagged.items()
        for kind, items in kinds.items()
        for item in items
    }
    assert got == expected
    assert {kind for _item, _theme, kind in got} >= {"quote", "question", "resource"}
