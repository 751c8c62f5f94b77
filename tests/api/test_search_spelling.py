"""A reader who misspells a word is told what they may have meant, on the page and in /api/search."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient


def _misspelt(word: str) -> str:
    """The word with a letter of its middle left out (how people mistype 'nemawashi' as 'nemawasi')."""
    middle = len(word) // 2
    return word[:middle] + word[middle + 1 :]


def test_every_thesaurus_word_mistyped_is_offered_back(client: TestClient) -> None:
    themes = client.get("/api/themes", params={"limit": 500}).json()["items"]
    words = sorted({w for t in themes for w in re.findall(r"[^\W\d_]{7,}", t["label"].casefold())})
    assert len(words) >= 10
    offered = 0
    for word in words:
        typo = _misspelt(word)
        answer = client.get("/api/search", params={"q": typo}).json()
        if answer["did_you_mean"] is None:  # the typo is itself a word the index matches (its stem is known)
            assert answer["total"] > 0, typo
            continue
        offered += 1
        assert client.get("/api/search", params={"q": answer["did_you_mean"]}).json()["total"] > 0
    assert offered >= len(words) // 2


def test_a_known_word_gets_no_suggestion(client: TestClient) -> None:
    for word in ("genba", "improve", "improvement", "golden thread", '"psychological safety"'):
        assert client.get("/api/search", params={"q": word}).json()["did_you_mean"] is None, word


def test_the_search_page_links_the_suggestion(client: TestClient) -> None:
    themes = client.get("/api/themes", params={"limit": 500}).json()["items"]
    word = next(w for t in themes for w in re.findall(r"[^\W\d_]{8,}", t["label"].casefold()))
    typo = _misspelt(word)
    meant = client.get("/api/search", params={"q": typo}).json()["did_you_mean"]
    assert meant
    page = html.unescape(client.get("/search", params={"q": typo}, headers={"accept": "text/html"}).text)
    assert f'Did you mean <a href="/search?q={meant}">{meant}</a>?' in page
