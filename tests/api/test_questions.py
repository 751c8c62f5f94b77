"""The chat's questions and their answers."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_each_question_lists_its_answers(client: TestClient) -> None:
    questions = client.get("/api/questions").json()["items"]
    assert questions
    for question in questions:
        body = client.get(f"/api/questions/{question['number']}", params={"chat": question["chat"]}).json()
        assert body["answers"]["total"] == question["answers"]


def test_a_question_without_text_still_has_a_page(fixture_client: TestClient) -> None:
    body = fixture_client.get("/api/questions/3").json()
    assert body["text"] is None and body["answers"]["total"] == 0


def test_an_unknown_question_is_404_and_a_bad_number_422(client: TestClient, assert_error) -> None:
    assert_error(client.get("/api/questions/999"), 404)
    assert_error(client.get("/api/questions/zero"), 422)
    assert_error(client.get("/api/questions/0"), 422)
