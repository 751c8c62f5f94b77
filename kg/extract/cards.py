"""Embedded tweet cards: header, 'Replying to', the words, and the counts shown under the card.

A card in the conversion reads:

    Name @handle · Oct 19, 2022 [...]
    [...]
    [Replying to @a @b and 2 others]
    text (one or more paragraphs)
    counts: "32 9 10" | "5" "8" "25" on separate lines | "📊 1 💬 3 ❤️ 7 ↗" | "👍 1 💬 ↻ 14 ❤️ 25 ↗"

The words run until the counts, the next card, a section heading, or a paragraph that reads as the report's own
narrative. A line in a section's heading words between a card's words and its counts is the tweet's.
A paragraph that repeats an earlier one of the same card is the text of an attached image and is not the tweet's.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Container
from dataclasses import dataclass, field
from decimal import Decimal

from kg.extract.headings import heading_key
from kg.extract.markup import clean, handles, hashtags, reading
from kg.extract.narrative import FIRST_NAME_VERBS, PHRASE, SPEECH_VERB
from kg.records import EngagementCount

HEADER_RE = re.compile(
    r"^(?P<name>.*?)\s*@(?P<handle>[A-Za-z0-9_]{1,30}) · "
    r"(?P<date>[A-Z][a-z]{2} \d{1,2}(?:, \d{4})?|\d{1,2} [A-Z][a-z]{2}(?: \d{4})?)(?:\s*\.\.\.)?$"
)
# the line a converter leaves where a tweet quotes another: the quoted tweet's card follows it inside this one
QUOTE_MARK_RE = re.compile(r"^(?:Quote Tweet|Quote Post|Quoted Tweet|Quote|Quoting)$", re.IGNORECASE)
REPLYING_RE = re.compile(r"^Replying to (?P<who>.*?)(?: and (?P<n>\d+) others?)?$")
NUMBERS_RE = re.compile(r"^\d[\d,]*(?:\s+\d[\d,]*)*$")
ICON_METRIC = {"💬": "reply", "↻": "retweet", "❤️": "like", "❤": "like", "📊": "unknown", "👍": "unknown"}
SHARE_ICONS = ("↗", "📤")
# a count as a card shows it: '14', '1,204', or shortened to thousands or millions ('9.8K', '12K', '1.2M')
_COUNT = r"\d[\d,]*(?:\.\d+)?[KkMm]?(?![\w.])"
_ICON_COUNTS_RE = re.compile(rf"(💬|↻|❤️|❤|📊|👍)\s*({_COUNT})?")
_COUNT_SCALE = {"k": 1_000, "m": 1_000_000}
# a line with two count icons or more, each with a number: a card's counts line, read or not
_COUNTS_LIKE_RE = re.compile(r"(?:(?:💬|↻|❤️|❤|📊|👍)\s*\d\S*.*){2,}")
ANSWER_PREFIX_RE = re.compile(r"^#?[QA](\d)(?!\d)")
HEADINGS = frozenset(
    {
        "The Influencers",
        "Tweet activity",
        "Insights and Learning",
        "Core resources",
        "Shared resources",
        "What next?",
        "Analytics",
        "Participants",
        "Background",
        "Purpose",
        "Report contents",
    }
)
_SPEECH = SPEECH_VERB
NARRATIVE_RE = re.compile(
    rf"""^(?:
        @\w+,?\s+(?:also\s+|then\s+)?{_SPEECH}\b       # "@X responded", "@X had similar thoughts"
      | @\w+:\s*[\u201c"]                              # "@X: “...”"
      | @\w+,?{PHRASE},?:\s*[\u201c"]                  # "@X in one line: “...”"
      | [A-ZÀ-ÖØ-Þ][\w'’-]+(?:\s+[A-ZÀ-ÖØ-Þ][\w'’-]+)*\s+\(@\w+\),?\s+(?:also\s+|then\s+)?{_SPEECH}\b
                                                       # "Hana Novak (@X) added" (not "Thanks Jane (@X) for ...")
      | [A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]+\s+@\w+\s               # "Lee @Sutcliffe1987 also agreed"
      | For\s+@\w+                                     # "For @HayleySGrice, ..."
      | [\u2013\u2014\u2015]\s*@\w+\s*$ | [-\u2013\u2014\u2015]\s*[^@()]{{1,60}}\(@\w+\)\s*$
                                                       # a pull-quote's signature: '— @X', '– @X', '— Name (@X)'
      | \.\.\.\s*and\s+@\w+                            # "...and @WBSProfBC commented"
      | [\u201c"]                                      # a quotation standing alone (pull-quote)
      | -\s*@\w+\s*$                                   # a pull-quote's attribution
      | [A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]+\s+(?:also\s+)?(?:{FIRST_NAME_VERBS})\b
      | (?i:question)\s+(?:\d|(?i:one|two|three|four|five|six|seven|eight|nine|ten)\b)
    )""",
    re.VERBOSE,
)
MONTHS = {
    m: i
    for i, m in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], start=1)
}

# the links a converter keeps from the page under a tweet's words ('Show this thread', 'Translate post'): no words of
# the tweet, and no end of its card (its counts may follow them)
CHROME_RE = re.compile(
    r"^(?:Show this thread|Show (?:more|replies)|Read more|Read the full conversation|Translate (?:Tweet|post)|"
    r"See translation|Show original)$",
    re.IGNORECASE,
)


@dataclass
class Card:
    line: int
    handle: str
    display_name: str | None
    date: dt.date
    replying_to: list[str] = field(default_factory=list)
    replying_to_others: int = 0
    text: str = ""
    text_lines: list[int] = field(default_factory=list)
    counts: list[EngagementCount] = field(default_factory=list)
    counts_line: int | None = None
    end: int = 0
    quotes_line: int | None = None  # the line of the card of the tweet this one quotes
    quoted_text: str | None = None  # the quoted tweet's words where the report shows them without its card
    heading_after: int | None = None  # the line in a section's heading words that ended the card's words
    unread_counts: int | None = None  # a line shaped like the card's counts that `is_counts` does not read

    @property
    def answer_prefix(self) -> int | None:
        """The question number the words start with ('Q2.', 'A3', '#A5'), if any."""
        m = ANSWER_PREFIX_RE.match(self.text)
        return int(m.group(1)) if m else None

    @property
    def mentions(self) -> list[str]:
        return handles(self.text)

    @property
    def hashtags(self) -> list[str]:
        return hashtags(self.text)


def parse_date(text: str, year: int | dt.date) -> dt.date:
    """'Oct 19, 2022', '1 Mar 2023', '19 Oct' or 'Oct 19'. A card of the current year shows no year: the year is the
    chat's, or (given the chat's date) the one that puts the card nearest the chat ('Jan 1' after a chat on 31 Dec)."""
    if text[:1].isalpha():  # month first (US style)
        mon, day, *rest = text.replace(",", "").split()
    else:
        day, mon, *rest = text.split()
    if rest:
        return dt.date(int(rest[0]), MONTHS[mon], int(day))
    if isinstance(year, int):
        return dt.date(year, MONTHS[mon], int(day))
    options = []
    for y in (year.year - 1, year.year, year.year + 1):
        try:
            options.append(dt.date(y, MONTHS[mon], int(day)))
        except ValueError:  # 29 Feb of a year that has none
            continue
    if not options:
        raise ValueError(f"{text!r} is no day of {year.year - 1}-{year.year + 1}")
    return min(options, key=lambda d: abs((d - year).days))


def is_counts(text: str) -> bool:
    """A counts line: bare numbers, or count icons each with its number or none (and share icons), nothing else."""
    if NUMBERS_RE.match(text):
        return True
    found = _ICON_COUNTS_RE.findall(text)
    rest = _ICON_COUNTS_RE.sub("", text)
    return (
        bool(found)
        and not re.sub(r"[\s\ufe0f]|↗|📤", "", rest)
        and all(count_value(num) is not None for _, num in found if num)
    )


def count_value(text: str) -> int | None:
    """The number a count shows: '1,204' is 1204, '9.8K' 9800, '1.2M' 1200000 (as many as the shortened figure
    states, no more digits); None where the figure is no whole number of things ('1.2345K')."""
    t = text.replace(",", "")
    scale = _COUNT_SCALE.get(t[-1:].lower(), 1)
    number = Decimal(t[:-1] if scale > 1 else t) * scale
    return int(number) if number == number.to_integral_value() else None


def looks_like_counts(text: str) -> bool:
    """A line shaped like a card's counts ('💬 14 ↻ 40 ❤️ 122 📊 9.8K', two count icons each with a number) whether
    or not `is_counts` reads it: one it does not read is named in a warning, not taken silently for the tweet."""
    return bool(_COUNTS_LIKE_RE.search(text)) and len(text) <= 120


def _one_count(text: str) -> str:
    """Whether a counts line holds one count only: "number" ("25"), "icon" ("↻ 6", "↗"), else "no" (all of them)."""
    if NUMBERS_RE.match(text):
        return "number" if len(text.split()) == 1 else "no"
    return "icon" if len(_ICON_COUNTS_RE.findall(text)) + sum(text.count(i) for i in SHARE_ICONS) <= 1 else "no"


def parse_counts(texts: list[str]) -> list[EngagementCount]:
    """Counts as displayed, in order. Bare numbers lost their icons in the conversion: metric 'unknown'."""
    out: list[EngagementCount] = []
    for text in texts:
        if NUMBERS_RE.match(text):
            for tok in text.split():
                out.append(EngagementCount(position=len(out) + 1, value=int(tok.replace(",", ""))))
        else:
            for icon, num in _ICON_COUNTS_RE.findall(text):
                out.append(
                    EngagementCount(
                        position=len(out) + 1,
                        icon=icon,
                        value=count_value(num) if num else None,
                        metric=ICON_METRIC[icon],
                    )
                )
    return out


def _norm(text: str) -> str:
    return re.sub(r"[\W_]+", " ", text).strip().lower()


def _closes_tweet(so_far: str, last_block: str) -> bool:
    """Hashtags ending a paragraph close a tweet once it has words: 'Q4 #LeadingQI #QIHour' alone opens one."""
    words = re.sub(r"#\w+|^#?[QA]\d\w*[.:]?", "", so_far).strip()
    return bool(words) and bool(re.search(r"#\w+\s*$", last_block))


def is_narrative(text: str) -> bool:
    """A paragraph in the report's own voice. A line in a section's heading words is not judged here ('Resources
    shared' is no 'Helen shared ...'): it is a heading or a tweet's paragraph by where it stands (`parse_card`)."""
    if heading_key(text) is not None:
        return False
    return text in HEADINGS or bool(NARRATIVE_RE.match(text))


def _counts_follow(text_at: Callable[[int], str], n: int, total: int, so_far: str) -> bool:
    """Whether the card would read on from the paragraph on line `n` to its counts: then that paragraph stands
    between the card's words and its counts, where no section heading can stand, and is the tweet's own words."""
    last = ""
    while n <= total and text_at(n) and not is_counts(text_at(n)):  # the paragraph itself
        last, so_far, n = text_at(n), f"{so_far} {text_at(n)}", n + 1
    while n <= total:
        while n <= total and not text_at(n):
            n += 1
        if n > total:
            return False
        first = text_at(n)
        if is_counts(first):
            return True
        if (
            HEADER_RE.match(first)
            or QUOTE_MARK_RE.match(first)
            or "\t" in first
            or is_narrative(first)
            or heading_key(first) is not None
            or _closes_tweet(so_far, last)
        ):
            return False
        while n <= total and text_at(n) and not is_counts(text_at(n)):
            last, so_far, n = text_at(n), f"{so_far} {text_at(n)}", n + 1
    return False


def parse_card(
    lines: list[str], start: int, year: int | dt.date, headings: Container[int] | None = None
) -> Card | None:
    """Parse the card whose header is on line `start` (1-based; `lines[0]` is line 1). A later paragraph in a
    section's heading words ends the card's words unless the card reads on from it to its counts; given the report's
    `headings` (the lines chosen as section headings), only one of those ends them, any other is the tweet's words.
    """
    head = HEADER_RE.match(clean(lines[start - 1]))
    if not head:
        return None
    name = head.group("name").strip() or None
    with reading(start, "quotes.date", head.group("date")):
        date = parse_date(head.group("date"), year)
    card = Card(line=start, handle=head.group("handle"), display_name=name, date=date)
    n = start + 1
    total = len(lines)

    def text_at(k: int) -> str:  # a converter's 'Show this thread' reads as blank: the counts after it are the card's
        text = clean(lines[k - 1]) if k <= total else ""
        return "" if CHROME_RE.match(text) else text

    while n <= total and text_at(n) in ("", "...", "…"):
        n += 1
    reply = REPLYING_RE.match(text_at(n))
    if reply:
        card.replying_to = handles(reply.group("who"))
        card.replying_to_others = int(reply.group("n") or 0)
        n += 1

    blocks: list[list[int]] = []
    seen: list[str] = []
    while n <= total:
        while n <= total and not text_at(n):
            n += 1
        if n > total:
            break
        first = text_at(n)
        if is_counts(first) or looks_like_counts(first) or HEADER_RE.match(first) or QUOTE_MARK_RE.match(first):
            break
        if blocks:
            so_far = " ".join(text_at(k) for b in blocks for k in b)
            worded = heading_key(first) is not None
            in_tweet = worded and _counts_follow(text_at, n, total, so_far)
            if worded and not in_tweet and (headings is None or n in headings):
                card.heading_after = n
                break
            if headings is not None and n in headings:  # a heading found otherwise (the table's header row)
                break
            if not in_tweet and (is_narrative(first) or _closes_tweet(so_far, text_at(blocks[-1][-1]))):
                break
        block = []
        while n <= total and text_at(n) and not is_counts(text_at(n)) and not looks_like_counts(text_at(n)):
            block.append(n)
            n += 1
        key = _norm(" ".join(text_at(k) for k in block))
        if any(key == s or (len(key) > 20 and (key in s or s in key)) for s in seen):
            continue  # the attached image repeats the words: not part of the tweet
        seen.append(key)
        blocks.append(block)

    card.text_lines = [k for b in blocks for k in b]
    card.text = "\n\n".join("\n".join(text_at(k) for k in b) for b in blocks)
    card.end = card.text_lines[-1] if card.text_lines else start

    # counts may follow after blank lines: all on one line, or one a line ("5" "8" "25", or "💬 4" "↻ 6" "❤️ 15")
    k = n
    count_texts: list[str] = []
    while k <= total:
        t = text_at(k)
        if not t:
            k += 1
            continue
        if is_counts(t) and (not count_texts or _one_count(t) == _one_count(count_texts[0]) != "no"):
            if card.counts_line is None:
                card.counts_line = k
            count_texts.append(t)
            k += 1
            if _one_count(t) == "no":
                break
            continue
        if not count_texts and looks_like_counts(t):
            card.unread_counts = k
        break
    if count_texts:
        card.counts = parse_counts(count_texts)
        card.end = k - 1
    return card


# what a card's header line looks like whatever its date: 'Name @handle · <anything short>'
_HEADER_LIKE_RE = re.compile(r"^(?:.*?\s)?@[A-Za-z0-9_]{1,30} · (?P<date>\S.{0,24})$")


def find_cards(
    lines: list[str], year: int | dt.date, warnings: list[str] | None = None, headings: Container[int] | None = None
) -> list[Card]:
    """Every card of the report (`headings`: as for `parse_card`). A line shaped like a card's header whose date is
    none the cards show ('· 2h') is not read as a card: a warning names it, so its words are not lost unseen."""
    cards = []
    for i in range(1, len(lines) + 1):
        card = parse_card(lines, i, year, headings)
        if card:
            cards.append(card)
        elif warnings is not None and (m := _HEADER_LIKE_RE.match(clean(lines[i - 1]))):
            warnings.append(
                f"line {i}: looks like a tweet card, but {m['date']!r} is not a date as cards show it "
                "('Oct 19, 2022', '19 Oct', 'Oct 19', '1 Mar 2023'): not read as a card"
            )
    _quoted_tweets(lines, cards)
    _quoted_words(lines, cards)
    for card in cards:
        if warnings is not None and card.unread_counts is not None and not card.counts:
            shown = clean(lines[card.unread_counts - 1])
            warnings.append(
                f"line {card.unread_counts}: counts: {shown!r} under the card of line {card.line} (@{card.handle}) "
                "reads like its counts but is not count icons each with a whole number ('💬 14 ↻ 40 ❤️ 122 📊 9.8K'):"
                " the card's counts are not read"
            )
    return cards


def _quoted_tweets(lines: list[str], cards: list[Card]) -> None:
    """A card that quotes another ('Quote Tweet' and the quoted card inside it): the quoted tweet is its author's own
    tweet (their words, their date), and the counts under both are the quoting card's: a quoted tweet shows none."""
    for outer, inner in zip(cards, cards[1:], strict=False):
        between = [clean(lines[k - 1]) for k in range(outer.end + 1, inner.line)]
        marks = [t for t in between if t]
        if not marks or not all(QUOTE_MARK_RE.match(t) for t in marks) or outer.counts:
            continue
        outer.counts, outer.counts_line, inner.counts, inner.counts_line = inner.counts, inner.counts_line, [], None
        outer.quotes_line = inner.line
        outer.end, inner.end = inner.end, (inner.text_lines[-1] if inner.text_lines else inner.line)


def _quoted_words(lines: list[str], cards: list[Card]) -> None:
    """A card that quotes a tweet the report shows without its card ('Quote Tweet', then only the quoted words): the
    words are kept as the report prints them, no tweet is made up for them (no author or date is shown), and the
    counts under them are the quoting card's. The words run until the counts, a card, a section heading or a
    paragraph in the report's own voice."""
    starts = {c.line for c in cards}
    total = len(lines)

    def text_at(k: int) -> str:
        return clean(lines[k - 1]) if k <= total else ""

    def skip_blank(k: int) -> int:
        while k <= total and not text_at(k):
            k += 1
        return k

    for card in cards:
        if card.quotes_line is not None or card.counts:
            continue
        mark = skip_blank(card.end + 1)
        if mark > total or not QUOTE_MARK_RE.match(text_at(mark)):
            continue
        n = skip_blank(mark + 1)
        blocks: list[list[str]] = []
        last = mark

        def ends_words(k: int) -> bool:  # a line the quoted words cannot run into, blank line or not
            line = text_at(k)
            return (
                k in starts
                or is_counts(line)
                or looks_like_counts(line)
                or bool(HEADER_RE.match(line))
                or bool(QUOTE_MARK_RE.match(line))
                or is_narrative(line)
                or heading_key(line) is not None
            )

        while n <= total and not ends_words(n):
            block = []
            while n <= total and text_at(n) and not ends_words(n):
                block.append(text_at(n))
                last = n
                n += 1
            blocks.append(block)
            n = skip_blank(n)
        if not blocks:
            continue
        card.quoted_text = "\n\n".join("\n".join(b) for b in blocks)
        card.end = last
        counts: list[str] = []
        while n <= total and is_counts(text_at(n)) and n not in starts:
            card.counts_line = card.counts_line or n
            counts.append(text_at(n))
            card.end = n
            if _one_count(text_at(n)) == "no":
                break
            n = skip_blank(n + 1)
        if not counts and n <= total and looks_like_counts(text_at(n)):
            card.unread_counts = n
        card.counts = parse_counts(counts)
