"""The chat's questions and their answers."""

from __future__ import annotations

import pytest
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


@pytest.mark.parametrize(
    "path",
    ["/api/questions/2", "/api/questions", "/api/quotes", "/api/search?q=genba"],
)
@pytest.mark.parametrize("chat", ["abc", ""])
def test_an_unknown_chat_is_named_as_the_fault_with_the_chats_listed(
    fixture_client: TestClient, assert_error, path: str, chat: str
) -> None:
    """Not "unknown question" (nor an empty list) when the question exists and the chat does not."""
    chats = [c["id"] for c in fixture_client.get("/api/stats").json()["chats"]]
    assert chats
    sep = "&" if "?" in path else "?"
    body = assert_error(fixture_client.get(f"{path}{sep}chat={chat}"), 404)
    assert body["error"] == "unknown chat" and body["parameter"] == "chat"
    assert f"no chat {chat!r}" in body["detail"] and all(c in body["detail"] for c in chats)
    assert body["suggestions"] == chats


def test_a_known_chat_still_filters(fixture_client: TestClient) -> None:
    chat = fixture_client.get("/api/questions").json()["items"][0]["chat"]
    assert fixture_client.get("/api/questions/2", params={"chat": chat}).status_code == 200
    assert fixture_client.get("/api/questions", params={"chat": chat}).json()["total"] >= 1
