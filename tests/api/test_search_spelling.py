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


def test_searching_a_persons_name_leads_to_what_they_said(client: TestClient) -> None:
    """'What did Helen Bevan say?': the account found by name says how many quotes are theirs and links to them."""
    quotes, offset = [], 0
    while page := client.get("/api/quotes", params={"limit": 500, "offset": offset}).json()["items"]:
        quotes += page
        offset += 500
    said: dict[str, int] = {}
    for quote in quotes:
        if quote["author"]:
            said[quote["author"]] = said.get(quote["author"], 0) + 1
    checked = 0
    for handle, count in sorted(said.items(), key=lambda kv: (-kv[1], kv[0]))[:5]:
        person = client.get(f"/api/participants/{handle}").json()
        name = (person.get("display_names") or person.get("names") or [handle])[0]
        hits = client.get("/api/search", params={"q": name, "kind": "participant"}).json()["items"]
        hit = next(h for h in hits if h["id"] == handle)
        assert hit["quotes"] == count
        text = html.unescape(client.get("/search", params={"q": name}, headers={"accept": "text/html"}).text)
        noun = "quote" if count == 1 else "quotes"
        assert f'<a href="{hit["url"]}#said">what they said ({count} {noun})</a>' in text
        assert f"What they said ({count})" in client.get(hit["url"], headers={"accept": "text/html"}).text
        checked += 1
    assert checked == 5
