"""A tweet whose words include a line in a section's heading words ('Key learnings', 'Next steps'): the line is the
tweet's, not the section's heading, wherever it stands in the tweet; a real heading after a card still ends it.

Each case is a copy of the seed report with one line inserted; what is expected is read from the report's text
(the cards by their words), never from line numbers.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from kg.extract.cards import find_cards
from kg.extract.markup import clean
from kg.extract.report import extract
from kg.records import ChatRecords

SOURCES = Path(__file__).resolve().parents[3] / "kg" / "sources"
REPORT = SOURCES / "leadingqi-2022-10-19-report.txt"
LINES = REPORT.read_text(encoding="utf-8").split("\n")
# two cards by their words: one before the questions that shows no counts, one among the answers with its counts
NO_COUNTS = "This beautifully demonstrates how social media"
WITH_COUNTS = "Fabulous! This is sometimes called"


@pytest.fixture(scope="module")
def seed() -> ChatRecords:
    return extract(REPORT)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _line_of(words: str, lines: list[str]) -> int:
    """The 1-based line starting with `words` (exactly one)."""
    [n] = [n for n, line in enumerate(lines, start=1) if clean(line).startswith(words)]
    return n


def _copy(tmp_path: Path, lines: list[str]) -> Path:
    """The report with other lines, beside its curation file (whose words must still be found in it)."""
    path = tmp_path / REPORT.name
    path.write_text("\n".join(lines), encoding="utf-8")
    for extra in SOURCES.glob(f"{REPORT.stem}.curation.yaml"):
        shutil.copy(extra, tmp_path / extra.name)
    return path


def _insert(words: str, heading: str, where: str) -> tuple[list[str], int]:
    """The report's lines with `heading` as a paragraph of the tweet whose words start with `words`: before its
    first paragraph, in the middle of it, or after it; and the inserted line's number."""
    lines = list(LINES)
    n = _line_of(words, lines)
    assert [c.text_lines for c in find_cards(LINES, 2022) if n in c.text_lines] == [[n]]  # a card's one paragraph
    if where == "first":
        lines[n - 1 : n - 1] = [heading, ""]
        return lines, n
    if where == "last":
        lines[n:n] = ["", heading]
        return lines, n + 2
    text = lines[n - 1]
    cut = text.index(" ", len(text) // 3)  # a space in the first half of the words
    lines[n - 1 : n] = [text[:cut], "", heading, "", text[cut + 1 :]]
    return lines, n + 2


def _expected(seed: ChatRecords, words: str, heading: str, where: str) -> str:
    """The tweet's words with the heading's words where they were inserted."""
    [tweet] = [q for q in seed.quotes if q.text.startswith(words)]
    text = _squash(tweet.text)
    if where == "first":
        return f"{heading} {text}"
    if where == "last":
        return f"{text} {heading}"
    source = LINES[_line_of(words, LINES) - 1]
    head = _squash(clean(source[: source.index(" ", len(source) // 3)]))
    assert text.startswith(head)  # the cut falls inside the words the tweet keeps
    return f"{head} {heading} {text[len(head) :].strip()}"


def _dates(records: ChatRecords) -> list[tuple]:
    return [(f.date, f.start, f.end, f.timezone) for f in records.follow_ups]


def _facts(records: ChatRecords, skip: str) -> list[tuple]:
    """What a reader compares, with no line numbers (the insertion moves them): every quote but the one tweet."""
    return [
        (q.number, q.kind, q.author, q.text, q.question, q.mentions)
        for q in records.quotes
        if not q.text.startswith(skip) and skip not in q.text
    ]


@pytest.mark.parametrize("where", ["first", "middle", "last"])
@pytest.mark.parametrize("words", [NO_COUNTS, WITH_COUNTS])
@pytest.mark.parametrize(
    "heading", ["Key learnings", "Lessons learned", "Next steps", "Statistics", "Resources shared"]
)
def test_a_heading_line_in_a_tweet_is_the_tweets_words(
    tmp_path: Path, seed: ChatRecords, heading: str, words: str, where: str
) -> None:
    lines, inserted = _insert(words, heading, where)
    records = extract(_copy(tmp_path, lines))
    assert len(records.quotes) == len(seed.quotes)
    assert _facts(records, words) == _facts(seed, words)
    [tweet] = [q for q in records.quotes if words in q.text]
    assert _squash(tweet.text) == _expected(seed, words, heading, where)
    assert [(q.number, q.text) for q in records.questions] == [(q.number, q.text) for q in seed.questions]
    assert [(r.slug, r.shared_by) for r in records.resources] == [(r.slug, r.shared_by) for r in seed.resources]
    assert _dates(records) == _dates(seed)
    assert [(m.slug, m.value) for m in records.measurements] == [(m.slug, m.value) for m in seed.measurements]
    # a line that stood outside the card before the headings were known is named, not dropped unseen
    named = [w for w in records.warnings if w.startswith(f"{tmp_path / REPORT.name}:{inserted}: ")]
    assert all("read as words of the report, not a heading" in w for w in named)


@pytest.mark.parametrize("where", ["middle", "last"])
def test_next_steps_in_a_tweet_is_not_the_what_next_heading(tmp_path: Path, seed: ChatRecords, where: str) -> None:
    lines, inserted = _insert(NO_COUNTS, "Next steps", where)
    path = _copy(tmp_path, lines)
    records = extract(path)  # no 'What next?: comes before Shared resources'
    assert _dates(records) == _dates(seed) != []
    assert [(r.slug, r.url) for r in records.resources] == [(r.slug, r.url) for r in seed.resources]
    heading = _line_of("What next?", lines)
    assert any(
        w.startswith(f"{path}:{inserted}: What next?: 'Next steps'") and f"line {heading} is taken as its heading" in w
        for w in records.warnings
    )


def test_a_heading_in_other_words_right_under_a_card_without_counts_still_ends_it(
    tmp_path: Path, seed: ChatRecords
) -> None:
    """The card shows no counts, so its words run to the next heading: 'Top influencers' is that heading."""
    lines = list(LINES)
    n = _line_of("The Influencers", lines)
    assert _line_of(NO_COUNTS, lines) < n
    lines[n - 1] = "Top influencers"
    records = extract(_copy(tmp_path, lines))
    assert [q.text for q in records.quotes] == [q.text for q in seed.quotes]
    assert [(i.ranking, i.rank, i.handle) for i in records.influencers] == [
        (i.ranking, i.rank, i.handle) for i in seed.influencers
    ]
