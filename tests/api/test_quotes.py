"""Quotes filtered by theme, question, author and words."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_filters_narrow_the_list(client: TestClient) -> None:
    everything = client.get("/api/quotes", params={"limit": 500}).json()
    assert everything["total"] > 0
    quote = next(q for q in everything["items"] if q["author"] and q["question_number"])
    by_author = client.get("/api/quotes", params={"author": quote["author"].upper(), "limit": 500}).json()
    assert by_author["items"] and all(q["author"] == quote["author"] for q in by_author["items"])
    by_question = client.get("/api/quotes", params={"question": quote["question_number"], "limit": 500}).json()
    assert quote["id"] in [q["id"] for q in by_question["items"]]
    word = max(quote["text"].split(), key=len).strip(".,!?\"'()")
    by_words = client.get("/api/quotes", params={"q": word.lower(), "limit": 500}).json()
    assert quote["id"] in [q["id"] for q in by_words["items"]]


def test_theme_filter_includes_narrower_themes(fixture_client: TestClient) -> None:
    wide = fixture_client.get("/api/quotes", params={"theme": "leaders-show-the-way"}).json()
    assert {q["id"] for q in wide["items"]} == {"2022-10-19/1", "2022-10-19/2"}
    narrow = fixture_client.get(
        "/api/quotes", params={"theme": "leaders-show-the-way", "include_narrower": False}
    ).json()
    assert narrow["total"] == 0


def test_unknown_author_is_404(client: TestClient, assert_error) -> None:
    assert_error(client.get("/api/quotes", params={"author": "nobody_by_this_name_123"}), 404)
