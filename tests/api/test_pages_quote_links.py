"""Can a reader follow a quote tweet to the tweet it quotes and back, and find the host's question card on its
question's page, in the pages and in the JSON? The seed and the June report (TEST DATA: @vmsenseimelissa's card
quotes @DrNicolaBurgess) built with `qikg build`, served by a real uvicorn, read with httpx and in Chromium at 1280
and 390 px; for quoted words without a card, a June variant that shows the quoted tweet without its card.

Expected nodes come from the extractor's records of the reports' texts, not from what the server answers."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.extract.report import extract
from kg.records import Tweet
from tests.api.conftest import uvicorn_server
from tests.kg.extract.test_extract_question_cards import _variant  # the June report with one change
from tests.kg.extract.test_extract_quote_tweets import QUOTED, QUOTED_WORDS

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "kg" / "sources" / "leadingqi-2022-10-19-report.txt"
JUNE = ROOT / "tests" / "kg" / "extract" / "fixtures" / "leadingqi-2023-06-27-report.txt"
PHONE, LAPTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}


def _run(*args: str) -> None:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output


@contextmanager
def _served(root: Path, reports: list[Path]) -> Iterator[str]:
    """These reports added to a registry of their own, built with `qikg build`, served by uvicorn."""
    folder = root / "chats"
    folder.mkdir()
    registry = folder / "registry.yaml"
    registry.write_text("sources: []\n", encoding="utf-8")
    for report in reports:
        _run("add", str(report), "--registry", str(registry), "--no-build")
    out = root / "build"
    _run("build", "--out", str(out), "--no-reason", "--registry", str(registry))
    with uvicorn_server(out, root / "store", RELOAD_INTERVAL="0") as url:
        yield url


def _seed(root: Path) -> Path:
    """The seed report with its curation, copied into `root`."""
    (root / "seed").mkdir()
    for path in (SEED, SEED.with_name(f"{SEED.stem}.curation.yaml")):
        shutil.copyfile(path, root / "seed" / path.name)
    return root / "seed" / SEED.name


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("quote-links")
    with _served(root, [_seed(root), JUNE]) as url:
        yield url


@pytest.fixture(scope="module")
def words(tmp_path_factory: pytest.TempPathFactory):
    """The seed and the June report with the quoted tweet's card header taken out: its words stay, shown without
    a card."""
    root = tmp_path_factory.mktemp("quoted-words")
    records, _ = _variant(root, "report", f"{QUOTED}\n\n", "")
    with _served(root, [_seed(root), root / "report" / JUNE.name]) as url:
        yield url, records


def _get(url: str, **options) -> httpx.Response:
    """A page as a browser asks for it; the first one reads the page indexes, slow on a busy machine."""
    return httpx.get(url, timeout=120, **options)


def _quote_page(records, line: int) -> str:
    [q] = [q for q in records.quotes if q.line == line]
    return f"/id/quote/{records.chat.slug}/{q.number}"


@pytest.fixture(scope="module")
def june():
    return extract(JUNE)


@pytest.fixture(scope="module")
def seed():
    return extract(SEED)


def test_the_quote_tweets_page_links_to_the_quoted_tweet_and_back(site, june):
    [outer] = [q for q in june.quotes if isinstance(q, Tweet) and q.quotes_tweet]
    quoting, quoted = _quote_page(june, outer.line), _quote_page(june, outer.quotes_tweet)
    page = _get(site + quoting, headers={"Accept": "text/html"}).text
    section = page.split('id="quotes-h"', 1)[1].split("</section>", 1)[0]
    assert f'href="{quoted}"' in section and "Trusts that invested in cultural readiness" in section
    back = _get(site + quoted, headers={"Accept": "text/html"}).text
    section = back.split('id="quoted-by-h"', 1)[1].split("</section>", 1)[0]
    assert f'href="{quoting}"' in section


def test_the_question_page_shows_its_tweet_with_the_counts(site, seed):
    [card] = [q for q in seed.quotes if isinstance(q, Tweet) and q.asks == 2]
    page = _get(site + f"/id/question/{seed.chat.slug}/q2", headers={"Accept": "text/html"}).text
    section = page.split('id="asked-in-h"', 1)[1].split("</section>", 1)[0]
    assert f'href="{_quote_page(seed, card.line)}"' in section
    assert " · ".join(str(c.value) for c in card.counts) in section
    tweet = _get(site + _quote_page(seed, card.line), headers={"Accept": "text/html"}).text
    assert f'href="/id/question/{seed.chat.slug}/q2"' in tweet and "the question's own tweet" in tweet


def test_the_hosts_page_lists_its_question_cards_under_their_questions(site, seed):
    page = _get(site + "/id/participant/warwickbschool", headers={"Accept": "text/html"}).text
    groups = [g.split("</section>", 1)[0] for g in page.split('<section class="group">')[1:]]
    cards = [q for q in seed.quotes if isinstance(q, Tweet) and q.asks]
    assert cards
    for card in cards:
        [group] = [g for g in groups if f'href="{_quote_page(seed, card.line)}"' in g]
        heading = group.split("<h3>", 1)[1].split("</h3>", 1)[0]
        # 'Q2:', or 'Q2 (19 Oct 2022):' where several chats are loaded
        assert re.search(rf"\bQ{card.asks}( \([^)]*\))?:", heading) and "Not in answer" not in heading, heading


def _quote_id(records, line: int) -> str:
    [q] = [q for q in records.quotes if q.line == line]
    return f"{records.chat.slug}/{q.number}"


def _json(url: str, **params) -> dict:
    response = httpx.get(url, params=params, timeout=120, headers={"Accept": "application/json"})
    assert response.status_code == 200, response.text[:300]
    return response.json()


def test_a_quote_tweets_json_links_the_tweet_it_quotes(site, june):
    [outer] = [q for q in june.quotes if isinstance(q, Tweet) and q.quotes_tweet]
    [inner] = [q for q in june.quotes if q.line == outer.quotes_tweet]
    quotes = _json(site + "/api/quotes", chat=june.chat.slug, limit=500)["items"]
    by_id = {q["id"]: q for q in quotes}
    quoting = by_id[_quote_id(june, outer.line)]
    assert quoting["quotes_tweet"]["id"] == _quote_id(june, inner.line)
    assert quoting["quotes_tweet"]["author"] == inner.author and quoting["quotes_tweet"]["text"] == inner.text
    assert quoting["quotes_tweet"]["url"] == _quote_page(june, inner.line)
    assert quoting["quoted_text"] is None  # the quoted tweet has its card: its words are the tweet's
    others = [q for i, q in by_id.items() if i != quoting["id"]]
    assert others and all(q["quotes_tweet"] is None and q["quoted_text"] is None for q in others)
    # a quote reads the same wherever the JSON lists it
    person = _json(site + f"/api/participants/{outer.author}")
    [same] = [q for q in person["quotes"] if q["id"] == quoting["id"]]
    assert same["quotes_tweet"] == quoting["quotes_tweet"]


def test_a_questions_json_links_the_card_that_posted_it(site, seed):
    cards = {q.asks: q for q in seed.quotes if isinstance(q, Tweet) and q.asks}
    assert cards
    questions = _json(site + "/api/questions", chat=seed.chat.slug)["items"]
    assert questions
    for question in questions:
        card = cards.get(question["number"])
        if card is None:  # the report shows no card for it: nothing made up
            assert question["asked_in"] is None
            continue
        assert question["asked_in"]["id"] == _quote_id(seed, card.line)
        assert question["asked_in"]["url"] == _quote_page(seed, card.line)
        one = _json(site + f"/api/questions/{question['number']}", chat=seed.chat.slug)
        assert one["asked_in"] == question["asked_in"]
    quotes = {q["id"]: q for q in _json(site + "/api/quotes", chat=seed.chat.slug, limit=500)["items"]}
    for number, card in cards.items():  # and the card says which question it posts
        assert quotes[_quote_id(seed, card.line)]["asks"]["number"] == number
    assert sum(q["asks"] is not None for q in quotes.values()) == len(cards)


def test_quoted_words_without_a_card_are_in_the_quotes_json(words):
    url, records = words
    [outer] = [q for q in records.quotes if isinstance(q, Tweet) and q.quoted_text]
    quotes = {q["id"]: q for q in _json(url + "/api/quotes", chat=records.chat.slug, limit=500)["items"]}
    quoting = quotes[_quote_id(records, outer.line)]
    assert quoting["quoted_text"] == QUOTED_WORDS and quoting["quotes_tweet"] is None


def test_the_openapi_schema_documents_the_links(site):
    schemas = _json(site + "/openapi.json")["components"]["schemas"]
    quote = schemas["QuoteOut"]["properties"]
    assert {"quotes_tweet", "quoted_text", "asks"} <= set(schemas["QuoteOut"]["required"])
    assert (
        "qi:quotesTweet" in quote["quotes_tweet"]["description"]
        and "qi:quotedText" in quote["quoted_text"]["description"]
    )
    assert any(r.get("$ref", "").endswith("/TweetRef") for r in quote["quotes_tweet"]["anyOf"])
    for name in ("QuestionOut", "QuestionDetail"):
        asked = schemas[name]["properties"]["asked_in"]
        assert "qi:askedIn" in asked["description"]
        assert any(r.get("$ref", "").endswith("/TweetRef") for r in asked["anyOf"])
    assert {"id", "iri", "url", "author", "text"} <= set(schemas["TweetRef"]["properties"])


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_the_links_read_in_chromium(browser, site, june, seed, viewport):
    [outer] = [q for q in june.quotes if isinstance(q, Tweet) and q.quotes_tweet]
    context = browser.new_context(viewport=viewport)
    tab = context.new_page()
    try:
        tab.goto(site + _quote_page(june, outer.line))
        tab.get_by_role("heading", name="Quotes").wait_for()
        tab.locator("#quotes a", has_text="the quote").first.click()
        tab.get_by_role("heading", name="Quoted by").wait_for()
        assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        shots = os.environ.get("QIKG_SCREENSHOTS")
        name = "phone" if viewport is PHONE else "laptop"
        if shots:
            tab.screenshot(path=f"{shots}/quoted-by-{name}.png", full_page=viewport is LAPTOP)
        tab.goto(site + f"/id/question/{seed.chat.slug}/q2")
        tab.get_by_role("heading", name="The question's tweet").wait_for()
        assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        if shots:
            tab.screenshot(path=f"{shots}/question-tweet-{name}.png", full_page=viewport is LAPTOP)
    finally:
        context.close()
