"""Ranked search across labels, titles and texts."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_a_title_ranks_its_resource_first(client: TestClient) -> None:
    resources = client.get("/api/resources", params={"limit": 500}).json()["items"]
    resource = next(r for r in resources if r["title"] and len(r["title"].split()) >= 3)
    hits = client.get("/api/search", params={"q": resource["title"]}).json()["items"]
    assert hits[0]["kind"] == "resource" and hits[0]["id"] == resource["id"]
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)


def test_search_finds_quotes_themes_and_people(fixture_client: TestClient) -> None:
    kinds = {h["kind"] for h in fixture_client.get("/api/search", params={"q": "genba"}).json()["items"]}
    assert {"theme", "quote", "resource"} <= kinds
    people = fixture_client.get("/api/search", params={"q": "dana tester", "kind": "participant"}).json()
    assert people["items"][0]["id"] == "DrTester"


def test_search_needs_words(client: TestClient, assert_error) -> None:
    assert_error(client.get("/api/search", params={"q": "?!"}), 400)
    assert_error(client.get("/api/search"), 422)


def test_gemba_finds_what_people_said_about_going_to_see(client: TestClient) -> None:
    answer = client.get("/api/search", params={"q": "gemba", "kind": "quote", "limit": 100}).json()
    assert "go and see" in answer["expanded"]["gemba"]
    texts = [h["text"].casefold() for h in answer["items"]]
    assert texts and any("go and see" in t or "genba" in t for t in texts)
    assert all("«" in h["snippet"] for h in answer["items"])


def test_improve_finds_improvement_and_a_phrase_finds_only_the_phrase(client: TestClient) -> None:
    improve = client.get("/api/search", params={"q": "improve", "kind": "quote", "limit": 500}).json()["items"]
    assert any("improvement" in h["text"].casefold() and "improve " not in h["text"].casefold() for h in improve)
    phrase = client.get("/api/search", params={"q": '"psychological safety"', "limit": 500}).json()["items"]
    assert phrase and all("psychological safety" in h["text"].casefold() for h in phrase)


def test_filters_by_author_question_theme_and_kind(client: TestClient) -> None:
    mine = client.get("/api/search", params={"q": "leaders", "author": "DRNICOLABURGESS", "limit": 500}).json()
    assert mine["total"] > 0 and {h["author"] for h in mine["items"]} == {"DrNicolaBurgess"}
    q5 = client.get("/api/search", params={"q": "strategy", "question": "Q5", "kind": "quote", "limit": 500}).json()
    answers = {q["id"] for q in client.get("/api/quotes", params={"question": "5", "limit": 500}).json()["items"]}
    assert q5["total"] > 0 and {h["id"] for h in q5["items"]} <= answers
    tagged = client.get("/api/search", params={"q": "leaders", "theme": "golden thread", "limit": 500}).json()
    themed = {
        q["id"] for q in client.get("/api/quotes", params={"theme": "golden-thread", "limit": 500}).json()["items"]
    }
    quotes = [h for h in tagged["items"] if h["kind"] == "quote"]
    assert quotes and {h["id"] for h in quotes} <= themed


def test_snippets_in_html_escape_the_words_and_mark_the_match(fixture_client: TestClient) -> None:
    hits = fixture_client.get("/api/search", params={"q": "script", "limit": 50}).json()["items"]
    for hit in hits:
        assert "<script" not in hit["snippet_html"]
        assert "<mark>" in hit["snippet_html"]


def test_odd_filters_are_clear_errors_not_faults(client: TestClient, assert_error) -> None:
    for question in ("²", "٣x", "Q99", "nope"):
        assert_error(client.get("/api/search", params={"q": "leaders", "question": question}), 404)
    assert_error(client.get("/api/search", params={"q": "leaders", "chat": "1999-01-01"}), 404)
    assert_error(client.get("/api/search", params={"q": "leaders", "author": "nobody_at_all_xyz"}), 404)


def test_a_query_in_search_syntax_is_just_words(client: TestClient) -> None:
    for q in ["NEAR(golden thread)", "label:genba", '"unclosed', "genba AND", 'thread"*"', "-genba"]:
        response = client.get("/api/search", params={"q": q})
        assert response.status_code == 200, (q, response.text[:200])


def test_every_back_end_gives_the_same_search_answers(fixture_dir, app_settings) -> None:
    from api.main import create_app

    answers = []
    for backend in ("oxigraph", "remote"):
        with TestClient(create_app(app_settings(fixture_dir, backend, f"search-{backend}"))) as app:
            answers.append(
                [
                    app.get("/api/search", params={"q": q, "limit": 500}).json()
                    for q in ("genba", "huddle", "improve", '"go and see"', "coach*")
                ]
            )
    assert answers[0] == answers[1]
