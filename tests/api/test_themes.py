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
        for needle in [theme["id"], theme["label"].upper(), *[a.swapcase() for a in theme["alt_labels"]],
                       *theme["hidden_labels"]]:
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
