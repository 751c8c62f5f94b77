"""Counts and analytics figures."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_stats_agree_with_the_lists(client: TestClient) -> None:
    stats = client.get("/api/stats").json()
    assert stats["triples"] == client.get("/health").json()["triples"] > 0
    assert stats["counts"]["quotes"] == client.get("/api/quotes").json()["total"]
    assert stats["counts"]["resources"] == client.get("/api/resources").json()["total"]
    assert stats["named_graphs"]


def test_measurements_are_reported_as_stated(fixture_client: TestClient) -> None:
    figure = fixture_client.get("/api/stats").json()["measurements"][0]
    assert (figure["label"], figure["value"], figure["qualifier"], figure["unit"]) == (
        "Tweets",
        700,
        "more than",
        "tweets",
    )
