"""A #LeadingQI tweet-chat report (text conversion of the PDF) -> `ChatRecords`.

Each section parser is small and reads the layout the report uses; format knowledge for tweet cards, narrative
quotations and citations lives in `cards`, `narrative` and `resources`. Curated facts that prose cannot yield
reliably come from two places, neither keyed to where a line is: `kg/data/*.yaml` holds what is true in every report
(an organisation by the names it is printed with, the lessons by their sketchnote words), and `REPORT.curation.yaml`
beside a report holds that report's own facts (resource links, narrative lines about a resource, curated themes),
each anchored by words of that report and checked against its text here: words not found are an error naming the
curation file's line. A section absent from a report is simply absent from its records.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, overload

from kg.extract import cards as cardlib
from kg.extract import narrative
from kg.extract.headings import (
    BULLET,
    HEADING_MAX_WORDS,
    SECTION_WORDS,
    accepted_wordings,
    heading_key,
    stem,
)
from kg.extract.markup import LineError, clean, handles, reading
from kg.extract.pages import page_artefacts
from kg.extract.resources import Citation, header_columns, looks_like_row, parse_citation, shared_table
from kg.iris import slugify, unique_slug
from kg.records import (
    Account,
    Chat,
    ChatRecords,
    CuratedTheme,
    FollowUpChat,
    HandleAlias,
    InfluencerRank,
    Lesson,
    Measurement,
    Organisation,
    Person,
    Question,
    Quote,
    Resource,
    Tweet,
)
from kg.sources.aliases import AliasTable, handle_key
from kg.sources.inputs import InputError, LineIndex, dotted, read_text

DATA = Path(__file__).resolve().parent.parent / "data"
MONTHS = {
    m: i
    for i, m in enumerate(
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
        start=1,
    )
}
# the offsets of the zone abbreviations a report may state; another is an error naming its line (never a guess)
ZONES = {
    "GMT": "+00:00",
    "UTC": "+00:00",
    "BST": "+01:00",
    "WET": "+00:00",
    "WEST": "+01:00",
    "CET": "+01:00",
    "CEST": "+02:00",
    "EST": "-05:00",
    "EDT": "-04:00",
    "CST": "-06:00",
    "CDT": "-05:00",
    "MST": "-07:00",
    "MDT": "-06:00",
    "PST": "-08:00",
    "PDT": "-07:00",
    "AEST": "+10:00",
    "AEDT": "+11:00",
    "NZST": "+12:00",
    "NZDT": "+13:00",
}


def _offset(zone: str) -> str:
    """The UTC offset of a stated zone; an unknown one raises ValueError (read as `FILE:LINE: field: ...`)."""
    if zone not in ZONES:
        raise ValueError(f"the time zone {zone!r} is none qikg knows ({', '.join(ZONES)}): its offset would be a guess")
    return ZONES[zone]


WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}


class ExtractionError(InputError):
    """The report does not have a part every chat report has; `problems` name file, line and what is missing."""


@dataclass(frozen=True)
class Section:
    """A section of the report format: its heading line, what the records take from it, and whether the records
    would be wrong without it (the end of a table, the questions) or only poorer (the analytics)."""

    heading: str
    holds: str
    required: bool
    complete_without: bool = False  # a complete (signed-off) report may lack it: that chat's report has none


SECTIONS = (  # in the order a report has them
    Section("Analytics", "the analytics figures", False),
    Section("The Influencers", "the influencer rankings", False),
    Section("Tweet activity", "the hashtag totals", False),
    Section("Insights and Learning", "the questions and their quotes", True),
    Section("Core resources", "the core resources", False),
    Section("Shared resources", "the shared resources", True, complete_without=True),
    Section("What next?", "where the shared resources table ends", True, complete_without=True),
    Section("Save the dates!", "the follow-up chats", False),
)
# The sections whose order the records depend on (one ends where the next begins); the others may stand anywhere.
ORDERED = ("Insights and Learning", "Core resources", "Shared resources", "What next?")
SIGN_OFF = r"^Report produced by .+ for .+\.$"  # the title page's line, repeated as the report's last line


@dataclass
class Doc:
    path: Path
    lines: list[str]
    _clean: dict[int, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def n(self) -> int:
        return len(self.lines)

    def text(self, n: int) -> str:
        """Line n without markup; remembered, since every `find` scans many lines again."""
        if n not in self._clean:
            self._clean[n] = clean(self.lines[n - 1])
        return self._clean[n]

    def heading(self, heading: str) -> int | None:
        """The line of a section's heading (a line in that section's words, in any case, with or without its closing
        mark, "What’s next?" for "What next?"), if the report has it."""
        return self.headings().get(heading)

    def headings(self) -> dict[str, int]:
        """The heading line of each section the report has. A line in a tweet card's words is none; of the lines
        in one section's words, the heading is the first that fits the order of `ORDERED` after the one before it,
        a line standing right under a card's words (maybe the tweet's own) only when no other fits."""
        if not hasattr(self, "_headings"):
            inside, under = self._card_lines()
            found: dict[str, list[int]] = {}
            for n in range(1, self.n + 1):
                if n in inside or "\t" in self.lines[n - 1]:  # a tweet's words or a table row: no heading
                    continue
                name = heading_key(self.text(n))
                if name is not None:
                    found.setdefault(name, []).append(n)
            if "Shared resources" not in found:  # the table without its heading: found by its header row
                table = self.resources_table()
                if table is not None:
                    found["Shared resources"] = [table]
            self._headings: dict[str, int] = {}
            self.passed_over: dict[int, str] = {}  # a line in a section's words not taken as its heading
            previous = 0
            for section in (s.heading for s in SECTIONS):
                lines = found.get(section)
                if not lines:
                    continue
                fitting = [n for n in lines if n > previous] if section in ORDERED else lines
                chosen = min(fitting or lines, key=lambda n: (n in under, n))  # none fits: check_layout says so
                self._headings[section] = chosen
                self.passed_over.update((n, section) for n in lines if n != chosen)
                if section in ORDERED:
                    previous = chosen
        return self._headings

    def _card_lines(self) -> tuple[set[int], set[int]]:
        """The lines of the tweet cards' headers and words, and the lines in a section's words that end a card's
        words, read before the headings are known (a card's date does not matter here: one that is no date is an
        error when the cards are read for the records)."""
        inside: set[int] = set()
        under: set[int] = set()
        for start in range(1, self.n + 1):
            try:
                card = cardlib.parse_card(self.lines, start, 2000)  # a leap year: '29 Feb' is a date
            except (LineError, ValueError, LookupError):
                continue
            if card is not None:
                inside.update(range(card.line, max(card.text_lines, default=card.line) + 1))
                if card.heading_after is not None:
                    under.add(card.heading_after)
        return inside, under

    def resources_table(self) -> int | None:
        """The first line of the shared-resources table wherever it stands: its header row ('Shared by / Resource',
        columns in any order), else its first row ('@handle<TAB>[Type] ...')."""
        header = next((n for n in range(1, self.n + 1) if header_columns(self.lines[n - 1])), None)
        if header is not None:
            return header
        return next((n for n in range(1, self.n + 1) if looks_like_row(self.lines[n - 1])), None)

    def closest_heading(self, section: str) -> tuple[int, str] | None:
        """The line most like a heading of `section` that the rule did not recognise (a short line sharing the most
        words with one of the section's word sets, no other section's heading), to point the user at."""
        wanted = set().union(*SECTION_WORDS[section]) - {"tweet", "what", "us"}  # words of a title or any line
        best: tuple[int, int] | None = None
        for n in range(1, self.n + 1):
            text = self.text(n)
            if not text or heading_key(text) is not None or len(text.split()) > HEADING_MAX_WORDS + 3:
                continue
            if "\t" in self.lines[n - 1] or header_columns(self.lines[n - 1]):  # a table's row or header
                continue
            if re.match(rf"^{BULLET}", text) or re.search(r"[\t|@#\d<>]", text) or text.endswith((".", ",")):
                continue
            words = {stem(w) for w in re.findall(r"[a-z]+", re.sub(r"[’'`]", "", text.casefold()))}
            common = len(words & wanted)
            if common and (best is None or common > best[0]):
                best = (common, n)
        return (best[1], self.text(best[1])) if best else None

    def section_end(self, start: int) -> int:
        """The last line of the section whose heading is on `start`: the line before the next section heading, or
        for the last section the line before the report's closing line, where it has one."""
        later = [n for n in (self.heading(s.heading) for s in SECTIONS) if n is not None and n > start]
        if later:
            return min(later) - 1
        closing = self.closing_line()
        return closing - 1 if closing is not None and closing > start else self.n

    def closing_line(self) -> int | None:
        """The report's last line when it repeats the title page's 'Report produced by ...' (a complete report)."""
        if not hasattr(self, "_closing"):
            last = max((n for n in range(1, self.n + 1) if self.text(n)), default=1)
            first = self.find(SIGN_OFF, required=False)
            self._closing = last if first and first[0] < last and re.match(SIGN_OFF, self.text(last)) else None
        return self._closing

    @overload
    def find(
        self,
        pattern: str,
        start: int = 1,
        end: int | None = None,
        required: Literal[True] = True,
        what: str = "report",
        expected: str | None = None,
    ) -> tuple[int, re.Match[str]]: ...

    @overload
    def find(
        self,
        pattern: str,
        start: int = 1,
        end: int | None = None,
        *,
        required: bool,
        what: str = "report",
        expected: str | None = None,
    ) -> tuple[int, re.Match[str]] | None: ...

    def find(
        self,
        pattern: str,
        start: int = 1,
        end: int | None = None,
        required: bool = True,
        what: str = "report",
        expected: str | None = None,
    ) -> tuple[int, re.Match[str]] | None:
        """The first line from `start` to `end` matching `pattern`; a required one that is missing is an error
        naming `what` the records needed it for, and the line expected in words (`expected`) where given."""
        rx = re.compile(pattern)
        last = min(end or self.n, self.n)
        for n in range(max(start, 1), last + 1):
            m = rx.search(self.text(n))
            if m:
                return n, m
        if required:
            wanted = f"expected a line like {expected}" if expected else f"no line matches {pattern!r}"
            hint = self._near(expected) if expected else None
            raise ExtractionError(
                f"{self.path}: not a chat report in the known format",
                [
                    f"{hint[0] if hint else f'{self.path}:{last}'}: {what}: {wanted} (lines {start}-{last})"
                    + (f"; line {hint[1]} reads {hint[2]!r}" if hint else "")
                ],
            )
        return None

    def _near(self, expected: str) -> tuple[str, int, str] | None:
        """The line most like the expected one (the most words in common, at least three), to point the user at."""
        want = set(re.findall(r"[a-z]+", expected.lower())) - {"a", "the", "at", "on", "by", "of"}
        best = max(
            ((len(want & set(re.findall(r"[a-z]+", self.text(n).lower()))), -n) for n in range(1, self.n + 1)),
            default=(0, 0),
        )
        if best[0] < 3:
            return None
        n = -best[1]
        return f"{self.path}:{n}", n, self.text(n)[:160]


_CLOCK = r"\d{1,2}(?:[.:]\d\d)?"
_AMPM = r"am|pm|AM|PM"
# an hour range: '7-8pm', '7pm-8pm', '7 to 8pm', '11am – 12pm', '19:00-20:00'
_CLOCK_RANGE = rf"(?P<r1>{_CLOCK}) ?(?P<ra1>{_AMPM})? ?(?:[-–]|to) ?(?P<r2>{_CLOCK}) ?(?P<ra2>{_AMPM})?"


def _clock_range(m: re.Match[str]) -> tuple[dt.time, dt.time]:
    """The start and end of `_CLOCK_RANGE`. A start with no am/pm takes the end's ('7-8pm' is 19:00-20:00) unless it
    would then start after it ('11-12pm' is 11:00-12:00); neither with am/pm is a 24-hour range ('19:00-20:00'); an
    hour with neither am/pm nor minutes ('7-8 GMT') would be a guess: an error."""
    r1, a1, r2, a2 = m["r1"], m["ra1"], m["r2"], m["ra2"]
    if not a1 and not a2 and not (":" in r1 and ":" in r2):
        raise ValueError(f"{m[0]!r}: an hour range needs am/pm ('7-8pm') or 24-hour times ('19:00-20:00')")
    end = _hour(r2, a2 or a1)
    start = _hour(r1, a1 or a2)
    if not a1 and a2 and start > end:
        start = _hour(r1, "am" if a2.lower() == "pm" else "pm")
    return start, end


def _hour(h: str, ampm: str | None) -> dt.time:
    """'7', '7.30' or '7:30' with 'am'/'pm', or a 24-hour '19:00' (no am/pm)."""
    hour, _, minute = h.replace(":", ".").partition(".")
    if not ampm:
        return dt.time(int(hour), int(minute or 0))
    hh = int(hour) % 12 + (12 if ampm.lower() == "pm" else 0)
    return dt.time(hh, int(minute or 0))


def _load(name: str) -> list[dict]:
    """A curation file of kg/data, checked against its schema: a malformed file names its line."""
    from kg.sources import curation

    return curation.load(DATA / name)[0] or []


# --- chat, follow-ups, panel ------------------------------------------------------------------------------------


def parse_chat(doc: Doc, orgs: list[Organisation]) -> Chat:
    kind = doc.find(r"^Tweet ?[Cc]hat [Rr]eport$", required=False)  # the title stands above it
    above = [n for n in range(1, kind[0]) if doc.text(n)] if kind else []
    title_line = above[-1] if above else next(n for n in range(1, doc.n + 1) if doc.text(n))
    by_n, by = doc.find(
        r"^Report produced by (?P<who>.+?) for (?P<org>.+?)\.$",
        what="chat.report_author",
        expected="'Report produced by NAME for ORGANISATION.'",
    )
    when_n, when = (
        doc.find(  # 'on Tuesday 19th October 2022 at 7pm BST', '... at 7.30pm', '... at 7:30pm', '... at 19:00', or
            # the hour as a range with or without 'at' or 'from': '..., 7-8pm GMT, hosted by', '... from 19:00-20:00'
            r"took place on (?:\w+,? )?(?P<d>\d+)\w* (?P<mon>[A-Z][a-z]+),? (?P<y>\d{4}),? (?:at |from )?"
            rf"(?:{_CLOCK_RANGE}|(?P<h>{_CLOCK}) ?(?P<ap>{_AMPM})|(?P<h24>\d{{1,2}}:\d\d)) (?P<tz>[A-Z]{{3,4}}),? "
            r"hosted by (?P<host>.+?) @(?P<handle>\w+)",
            what="chat.date",
            expected="'... took place on Tuesday 31st January 2023 at 7pm GMT hosted by ORGANISATION @handle ...' "
            "(or '..., 7-8pm GMT, hosted by ...')",
        )
    )
    end = doc.find(
        r"ran from (?P<h1>[\d.]+)(?P<a1>am|pm) [–-] (?P<h2>[\d.]+)(?P<a2>am|pm) (?P<tz>[A-Z]{3})", required=False
    ) or doc.find(r"ran from (?P<h1>[\d.]+) ?[–-] ?(?P<h2>[\d.]+)(?P<a2>am|pm)\b", required=False)
    tags = doc.find(r"^(?:Just )?[Ff]ollow the hashtags? (?P<tags>#\w+(?:,? (?:&|and)? ?#\w+)*)\.?$", required=False)
    partner = doc.find(
        r"in partnership with #\w+ hosted by (?P<partner>.+?) \((?P<abbr>[A-Z]+)\) at (?P<parent>.+?) "
        r"\(in collaboration with (?P<collab>.+?)\)",
        required=False,
    )
    with reading(when_n, "chat.date", when[0]):
        date = dt.date(int(when["y"]), MONTHS[when["mon"]], int(when["d"]))
        if when["r1"]:
            start, stated_end = _clock_range(when)
        else:
            start, stated_end = _hour(when["h"] or when["h24"], when["ap"]), None
    with reading(when_n, "chat.timezone", when[0]):
        offset = _offset(when["tz"])
    with reading(end[0] if end else when_n, "chat.end", end[1][0] if end else when[0]):
        end_time = (
            _hour(end[1]["h2"], end[1]["a2"]) if end else stated_end or dt.time((start.hour + 1) % 24, start.minute)
        )
    collaborators = re.split(r", | & ", partner[1]["collab"]) if partner else []
    # the purpose statement names the chat's subject in quotes: "... this tweet chat on 'measuring what matters',"
    # (the closing mark pairs with the opening one and ends a word: "'what's next'", "'patients' voices'" are whole)
    subject = re.search(
        r"\bchat on (?:\u2018(?P<a>.{3,200}?)[\u2019'](?![^\W_])|'(?P<b>.{3,200}?)'(?![^\W_])|"
        r"\u201c(?P<c>[^\u201d]{3,200})\u201d|\"(?P<d>[^\"]{3,200})\")",
        doc.text(when_n),
    )
    subject_words = next((g for g in subject.group("a", "b", "c", "d") if g), None) if subject else None
    return Chat(
        line=when_n,
        slug=date.isoformat(),
        title=doc.text(title_line),
        subject=subject_words.strip() if subject_words else None,
        date=date,
        start=start,
        end=end_time,
        timezone=when["tz"],
        utc_offset=offset,
        hashtags=re.findall(r"#(\w+)", tags[1]["tags"]) if tags else [],  # none stated: none
        host=_org(orgs, when["host"], when_n),
        partners=[_org(orgs, partner[1]["partner"], partner[0])] if partner else [],
        collaborators=[c.strip() for c in collaborators if c.strip()],
        report_author=by["who"],
        report_for=_org(orgs, by["org"], by_n),
    )


def parse_next_chat(doc: Doc) -> FollowUpChat | None:
    """The chat 'What next?' announces: 'The next ... chat will take place on Tuesday 31st January 2023 from
    7pm-8pm GMT'."""
    start = doc.heading("What next?")
    if start is None:
        return None
    found = doc.find(
        r"[Tt]he next .*?chat will take place on \w+ (?P<d>\d+)\w* (?P<mon>[A-Z][a-z]+) (?P<y>\d{4}) from "
        r"(?P<h1>[\d.]+)(?P<a1>am|pm)?\s*[-–]\s*(?P<h2>[\d.]+)(?P<ap>am|pm) (?P<tz>[A-Z]{3,4})\b",
        start,
        doc.section_end(start),
        required=False,
    )
    if not found:
        return None
    n, m = found
    with reading(n, "follow_ups", m[0]):
        return FollowUpChat(
            line=n,
            date=dt.date(int(m["y"]), MONTHS[m["mon"]], int(m["d"])),
            start=_hour(m["h1"], m["a1"] or m["ap"]),
            end=_hour(m["h2"], m["ap"]),
            timezone=m["tz"],
            utc_offset=_offset(m["tz"]),
        )


def parse_follow_ups(doc: Doc) -> list[FollowUpChat]:
    """The chats 'Save the dates!' lists, and the one 'What next?' announces when that list lacks it."""
    out = _saved_dates(doc)
    announced = parse_next_chat(doc)
    if announced is not None and announced.date not in {f.date for f in out}:
        out = sorted([*out, announced], key=lambda f: f.date)
    return out


def _saved_dates(doc: Doc) -> list[FollowUpChat]:
    found = doc.heading("Save the dates!")
    if found is None:
        return []
    rx = re.compile(
        rf"^{BULLET}\w+ (?P<d>\d+)\w* (?P<mon>[A-Z][a-z]+) (?P<y>\d{{4}}), (?P<h1>[\d.]+)-(?P<h2>[\d.]+)"
        r"(?P<ap>am|pm) (?P<tz>[A-Z]{3,4})$"
    )
    out = []
    for n in range(found + 1, doc.section_end(found) + 1):
        m = rx.match(doc.text(n))
        if m:
            with reading(n, "follow_ups", m[0]):
                out.append(
                    FollowUpChat(
                        line=n,
                        date=dt.date(int(m["y"]), MONTHS[m["mon"]], int(m["d"])),
                        start=_hour(m["h1"], m["ap"]),
                        end=_hour(m["h2"], m["ap"]),
                        timezone=m["tz"],
                        utc_offset=_offset(m["tz"]),
                    )
                )
    return out


# the line before the panel's list: 'Join our panel of leaders ...', 'Meet the panel:', 'Our panel for this chat:',
# 'With thanks to our panel:', 'Our panellists:', 'Our guests tonight:', 'We were joined by:'. Any but the first
# report's 'Join/Meet ... panel' ends in a colon (a sentence that mentions the panel is no heading), and the heading
# is the first such line that a member's line follows, so a colon ending an ordinary sentence is not taken either.
PANEL_HEADING_RE = re.compile(
    r"^(?:Join|Meet) (?:our|the) (?:\w+ )?panel\b"
    r"|^[^.!?:]{0,60}\b(?:[Pp]anel|[Pp]anell?ists?|[Gg]uests?)\b[^.!?:]{0,60}:$"
    r"|^[^.!?:]{0,60}\b[Jj]oined(?: \w+){0,4} by\b[^.!?:]{0,60}:$"
)
_PANEL_MEMBER_RE = re.compile(rf"^{BULLET}(?P<body>.+?),? \(?@(?P<handle>\w+)\)?[.:;]?$")  # '... @h', '... (@h)'


def _panel_heading(doc: Doc) -> int | None:
    """The line of the panel's heading: the first line in `PANEL_HEADING_RE`'s words that a member's line follows
    (blank lines aside), else the first in those words (its list is then not read: a warning says so)."""
    candidates = [n for n in range(1, doc.n + 1) if PANEL_HEADING_RE.match(doc.text(n))]
    for n in candidates:
        nxt = next((k for k in range(n + 1, doc.n + 1) if doc.text(k)), None)
        if nxt is not None and _PANEL_MEMBER_RE.match(doc.text(nxt)):
            return n
    return candidates[0] if candidates else None


def parse_panel(doc: Doc, orgs: list[Organisation], warnings: list[str] | None = None) -> list[Person]:
    """The panel list: its heading (`PANEL_HEADING_RE`) and one '- Name, [role, ]Organisation @handle' line a
    member."""
    heading = _panel_heading(doc)
    if heading is None:
        if warnings is not None:
            warnings.append(
                f"{doc.path}:1: panel: no 'Join our panel ...' (or 'Meet the panel:', 'Our panel:', 'With thanks to "
                "our panel:', 'Our guests:', 'Joined by:') line: the chat has no panel in the records"
            )
        return []
    people: list[Person] = []
    for n in range(heading + 1, doc.n + 1):
        text = doc.text(n)
        m = _PANEL_MEMBER_RE.match(text)
        if not m:
            if people and text:
                break
            continue
        parts = [p.strip() for p in m["body"].split(", ")]
        name, rest = parts[0], parts[1:]
        behalf = None  # 'X, on behalf of Y, Org @h' / 'X for Y @h': the account is Y's, X speaks for it
        said = re.match(rf"^(?P<name>.+?) {_BEHALF}(?P<holder>.+)$", name)
        if said:
            name, behalf = said["name"], said["holder"]
        for i, part in enumerate(rest):
            said = re.match(rf"^{_BEHALF}(?P<holder>.+)$", part)
            if said and behalf is None:
                behalf = said["holder"]
                rest = rest[:i] + rest[i + 1 :]
                break
        printed = _organisations_on(orgs, rest[-1]) if rest else []  # as printed on the panel line: one or two
        affiliations = list(dict.fromkeys(_org(orgs, name, n) for name in printed))
        role = ", ".join(rest[:-1]) or None
        holder = _org(orgs, re.sub(r"^the ", "", behalf.strip()), n) if behalf else None
        people.append(
            Person(
                line=n,
                name=name,
                handle=m["handle"],
                affiliations=affiliations,
                role=role,
                on_behalf_of=holder,
            )
        )
    if not people and warnings is not None:
        warnings.append(
            f"{doc.path}:{heading}: panel: no '- Name, Organisation @handle' line follows: the chat has no panel "
            "in the records"
        )
    return people


# words that make a name an organisation's: a part of a panel line's last field split at ' / ' or '; ' is an
# organisation of its own only when it has one of them (or is a known name)
_ORG_WORDS = re.compile(
    r"\b(?:NHS|Trust|University|Universities|Hospitals?|Academy|School|Institute|Foundation|Board|Network|"
    r"Partnership|Council|College|Centre|Center|Health|Care|Alliance|Service|Services|Society|Company|Ltd|Group|"
    r"Team|Hub|Collaborative|Commission|England|Scotland|Wales|Agency)\b"
)


def _organisations_on(orgs: list[Organisation], text: str) -> list[str]:
    """The organisations a panel line's last field names: one name, or two or more joined by ' / ' or '; '
    ('Northshire Community Health Partnership / Eastbrook University') when each part reads as an organisation's
    name of its own (known, or two words or more with a word like 'Trust', 'University', 'Academy'). ' & ' and
    ' and ' are inside many names ('Belfast Health and Social Care Trust'), so they join two organisations only when
    every part is an organisation already known (kg/data/organisations.yaml, or named earlier in the report);
    otherwise the field is one name, as printed."""
    text = text.strip()
    if _org_slug(orgs, text) or _org_slug(orgs, re.sub(r"\s*\([A-Za-z&]+\)$", "", text)):
        return [text]
    parts = [p.strip() for p in re.split(r"\s+/\s+|\s*;\s+", text)]
    if len(parts) > 1 and all(
        _org_slug(orgs, p) or (len(p.split()) >= 2 and p[:1].isupper() and _ORG_WORDS.search(p)) for p in parts
    ):
        return parts
    parts = [p.strip() for p in re.split(r"\s+&\s+|\s+and\s+", text)]
    if len(parts) > 1 and all(_org_slug(orgs, p) for p in parts):
        return parts
    return [text]


# the words of a panel line that say its handle is a team's or organisation's, spoken for by the person named
_BEHALF = r"(?:on behalf of|speaking for|for) "


def parse_named_roles(doc: Doc, orgs: list[Organisation]) -> list[Person]:
    """People the narrative names with a role at a known organisation: 'Leigh Kendall, Programme Lead (...) at X'."""
    rx = re.compile(r"(?P<name>[A-Z][a-z]+ [A-Z][a-z]+), (?P<role>[A-Z][^,]*?) at (?P<org>[A-Z][\w &]+?)\.")
    out = []
    for n in range(1, doc.n + 1):
        for m in rx.finditer(doc.text(n)):
            org = _org_slug(orgs, m["org"])
            if org:
                out.append(Person(line=n, name=m["name"], affiliations=[org], role=m["role"]))
    return out


# --- organisations ------------------------------------------------------------------------------------------------


def _norm_org(name: str) -> str:
    """The form two printings of one name share: '&' is 'and', 'Hospitals' is 'Hospital', 'NHS FT' is 'NHS
    Foundation Trust' (the NHS's own abbreviation), a leading 'The' is dropped."""
    key = slugify(name.replace("&", "and")).removeprefix("the-")
    return re.sub(r"\bnhs-ft\b", "nhs-foundation-trust", re.sub(r"\bhospitals?\b", "hospital", key))


def _name_pattern(name: str) -> str:
    """A regular expression for `name` in every printing `_norm_org` makes one: the words as printed, with '&' or
    'and', 'Hospital' or 'Hospitals', 'NHS Foundation Trust' or 'NHS FT', and runs of spaces."""
    words = re.split(r"\s+", name.strip())
    out = []
    for word in words:
        if word in {"&", "and"}:
            out.append("(?:&|and)")
        elif re.fullmatch(r"Hospitals?", word):
            out.append("Hospitals?")
        else:
            out.append(re.escape(word))
    pattern = r"\s+".join(out)
    if words[0] == "The":
        pattern = r"(?:The\s+)?" + pattern.removeprefix(r"The\s+")
    return re.sub(r"NHS\\s\+(?:Foundation\\s\+Trust|FT)\b", r"NHS\\s+(?:Foundation\\s+Trust|FT)", pattern)


def _org_slug(orgs: list[Organisation], name: str) -> str | None:
    key = _norm_org(name)
    for o in orgs:
        if key in {_norm_org(x) for x in [o.name, *o.alt_names]}:
            return o.slug
    return None


def _org(orgs: list[Organisation], name: str, line: int) -> str:
    """The organisation printed as `name` on `line`: a known one (by name or listed alternative name), else a new
    node named as printed (kind "other": the report does not say more; kg/data/organisations.yaml can)."""
    name = name.strip().rstrip(".")
    slug = _org_slug(orgs, name)
    short = re.match(r"^(?P<name>.+?)\s*\((?P<abbr>[A-Za-z&]+)\)$", name)  # 'Name (ABBR)': the name, or the ABBR
    if slug is None and short:
        slug = _org_slug(orgs, short["name"]) or _org_slug(orgs, short["abbr"])
        name = short["name"] if slug is None else name
        slug = slug or _org_slug(orgs, name)
    if slug is None:
        slug = slugify(name)
        alt = [short["abbr"]] if short and short["name"] == name else []
        orgs.append(Organisation(line=line, slug=slug, name=name, alt_names=alt))
    return slug


# A capitalised word just before a short (alternative) name makes it the tail of a longer name: "Mental Health
# Foundation Trust" does not print "Health Foundation". An article ("The Health Foundation") or a handle
# ("@KPOteam_SASH SASH+") before it does not. Full names are taken wherever they stand: a PDF's text runs names
# together ("... Care Trusts SaTH Improvement Hub").
_LONGER_NAME = re.compile(r"(?<![\w&@])(?!(?:The|A|An)\s)[A-Z][\w&'’.-]*\s+$")


def _printed(doc: Doc, name: str, alt_names: list[str]) -> int | None:
    """The first line that prints the name or an alternative name as a name of its own: not inside a longer word,
    and an alternative name not as the tail of a longer name. Printed as listed first; else in another printing of
    the same name ('&' for 'and', 'NHS FT' ...), which, like a short name, must not be a longer name's tail."""
    exact = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")
    alts = [re.compile(rf"(?<!\w){re.escape(alt)}(?!\w)") for alt in alt_names]
    other = [re.compile(rf"(?<!\w){_name_pattern(x)}(?!\w)") for x in [name, *alt_names]]

    def alone(rx: re.Pattern[str], text: str) -> bool:
        return any(not _LONGER_NAME.search(text[: m.start()]) for m in rx.finditer(text))

    for prints in (
        lambda text: bool(exact.search(text)) or any(alone(rx, text) for rx in alts),
        lambda text: any(alone(rx, text) for rx in other),
    ):
        found = next((n for n in range(1, doc.n + 1) if prints(doc.text(n))), None)
        if found is not None:
            return found
    return None


def printed_parents(doc: Doc, orgs: list[Organisation], cur: Curation, warnings: list[str]) -> list[Organisation]:
    """The organisations with their curated parent (`part_of`) only where this report prints the parent too: a
    parent the report does not print has no node of this chat's graph (nothing the report states says what it is),
    so the link is left out, with a warning naming the report's line and the curation's file and line
    (kg/data/organisations.yaml, else the report's own curation, in the order `load_organisations` reads them)."""
    from kg.sources import curation

    held = {o.slug for o in orgs}
    shared_path = DATA / "organisations.yaml"
    out = []
    for o in orgs:
        if o.part_of is None or o.part_of in held:
            out.append(o)
            continue
        shared, lines = curation.load(shared_path)
        at = next((i for i, item in enumerate(shared or []) if item["slug"] == o.slug), None)
        if at is not None:
            where = f"{curation.shown_path(shared_path)}:{lines.line((at, 'part_of'))}"
        else:
            own = next(i for i, item in enumerate(cur.organisations) if item["slug"] == o.slug)
            where = cur.where(("organisations", own, "part_of")).removesuffix(f": organisations[{own}].part_of")
        warnings.append(
            f"{doc.path}:{o.line}: organisations: {o.name} is part of {o.part_of} by {where}, which this report "
            "does not print: no org:subOrganizationOf in this chat's graph"
        )
        out.append(o.model_copy(update={"part_of": None}))
    return out


def load_organisations(doc: Doc, warnings: list[str], extra: list[dict] | None = None) -> list[Organisation]:
    """The organisations of kg/data/organisations.yaml (and the report's own curation) that this report prints,
    each at the first line that prints its name or an alternative name; the others are not this report's (a report
    that prints only an organisation's handle states no more than that the account is an organisation's: the
    shared list of kg/data/aliases.yaml says so, `collect_accounts`)."""
    orgs: list[Organisation] = []
    for item in [*(_load("organisations.yaml") or []), *(extra or [])]:
        item = {k: v for k, v in item.items() if k != "reason"}
        line = _printed(doc, item["name"], item.get("alt_names", []))
        if line is None or any(o.slug == item["slug"] for o in orgs):
            continue
        orgs.append(Organisation(line=line, **item))
    return orgs


# --- questions and their sections ---------------------------------------------------------------------------------


def parse_questions(doc: Doc, cards: list[cardlib.Card]) -> list[Question]:
    """Questions from 'Question N: text' headings; a number with answers but no heading still gets a section.

    A question the report gives no heading for (Q4 of the first chat) has no text: its section starts at the
    narrative line that introduces the first card answering it, and ends where the next question starts.
    """
    start = doc.heading("Insights and Learning") or doc.find(r"^Insights and Learning$")[0]
    end = doc.section_end(start)
    headings: dict[int, tuple[int, str]] = {}
    in_card = {k for c in cards for k in range(c.line, c.end + 1)}
    short: dict[int, tuple[int, str]] = {}
    for n in range(start, end + 1):
        m = QUESTION_HEADING.match(doc.text(n))
        if m:
            headings.setdefault(_question_number(m["num"]), (n, m["text"].strip()))
            continue
        m = SHORT_HEADING.match(doc.text(n))  # 'Q3 – text?' standing alone, outside every card
        if m and n not in in_card:
            short.setdefault(int(m["num"]), (n, m["text"].strip()))
    for num, found in short.items():  # only where the report has no 'Question N' heading for that number
        headings.setdefault(num, found)
    numbers = set(headings) | {c.answer_prefix for c in cards if c.answer_prefix and start < c.line <= end}
    starts: dict[int, int] = {k: v[0] for k, v in headings.items()}
    for num in sorted(numbers - set(headings)):
        first = min(c.line for c in cards if c.answer_prefix == num and start < c.line <= end)
        intro = first - 1
        while intro > start and not doc.text(intro):
            intro -= 1
        starts[num] = intro
    order = sorted(starts, key=lambda k: starts[k])
    questions = []
    for i, num in enumerate(order):
        s = starts[num]
        e = starts[order[i + 1]] - 1 if i + 1 < len(order) else end
        in_section = [c for c in cards if s <= c.line <= e]
        asking = next((c for i, c in enumerate(in_section) if posts_question(c, num, headings.get(num), i == 0)), None)
        summary_terms: list[str] = []
        summary_line = None
        for n in range(s, e + 1):
            if doc.text(n).count("•") >= 3:
                summary_terms = [t.strip() for t in doc.text(n).lstrip("- ").split("•") if t.strip()]
                summary_line = n
        questions.append(
            Question(
                line=headings[num][0] if num in headings else s,
                number=num,
                text=headings[num][1] if num in headings else (_card_question(asking, num) if asking else None),
                asked_by=asking.handle if asking else None,
                asked_in_line=asking.line if asking else None,
                section_start=s,
                section_end=e,
                summary_terms=summary_terms,
                summary_line=summary_line,
            )
        )
    return sorted(questions, key=lambda q: q.number)


# the host's question card: 'Q2: <the question>' and the instruction to answer with the number ('add Q2 and the
# hashtags', 'use Q2', 'include Q2', 'start your answer with Q2')
_QUESTION_CARD_RE = re.compile(r"^Q(?P<num>\d+)\s*(?:[:–—-]|\.(?!\d))\s*(?P<words>\S.*)", re.DOTALL)
# the host's instruction, not a participant's 'I'd add Q2 of the survey': 'add/use/include Q2' asked for ('please',
# 'remember', 'don't forget', 'make sure' before it) or said to be for the answer ('... to your answer', '... and the
# hashtags' after it), or 'with Q2' after a word of answering ('start your answer with Q2', 'reply with Q2')
_INSTRUCTION_RE = (
    r"\b(?:please|remember|don'?t\s+forget|do\s+not\s+forget|make\s+sure|kindly)\b[^.?!\n]{{0,40}}?"
    r"\b(?:add|use|include)\s+(?:the\s+)?Q{num}(?!\d)"
    r"|\b(?:add|use|include)\s+(?:the\s+)?Q{num}(?!\d)[^.?!\n]{{0,40}}?\b(?:answers?|repl(?:y|ies)|responses?|tweets?|hashtags?)\b"
    r"|\b(?:answer|reply|respond|start|begin|tweet)\w*(?:\s+\w+){{0,3}}?\s+with\s+(?:the\s+)?Q{num}(?!\d)"
)


def _card_question(card: cardlib.Card, num: int) -> str | None:
    """The question's words as its card prints them: the card's first paragraph without 'Q2:'."""
    m = _QUESTION_CARD_RE.match(card.text)
    return " ".join(m["words"].split("\n\n")[0].split()) if m and int(m["num"]) == num else None


def posts_question(card: cardlib.Card, num: int, heading: tuple[int, str] | None, first: bool = True) -> bool:
    """Whether a card of question `num`'s section posts the question rather than answering it: its words start with
    'Q2:' (or 'Q2 –', 'Q2.'), and it tells people how to answer ('Please remember to add Q2 ...') or its first
    paragraph is the question's heading word for word (up to case, spacing and punctuation). A participant's 'Q2: ...'
    answer does neither."""
    words = _card_question(card, num)
    if words is None:
        return False
    if re.search(_INSTRUCTION_RE.format(num=num), card.text, re.IGNORECASE):
        return True
    key = lambda t: re.sub(r"[\W_]+", " ", t).strip().casefold()  # noqa: E731
    # the heading's words alone: only the section's first card, where the host posts the question before the answers
    # (a participant who repeats the question later answers it)
    return first and heading is not None and key(words) == key(heading[1])


# 'Question 2: ...', 'Question 4 - ...', 'QUESTION THREE: ...', 'Question one. ...': the heading of a question's section
QUESTION_HEADING = re.compile(
    r"^(?i:question)\s+(?P<num>\d+|(?i:one|two|three|four|five|six|seven|eight|nine|ten))\s*[.:–—)-]\s+(?P<text>.+)$"
)
# 'Q3 – What would you stop doing?' alone on a line: a heading written short (a question: it ends with '?')
SHORT_HEADING = re.compile(r"^Q(?P<num>\d+)\s*(?:[:–—-]|\.(?!\d))\s+(?P<text>[^?]+\?)$")


def _question_number(text: str) -> int:
    return int(text) if text.isdigit() else {**WORDS, "ten": 10}[text.lower()]


def section_of(questions: list[Question], line: int) -> int | None:
    return next((q.number for q in questions if q.section_start <= line <= q.section_end), None)


# --- quotes ---------------------------------------------------------------------------------------------------------


def parse_quotes(
    doc: Doc,
    cards: list[cardlib.Card],
    questions: list[Question],
    known_names: dict[str, str],
    warnings: list[str],
    panel: list[Person] | None = None,
) -> list[Quote]:
    """Tweets, inline comments and pull-quotes in order of appearance, numbered from 1. A comment that names its
    speaker by first name only ('Tom also reflected') is the latest account before it with that name: its display
    name, or the name of the person the `panel` lists for it (a team account's card shows the team's name, the panel
    the person who tweets for it: the words are theirs, said for the account, and stay the account's)."""
    people_of: dict[str, list[str]] = {}
    for p in panel or []:
        if p.handle:
            people_of.setdefault(p.handle, []).append(p.name)
    asking = {q.asked_in_line for q in questions}
    in_card = {n for c in cards for n in range(c.line, c.end + 1)}
    start = doc.heading("Insights and Learning") or doc.find(r"^Insights and Learning$")[0]
    end = doc.section_end(start)
    items: list[tuple[int, str, object]] = [(c.line, "tweet", c) for c in cards]
    pull_lines: set[int] = set()
    for n in range(start, end + 1):
        if n in in_card:
            continue
        pq = narrative.pull_quote(doc.lines, n, warnings)
        if pq:
            items.append((n, "pullquote", pq))
            pull_lines.add(n)
    recent: list[tuple[int, str, str | None]] = [(c.line, c.handle, c.display_name) for c in cards]
    for n in range(start, end + 1):
        if n in in_card or n in pull_lines or narrative.PULL_ATTRIBUTION_RE.match(doc.text(n)):
            continue
        for contrib in narrative.comments_on_line(n, doc.lines[n - 1]):
            warnings.extend(contrib.warnings)
            if contrib.speaker is None:
                contrib.speaker = _resolve_first_name(contrib.first_name or "", n, recent, known_names, people_of)
                if contrib.speaker is None:
                    warnings.append(f"line {n}: no account found for the first name {contrib.first_name!r}")
                    continue
            items.append((n, "comment", contrib))
            recent.append((n, contrib.speaker, known_names.get(contrib.speaker.lower())))
    quotes: list[Quote] = []
    # a card shown inside a quote tweet was posted elsewhere, maybe years before: only its own 'Q2'/'A2' ties it to
    # a question, never the section the quoting tweet stands in
    quoted = {o.quotes_line for _, k, o in items if isinstance(o, cardlib.Card) and o.quotes_line is not None}
    for i, (n, kind, obj) in enumerate(sorted(items, key=lambda t: (t[0], t[1])), start=1):
        if kind == "tweet":
            c: cardlib.Card = obj  # type: ignore[assignment]
            asks = next((q.number for q in questions if q.asked_in_line == c.line), None)
            in_section = None if c.line in quoted else section_of(questions, c.line)
            q_num = None if asks is not None else (c.answer_prefix or in_section)
            sec = section_of(questions, c.line)
            if c.answer_prefix and sec and c.answer_prefix != sec and c.line not in asking:
                warnings.append(f"line {c.line}: card starts with Q{c.answer_prefix} but sits in section Q{sec}")
            quotes.append(
                Tweet(
                    line=c.line,
                    number=i,
                    author=c.handle,
                    text=c.text,
                    question=q_num,
                    mentions=c.mentions,
                    hashtags=c.hashtags,
                    display_name=c.display_name,
                    date=c.date,
                    replying_to=c.replying_to,
                    replying_to_others=c.replying_to_others,
                    counts=c.counts,
                    counts_line=c.counts_line,
                    asks=asks,
                    quotes_tweet=c.quotes_line,
                    quoted_text=c.quoted_text,
                )
            )
        else:
            k: narrative.Contribution = obj  # type: ignore[assignment]
            quotes.append(
                Quote(
                    kind=kind,
                    line=n,
                    number=i,
                    author=k.speaker or "",
                    text=k.text,
                    question=section_of(questions, n),
                    mentions=k.mentions,
                    hashtags=k.hashtags,
                    attributed_by=k.verb,
                    context=k.context if kind == "comment" else None,
                )
            )
    return quotes


def _resolve_first_name(
    name: str,
    line: int,
    recent: list[tuple[int, str, str | None]],
    known_names: dict[str, str],
    people_of: dict[str, list[str]] | None = None,
) -> str | None:
    """'Bryan also commented' -> the latest account before `line` whose display name, handle or panel person
    (`people_of`: handle as the panel prints it -> the names it lists for it) has that name; else the one panel
    account whose person has it (none of their cards or comments came before: the panel named them at the start);
    two panel people of that first name are no answer."""
    lowered = name.lower()

    def first_word(printed: str) -> str | None:
        words = [w.lower() for w in re.findall(r"[^\W\d_]+", printed) if w.lower() != "dr"]
        return words[0] if words else None

    people_of = people_of or {}
    panel_names = {h.lower(): names for h, names in people_of.items()}
    for _, handle, display in sorted((r for r in recent if r[0] <= line), key=lambda r: r[0], reverse=True):
        display = display or known_names.get(handle.lower(), "")
        if any(first_word(printed) == lowered for printed in [display, *panel_names.get(handle.lower(), [])]):
            return handle
        if lowered in handle.lower():
            return handle
    on_panel = {h.lower(): h for h, names in people_of.items() if any(first_word(n) == lowered for n in names)}
    return next(iter(on_panel.values())) if len(on_panel) == 1 else None


# --- analytics, influencers ---------------------------------------------------------------------------------------


def parse_measurements(doc: Doc, chat: Chat) -> list[Measurement]:
    out: list[Measurement] = []
    head = doc.find(r"^(?P<d1>\d+)-(?P<d2>\d+) (?P<mon>[A-Z][a-z]+) (?P<y>\d{4}) #\w+$", required=False)
    p_start = p_end = None
    if head:
        m = head[1]
        with reading(head[0], "measurements.period_start", m[0]):
            p_start = dt.date(int(m["y"]), MONTHS[m["mon"]], int(m["d1"]))
            p_end = dt.date(int(m["y"]), MONTHS[m["mon"]], int(m["d2"]))
    rules = [
        (
            "tweets-seven-days",
            rf"^{BULLET}(?P<q>More than )?(?P<v>[\d,]+) tweets about the evaluation were shared in "
            r"(?P<p>\w+) days",
            "tweets shared about the evaluation",
            "tweets",
        ),
        (
            "participants",
            rf"^{BULLET}(?P<v>[\d,]+) people took part in the tweetchat",
            "people who took part in the chat",
            "people",
        ),
        (
            "continents",
            rf"^{BULLET}People took part from (?P<v>\w+) different continents",
            "continents people took part from",
            "continents",
        ),
        (
            "potential-reach",
            rf"^{BULLET}The potential reach .*? was (?P<q>nearly )?(?P<v>[\w,]+(?: million| thousand)?)\b",
            "potential reach of the Twitter campaign",
            "accounts",
        ),
    ]
    for slug, pattern, label, unit in rules:
        found = doc.find(pattern, required=False)
        if not found:
            continue
        n, m = found
        text = doc.text(n)
        named = re.search(r"\((?:[\w\s]+ )?(?:from|data from) (?P<tool>[A-Z][\w ]+?)\)", text)
        with reading(n, f"measurements.{slug}", m["v"]):
            value = _number(m["v"])
        period = (
            (p_start, p_end, "17-23 October 2022 headline figures")
            if slug != "participants"
            else (chat.date, chat.date, f"{chat.start:%H:%M}-{chat.end:%H:%M} {chat.timezone} on {chat.date:%d %B %Y}")
        )
        out.append(
            Measurement(
                line=n,
                slug=slug,
                label=label,
                value=value,
                qualifier=(m.groupdict().get("q") or "").strip().lower() or None,
                unit=unit,
                measured_by=named["tool"].strip() if named else None,
                period_start=period[0],
                period_end=period[1],
                period_label=period[2],
            )
        )
    tb = doc.find(
        r"^TIME PERIOD (?P<m1>\d+)/(?P<d1>\d+)/(?P<y1>\d{4}) - (?P<m2>\d+)/(?P<d2>\d+)/(?P<y2>\d{4})$", required=False
    )
    totals = doc.find(r"^TWEETS: (?P<t>[\d,]+) • USERS: (?P<u>[\d,]+)$", required=False)
    tool_line = doc.find(r"^TB #\w+$", required=False)
    if tb and totals:
        m = tb[1]
        with reading(tb[0], "measurements.period_start", m[0]):
            s = dt.date(int(m["y1"]), int(m["m1"]), int(m["d1"]))
            e = dt.date(int(m["y2"]), int(m["m2"]), int(m["d2"]))
        tool = "Tweet Binder" if tool_line and doc.find(r"\(Tweetbinder\)", required=False) is not None else None
        for slug, key, label, unit in [
            ("hashtag-tweets", "t", "tweets with the hashtag", "tweets"),
            ("hashtag-users", "u", "users of the hashtag", "users"),
        ]:
            out.append(
                Measurement(
                    line=totals[0],
                    slug=slug,
                    label=label,
                    value=_number(totals[1][key]),
                    unit=unit,
                    measured_by=tool,
                    period_start=s,
                    period_end=e,
                    period_label=f"{s:%d %B %Y} - {e:%d %B %Y}",
                )
            )
    return out


def _number(text: str) -> float:
    t = text.strip().lower().replace(",", "")
    if t.replace(".", "").isdigit():
        return float(t)
    parts = t.split()
    scale = {"million": 1_000_000, "thousand": 1_000}.get(parts[-1], 1) if len(parts) > 1 else 1
    return float(WORDS.get(parts[0], 0) * scale) if parts[0] in WORDS else float(parts[0]) * scale


def parse_influencers(doc: Doc, warnings: list[str] | None = None) -> list[InfluencerRank]:
    """The rankings of 'The Influencers', one row a rank. The header names them ('MOST ACTIVE<TAB><TAB>Tweets
    ...'): the first report's three, or more or fewer ('MOST MENTIONED ... Mentions'), each ranking read by its
    value column. A column shorter than the others leaves its cells of the lower rows empty: the row's other
    rankings are read by the header's columns, the empty ones are absent."""
    found = doc.find(r"^MOST ACTIVE\s+Tweets\s+ORIGINAL TWEETS", required=False)
    section = doc.heading("The Influencers")
    if not found:  # another header ('MOST MENTIONED<TAB>Mentions ...'): in the Influencers section, or a tabbed line
        # ("NHS England NHS Improvement and HEE joined us" reads like a header with its tabs lost)
        # a ranking's name and its value column's word, each pair followed by more columns or the line's end: the
        # last unit word ends the line ('MOST ACTIVE<TAB><TAB>Posts<TAB>HIGHEST IMPACT<TAB><TAB>Impressions')
        header_rx = r"^(?:[A-Z][A-Z ]+[A-Z]\s+[A-Z][a-z]+(?:\s+|$)){2,}"
        if section is not None:  # in its own section one ranking is a header too
            found = doc.find(header_rx.replace("{2,}", "{1,}"), section, doc.section_end(section), required=False)
        else:
            found = next(
                (
                    (n, m)
                    for n in range(1, doc.n + 1)
                    if "\t" in doc.lines[n - 1] and (m := re.search(header_rx, doc.text(n)))
                ),
                None,
            )
    if not found:
        _unread_influencers(doc, section, warnings)
        return []
    header = doc.lines[found[0] - 1].rstrip("\r\n").split("\t")
    value_columns = [i for i, c in enumerate(header) if re.fullmatch(r"[A-Z][a-z]+", c.strip())]
    rankings = []
    for i in value_columns:
        name = next((header[k].strip() for k in range(i - 1, -1, -1) if header[k].strip()), "")
        rankings.append((slugify(name), header[i].strip().lower()))
    if len(header) == 1:  # the tabs were lost: 'MOST ACTIVE Tweets ORIGINAL TWEETS Tweets ...'
        rankings = [(slugify(n), u.lower()) for n, u in re.findall(r"([A-Z][A-Z ]+[A-Z])\s+([A-Z][a-z]+)", header[0])]
    out: list[InfluencerRank] = []
    rank = 0
    k = len(rankings)
    for n in range(found[0] + 1, doc.n + 1):
        raw = doc.lines[n - 1].rstrip("\r\n").split("\t")
        cells = [c.strip() for c in raw if c.strip()]
        spaced = _SPACED_RANKS.findall(doc.text(n)) if len(raw) == 1 else []  # the converter dropped the tabs
        if k and len(cells) == 2 * k:
            pairs = list(zip(cells[0::2], cells[1::2], strict=True))
        elif cells and len(value_columns) == k and all(c.strip().startswith("@") for c in cells[0::2]):
            pairs = [(_cell(raw, i - 1), _cell(raw, i)) for i in value_columns]
        elif k and len(spaced) == k:
            pairs = [(f"@{h} {name}", value) for h, name, value in spaced]
        else:
            looks_like_row = re.search(r"@\w+.*\d", doc.text(n))
            if warnings is not None and doc.text(n) and (rank == 0 or looks_like_row):
                warnings.append(
                    f"{doc.path}:{n}: influencers: this row is not {_COUNT_WORDS.get(k, k)} '@handle name count' cells "
                    f"(tab-separated, or a short column's cells empty): the rankings from here on are not read"
                )
            if doc.text(n) or rank:
                break
            continue
        rank += 1
        for (slug, unit), (who, value) in zip(rankings, pairs, strict=True):
            m = re.match(r"^@(?P<h>\w+)\s+(?P<name>.+)$", who)
            if not m:
                if (who or value) and warnings is not None:
                    warnings.append(
                        f"line {n}: influencers.{slug}: rank {rank} reads {who!r} {value!r}, not '@handle name'"
                    )
                continue
            with reading(n, f"influencers.{slug}", value):
                count = int(value.replace(",", ""))
            out.append(
                InfluencerRank(
                    line=n, ranking=slug, rank=rank, handle=m["h"], display_name=m["name"], value=count, unit=unit
                )
            )
    return out


def _unread_influencers(doc: Doc, section: int | None, warnings: list[str] | None) -> None:
    """Say so when the report has an influencer table whose header is not read: its Influencers section has words,
    or a line reads like a ranking's name ('MOST ACTIVE', 'TOP TWEETERS') followed by '@handle name count' rows."""
    if warnings is None:
        return
    if section is not None:
        lines = range(section + 1, doc.section_end(section) + 1)
        first = next((n for n in lines if doc.text(n)), None)
        if first is not None:
            warnings.append(
                f"line {first}: influencers: the Influencers section has no header of rankings read as one "
                "('RANKING NAME<TAB>Unit' for each ranking, as 'MOST ACTIVE<TAB><TAB>Tweets'): no ranking is read"
            )
        return
    for n in range(1, doc.n):
        if re.match(r"^(?:MOST|TOP|HIGHEST)\b[A-Z ]*\b", doc.text(n)) and any(
            re.search(r"@\w+.*\d", doc.text(k)) for k in range(n + 1, min(n + 3, doc.n) + 1)
        ):
            warnings.append(
                f"line {n}: influencers: {doc.text(n)[:60]!r} reads like an influencer table's header but is not one "
                "('RANKING NAME<TAB>Unit' for each ranking, as 'MOST ACTIVE<TAB><TAB>Tweets'): no ranking is read"
            )
            return


_COUNT_WORDS = {0: "the header's", 1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}
# a row of the three rankings with its tabs lost: '@h Name 172 @h2 Name 114 @h3 Name 3,349,878'
_SPACED_RANKS = re.compile(r"@(\w+)\s+(.+?)\s+(\d[\d,]*)(?=\s+@|\s*$)")


def _cell(cells: list[str], i: int) -> str:
    return cells[i].strip() if 0 <= i < len(cells) else ""


# --- lessons, resources ---------------------------------------------------------------------------------------------


def parse_lessons(doc: Doc, warnings: list[str]) -> list[Lesson]:
    """The six lessons, where the report reproduces the sketchnote; a report without it has none (no warning)."""
    specs = _load("lessons.yaml") or []
    bullets = [n for n in range(1, doc.n + 1) if re.match(r"^- [A-Z ']{8,}", doc.text(n))]
    found = {spec["slug"]: [n for n in bullets if spec["match"].lower() in doc.text(n).lower()] for spec in specs}
    lessons = []
    for spec in specs:
        hits = found[spec["slug"]]
        if not hits:
            if any(found.values()):
                warnings.append(f"lessons.yaml: no sketchnote heading contains {spec['match']!r}")
            continue
        last = hits[-1]  # the core-resources sketchnote is the cleaner rendering
        notes = []
        for n in range(last + 1, doc.n + 1):
            t = doc.text(n)
            if not t or t.startswith("- "):
                break
            notes.append(t)
        head = re.sub(r"\s+", " ", doc.lines[last - 1].strip())[2:]
        label, _, tagline = head.partition("**")
        lessons.append(
            Lesson(
                line=hits[0],
                slug=spec["slug"],
                label=re.sub(r"\s+", " ", label).strip(" ,*:"),
                tagline=tagline.strip(" ,*:") or None,
                notes=notes,
            )
        )
    return lessons


def parse_resources(
    doc: Doc,
    warnings: list[str],
    shown_names: dict[str, str] | None = None,
    curated: list[dict] | None = None,
    chat_slug: str = "chat",
) -> list[Resource]:
    """Core and shared resources. `shown_names` (handle -> display name on its card) resolves a sharer the
    report names only by name ('shared by Helen Bevan'), when exactly one card shows that name. `curated`: the
    report's curation of its resources, resolved to lines (`Curation.resources`)."""
    curated = curated or []
    core_n = doc.heading("Core resources")
    shared_n = doc.heading("Shared resources")
    items: list[tuple[int, list[str], Citation, bool]] = []
    for n in range(core_n + 1, doc.section_end(core_n) + 1) if core_n is not None else ():
        t = doc.text(n)
        if re.match(r"^\[[^\]]+\] ", t):
            items.append((n, [], parse_citation(t), True))
    if shared_n is not None and heading_key(doc.text(shared_n)) != "Shared resources":
        warnings.append(
            f"line {shared_n}: Shared resources: no heading; the table is read from its "
            + ("header row" if header_columns(doc.lines[shared_n - 1]) else "first row")
        )
    first_row = shared_n if shared_n is not None and heading_key(doc.text(shared_n)) != "Shared resources" else None
    entries, table_warnings = (
        shared_table(doc.lines, first_row or shared_n + 1, doc.section_end(shared_n))
        if shared_n is not None
        else ([], [])
    )
    warnings.extend(table_warnings)
    items += [(e.line, e.shared_by, e.citation, False) for e in entries]
    graphic = doc.find(
        r"^\(Graphic created and shared by (?P<who>[\w ]+) on (?P<d>\d+)/(?P<m>\d+)/(?P<y>\d+)\)$", required=False
    )
    out: list[Resource] = []
    slugs: set[str] = set()
    for n, by, cit, core in items:
        label = cit.title or " ".join(
            x
            for x in [
                cit.type or "Resource",
                f"({cit.description.splitlines()[0]})" if cit.description else "",
                "shared by " + ", ".join("@" + b for b in by) if by else "",
            ]
            if x
        )
        # a titled resource is the same node in every chat that shares it, and so is an untitled one with a web
        # address (the same address up to http/https, 'www.' and a closing slash); any other untitled one cannot be
        # recognised again, so it is this chat's (never named by its line: moving a line must not change a node)
        name = cit.title or (_link_key(cit.url) if cit.url else f"{cit.type or 'resource'} {' '.join(by)} {chat_slug}")
        slug = unique_slug(slugify(" ".join(name.split()[:8])), slugs)
        if not cit.title and cit.url:
            label = cit.url
        extra = next((c for c in curated if c["line"] == n and c.get("type", cit.type) == cit.type), {})

        out.append(
            Resource(
                line=n,
                slug=slug,
                type=cit.type,
                title=cit.title,
                label=label,
                creators=cit.creators,
                year=cit.year,
                publisher=cit.publisher,
                container=cit.container,
                volume=cit.volume,
                pages=cit.pages,
                doi=cit.doi,
                url=extra.get("url") or cit.url,
                shared_by=by,
                core=core,
                description=cit.description,
                discussed_at=extra.get("discussed_at", []),
                mentions=handles(" ".join(x for x in [cit.title, cit.description] if x)),
            )
        )
        if cit.parsed_by == "bare-title" and cit.type in {"Blog", "Article", "Report", "Publication"}:
            warnings.append(f"line {n}: citation style not recognised; kept as a title: {cit.title!r}")
    if graphic:
        n, m = graphic
        who = m["who"]
        headline = doc.find(r"^Headlines about .+$", end=n, required=False)
        sharer = [h for h, name in (shown_names or {}).items() if name == who]
        extra = next((c for c in curated if c["line"] == n), {})
        with reading(n, "resources.issued", m[0]):
            issued = dt.date(2000 + int(m["y"]), int(m["m"]), int(m["d"]))
        out.append(
            Resource(
                line=n,
                slug=unique_slug(f"analytics-headlines-graphic-{chat_slug}", slugs),
                type="Image",
                title=None,
                label=f"Graphic of the analytics headlines, created and shared by {who}",
                creators=[who],
                issued=issued,
                shared_by=sharer if len(sharer) == 1 else [],
                core=False,
                description=headline[1].group(0) if headline else None,
                discussed_at=extra.get("discussed_at", []),
            )
        )
    return out


def _link_key(url: str) -> str:
    """The words of a web address that name its resource: without the scheme, 'www.' and a closing slash."""
    return re.sub(r"^https?://(?:www\.)?", "", url).rstrip("/").replace("/", " ").replace(".", " ")


# --- the report's own curation ---------------------------------------------------------------------------------------


@dataclass
class Curation:
    """A report's curation file (`REPORT.curation.yaml`), every anchor resolved to a line of that report.

    An anchor is words of the report: they must be on exactly one line (or, as `{words, after}`, on a line after
    the one line holding `after`). Words that are not, and items that name nothing of the report, are problems
    naming the curation file's line: the extraction stops with all of them."""

    path: Path | None = None
    organisations: list[dict] = field(default_factory=list)
    aliases: list[dict] = field(default_factory=list)  # HandleAlias fields, the line resolved
    resources: list[dict] = field(default_factory=list)
    themes: list[dict] = field(default_factory=list)  # CuratedTheme fields; `quote_line`/`resource` checked later
    locations: dict[int, tuple] = field(default_factory=dict)  # id(item) -> its field path in the file
    problems: list[str] = field(default_factory=list)
    index: LineIndex | None = None

    def where(self, loc: tuple) -> str:
        """`FILE:LINE: field.path` of an item of the curation file."""
        return f"{self.path}:{self.index.line(loc) if self.index else '?'}: {dotted(loc)}"


def _flat(text: str) -> str:
    return " ".join(text.split())


def _anchor(doc: Doc, cur: Curation, anchor: object, loc: tuple) -> int | None:
    """The one line of the report holding the anchor's words (whitespace and markup folded), else a problem."""
    texts = getattr(doc, "_flat", None)
    if texts is None:
        texts = doc._flat = [_flat(doc.text(n)) for n in range(1, doc.n + 1)]  # type: ignore[attr-defined]
    after = 0
    if isinstance(anchor, dict):
        found = _anchor(doc, cur, anchor["after"], (*loc, "after"))
        if found is None:
            return None
        after, anchor = found, anchor["words"]
    words = _flat(clean(str(anchor)))
    hits = [n for n, t in enumerate(texts, start=1) if n > after and words in t]
    if not hits:
        where = f" after line {after}" if after else ""
        cur.problems.append(f"{cur.where(loc)}: the words {words!r} are on no line of {doc.path.name}{where}")
        return None
    if len(hits) > 1 and not after:
        shown = ", ".join(str(h) for h in hits[:6])
        cur.problems.append(
            f"{cur.where(loc)}: the words {words!r} are on {len(hits)} lines of {doc.path.name} ({shown}); quote "
            "more of the line, or give {words: ..., after: <words of an earlier line>}"
        )
        return None
    return hits[0]


def load_curation(doc: Doc) -> Curation:
    """The curation file beside the report, checked against the report's text; none beside it: no curation."""
    from kg.sources import curation as schema

    path = schema.curation_path(doc.path)
    if not path.is_file():
        return Curation()
    data, index = schema.load(path)
    data = data or {}
    cur = Curation(path=path, index=index, organisations=list(data.get("organisations") or []))
    for i, item in enumerate(data.get("aliases") or []):
        loc: tuple[str | int, ...] = ("aliases", i)
        spelling = item["alias"].lstrip("@")
        if item.get("at"):
            line = _anchor(doc, cur, item["at"], (*loc, "at"))
            if line is not None and not _prints(doc, line, spelling):
                cur.problems.append(f"{cur.where((*loc, 'at'))}: line {line} does not print @{spelling}")
                line = None
        else:
            line = next((n for n in range(1, doc.n + 1) if _prints(doc, n, spelling)), None)
            if line is None:
                cur.problems.append(f"{cur.where((*loc, 'alias'))}: @{spelling} is on no line of {doc.path.name}")
        if line is not None:
            alias = {"alias": spelling, "canonical": item["canonical"].lstrip("@"), "line": line}
            alias["reason"] = item["reason"]
            cur.locations[id(alias)] = loc
            cur.aliases.append(alias)
    for i, item in enumerate(data.get("resources") or []):
        loc = ("resources", i)
        line = _anchor(doc, cur, item["at"], (*loc, "at"))
        discussed = [
            _anchor(doc, cur, a, (*loc, "discussed_at", j)) for j, a in enumerate(item.get("discussed_at", []))
        ]
        if line is None or None in discussed:
            continue
        resolved = {k: item[k] for k in ("type", "url") if k in item}
        resolved.update(line=line, discussed_at=discussed)
        cur.locations[id(resolved)] = loc
        cur.resources.append(resolved)
    themes = data.get("themes") or {}
    for i, item in enumerate(themes.get("questions") or []):
        loc = ("themes", "questions", i)
        line = _anchor(doc, cur, item["at"], (*loc, "at"))
        if line is not None:
            theme = {"line": line, "scope": "section", "question": item["question"]}
            theme.update(themes=item["themes"], reason=item["reason"])
            cur.locations[id(theme)] = loc
            cur.themes.append(theme)
    for i, item in enumerate(themes.get("items") or []):
        loc = ("themes", "items", i)
        theme = {"themes": item["themes"], "reason": item["reason"]}
        if item.get("quote") is not None:
            theme["scope"] = "quote"
            theme["quote_line"] = _anchor(doc, cur, item["quote"], (*loc, "quote"))
        elif item.get("resource") is not None:
            theme.update(scope="resource", resource=item["resource"])
        else:
            theme.update(scope="question", question=item["question"])
        theme["line"] = _anchor(doc, cur, item["at"], (*loc, "at")) if item.get("at") else theme.get("quote_line")
        if theme["line"] is not None and theme.get("quote_line", 0) is not None:
            cur.locations[id(theme)] = loc
            cur.themes.append(theme)
    return cur


def _prints(doc: Doc, line: int, spelling: str) -> bool:
    """Does the line print the handle `spelling` (as a whole handle, any case; a broken one as printed)?"""
    text = clean(doc.text(line))
    key = handle_key(spelling)
    return any(handle_key(h) == key for h in handles(text)) or (" " in spelling and f"@{spelling}" in text)


def curated_aliases(cur: Curation, accounts: list[Account]) -> list[HandleAlias]:
    """The report's reviewed spellings as records, each checked to be a handle the report prints (on its line) and
    not the account's own spelling."""
    printed = {handle_key(a.handle) for a in accounts}
    out = []
    for item in cur.aliases:
        where = cur.where(cur.locations[id(item)])
        if handle_key(item["alias"]) == handle_key(item["canonical"]):
            cur.problems.append(f"{where}: @{item['alias']} is @{item['canonical']} up to case: no alias is needed")
        elif handle_key(item["alias"]) not in printed:
            cur.problems.append(f"{where}: the report prints no handle @{item['alias']} (its line {item['line']})")
        else:
            out.append(HandleAlias(**item))
    return out


def apply_curation(cur: Curation, records: dict) -> list[CuratedTheme]:
    """The report's curated themes as records, each checked to name an item of the report."""
    quotes = {q.line for q in records["quotes"]}
    resources = {r.slug for r in records["resources"]}
    questions = {q.number for q in records["questions"]}
    out = []
    for theme in cur.themes:
        loc = cur.locations[id(theme)]
        missing = (
            (theme["scope"] == "quote" and theme["quote_line"] not in quotes and "no quote starts on that line")
            or (theme["scope"] == "resource" and theme["resource"] not in resources and "no resource has that slug")
            or (theme["scope"] == "question" and theme["question"] not in questions and "no question has that number")
        )
        if missing:
            cur.problems.append(f"{cur.where(loc)}: names nothing of {records['path'].name}: {missing}")
            continue
        out.append(CuratedTheme(**theme))
    for item in cur.resources:
        if not any(r.line == item["line"] and item.get("type", r.type) == r.type for r in records["resources"]):
            cur.problems.append(
                f"{cur.where(cur.locations[id(item)])}: line {item['line']} of {records['path'].name} holds no "
                "resource" + (f" of type {item['type']!r}" if "type" in item else "")
            )
    return out


# --- accounts -------------------------------------------------------------------------------------------------------


def collect_accounts(
    doc: Doc,
    cards: list[cardlib.Card],
    panel: list[Person],
    influencers: list[InfluencerRank],
    resources: list[Resource],
    orgs: list[Organisation] | None = None,
) -> tuple[list[Account], dict[str, str]]:
    """Every handle spelling in the report, with a display name where a card or table shows one. An account is an
    organisation's as the graph types it (kg.rdf.context.team_accounts): the panel says its person speaks for a
    team, it is the own account of an organisation the report holds (`orgs`), the shared curation lists it
    (kg/data/aliases.yaml), or the name shown for it is an organisation's name ('WBS'); else a person's where a card
    or the panel shows a name for it."""
    shown: dict[str, str] = {}  # display names as a card or table shows them
    for r in influencers:
        shown.setdefault(r.handle.lower(), r.display_name)
    for c in cards:
        if c.display_name:
            shown[c.handle.lower()] = c.display_name
    # else where the narrative prints a name with the handle ('Sofia Marsh (@X) added “…”', a pull-quote signed
    # '— Sofia Marsh (@X)'): the first name printed so, outside the cards (a tweet's words may name anyone)
    in_card = {n for c in cards for n in range(c.line, c.end + 1)}
    for n in range(1, doc.n + 1):
        if n not in in_card:
            for name, handle in narrative.printed_names(doc.text(n)):
                shown.setdefault(handle.lower(), name)
            signed = narrative.pull_quote(doc.lines, n)
            if signed is not None and signed.speaker and signed.signed_name:
                shown.setdefault(signed.speaker.lower(), signed.signed_name)
    names = dict(shown)  # for resolving first names, a panel entry's name serves too
    for p in panel:
        names.setdefault(p.handle.lower(), p.name)  # type: ignore[union-attr]
    spellings: dict[str, int] = {}
    sharers = {r.line: r.shared_by for r in resources if r.shared_by}
    for n in range(1, doc.n + 1):
        text = doc.text(n)
        if n in sharers:  # the 'Shared by' cell may break a handle ('@SaTHImprove nt'): take the cell whole
            for h in sharers[n]:
                spellings.setdefault(h, n)
            text = clean("\t".join(doc.lines[n - 1].split("\t")[1:]))
        for h in handles(text):
            spellings.setdefault(h, n)
    teams = {p.handle.lower() for p in panel if p.handle and p.on_behalf_of}  # 'X, on behalf of Y @h'
    org_names = {" ".join(n.split()).casefold() for o in orgs or [] for n in [o.name, *o.alt_names]}
    teams |= {o.handle.lower() for o in orgs or [] if o.handle}
    teams |= {h for h, name in shown.items() if " ".join(name.split()).casefold() in org_names}
    listed = AliasTable.load()
    teams |= {h.lower() for h in spellings if listed.is_organisation_account(listed.canonical(h))}
    people = {p.handle.lower() for p in panel if p.handle} | {c.handle.lower() for c in cards if c.display_name}

    def kind(handle: str) -> Literal["person", "organisation", "unknown"]:
        return "organisation" if handle in teams else "person" if handle in people else "unknown"

    accounts = [
        Account(line=n, handle=h, display_name=shown.get(h.lower()), kind=kind(h.lower()))
        for h, n in sorted(spellings.items(), key=lambda kv: (kv[1], kv[0]))
    ]
    return accounts, names


def _name_key(text: str) -> str:
    return re.sub(r"[^a-z]", "", re.sub(r"^Dr\.? ", "", text.strip()).lower())


def link_names_to_accounts(
    chat: Chat, accounts: list[Account], people: list[Person], influencers: list[InfluencerRank]
) -> list[Person]:
    """The report's author and collaborators, named without a handle, linked to an account only on clear evidence.

    Evidence: a card or table shows the same name for exactly one account (a name cut off with '...' counts when the
    shown part is at least 8 letters), or the handle spells the name ('steve_daykin' for 'Steve Daykin').
    """
    shown = [(a.line, a.handle, a.display_name) for a in accounts if a.display_name]
    shown += [(r.line, r.handle, r.display_name) for r in influencers]
    known = {p.name.casefold() for p in people}
    out = []
    for name in [chat.report_author, *chat.collaborators]:
        if name.casefold() in known:
            continue
        known.add(name.casefold())
        key = _name_key(name)
        hits: dict[str, int] = {}
        for line, handle, display in shown:
            cut = display.rstrip(". ").endswith("...") or display.endswith(("...", "…", "(...)"))
            shown_key = _name_key(re.sub(r"\(\.\.\.\)|\.\.\.|…", "", display))
            if shown_key == key or (cut and len(shown_key) >= 8 and key.startswith(shown_key)):
                hits.setdefault(handle, line)
        for a in accounts:
            if _name_key(a.handle.replace("_", "")) == key:
                hits.setdefault(a.handle, a.line)
        if len({h.lower() for h in hits}) == 1:
            handle, line = next(iter(hits.items()))
            out.append(Person(line=line, name=name, handle=handle))
    return out


def check_layout(doc: Doc) -> list[str]:
    """The sections of the report format, in order: raise naming every required one that is missing or out of
    place (a truncated report loses its last sections); return warnings naming the optional ones that are missing.
    """
    found = {s.heading: doc.heading(s.heading) for s in SECTIONS}
    last = max((n for n in range(1, doc.n + 1) if doc.text(n)), default=1)
    errors, warnings = [], []
    previous: tuple[str, int] | None = None
    for i, section in enumerate(SECTIONS):
        line = found[section.heading]
        if line is None:
            after = next(((s.heading, found[s.heading]) for s in SECTIONS[i + 1 :] if found[s.heading]), None)
            where = (
                f"{after[1]}: {section.heading}: section missing (none before {after[0]!r})"
                if after
                else f"{last}: {section.heading}: section missing: the report ends at line {last}, before it "
                "(truncated?)"
            )
            close = doc.closest_heading(section.heading) if after else None  # truncated: no candidate to reword
            hint = (
                f"; line {close[0]} reads {close[1][:80]!r}, which is no heading the rule recognises" if close else ""
            )
            if close:  # point at the candidate itself: that is the line to reword
                where = where.replace(f"{after[1]}: " if after else "", f"{close[0]}: ", 1)
            first_sign_off = doc.find(SIGN_OFF, required=False)
            signed_off = (
                bool(re.match(SIGN_OFF, doc.text(last))) and first_sign_off is not None and first_sign_off[0] < last
            )
            if (not section.required and (after or signed_off)) or (section.complete_without and signed_off):
                warnings.append(
                    f"{doc.path}:1: {section.heading}: no such section (it would give {section.holds}){hint}"
                )
                continue  # this chat's report has no such part: none read
            if not section.required:  # the report stops early: the part may have been lost
                warnings.append(f"{doc.path}:{where}; the records lack {section.holds}{hint}")
                continue
            errors.append(
                f"{doc.path}:{where}; it holds {section.holds}{hint}; a heading of this section is "
                + accepted_wordings(section.heading)
            )
            continue
        if section.heading not in ORDERED:
            continue
        if previous is not None and line < previous[1]:
            errors.append(
                f"{doc.path}:{line}: {section.heading}: comes before {previous[0]!r} (line {previous[1]}); "
                "the sections are out of order"
            )
        previous = (section.heading, line)
    if errors:
        raise ExtractionError(f"{doc.path}: not a complete chat report ({len(errors)} problem(s))", errors)
    for n, name in sorted(doc.passed_over.items()):
        warnings.append(
            f"{doc.path}:{n}: {name}: {doc.text(n)!r} is in this section's heading words, but line "
            f"{found[name]} is taken as its heading: read as words of the report, not a heading"
        )
    sign_off = doc.find(SIGN_OFF, required=False)
    if sign_off and (last == sign_off[0] or not re.match(SIGN_OFF, doc.text(last))):
        final = max((s for s in SECTIONS if found[s.heading]), key=lambda s: found[s.heading] or 0)
        warnings.append(
            f"{doc.path}:{last}: end of report: the report stops before its closing line "
            f"({doc.text(sign_off[0])!r}, as on line {sign_off[0]}); truncated? {final.holds} (section "
            f"{final.heading!r}, line {found[final.heading]}) may be incomplete"
        )
    return warnings


def extract(path: Path) -> ChatRecords:
    """Read one report. Raises ExtractionError naming the file and the missing part when the layout is not met."""
    raw, text = read_text(path)
    if not text.strip():
        raise ExtractionError(f"{path}: not a chat report", [f"{path}:1: (file): the file is empty"])
    lines = text.split("\n")
    skipped = page_artefacts(lines)  # read as blank: the PDF's page furniture, not the report's words
    doc = Doc(path=path, lines=["" if n in skipped else line for n, line in enumerate(lines, start=1)])
    try:
        records = _extract(doc, raw)
    except InputError:
        raise
    except LineError as error:
        raise ExtractionError(
            f"{path}: not a chat report in the known format", [f"{path}:{error.line}: {error.what}: {error.message}"]
        ) from None
    except (ValueError, LookupError, ArithmeticError, StopIteration) as error:  # a layout no rule foresaw
        raise ExtractionError(
            f"{path}: not a chat report in the known format",
            [
                f"{path}:?: (report): the extractor cannot read this report ({type(error).__name__}: {error}); "
                "please report it with the file"
            ],
        ) from None
    # every warning names the file and line ('FILE:LINE: ...'): a build of many chats prints them together
    records.warnings = [re.sub(r"^line (\d+): ", lambda m: f"{path}:{m[1]}: ", w) for w in records.warnings]
    if skipped:
        shown = ", ".join(str(n) for n in sorted(skipped)[:12]) + (" ..." if len(skipped) > 12 else "")
        records.warnings.append(
            f"{path}:{min(skipped)}: (page): page numbers or running headers of the PDF read as blank (lines {shown})"
        )
    return records


def _extract(doc: Doc, raw: bytes) -> ChatRecords:
    path = doc.path
    warnings: list[str] = check_layout(doc)
    cur = load_curation(doc)
    orgs = load_organisations(doc, warnings, cur.organisations)
    for i, item in enumerate(cur.organisations):  # the report's own organisations must be printed in it
        if not any(o.slug == item["slug"] for o in orgs):
            printed = " or ".join(repr(x) for x in [item["name"], *item.get("alt_names", [])])
            cur.problems.append(f"{cur.where(('organisations', i))}: {doc.path.name} prints neither {printed}")
    chat = parse_chat(doc, orgs)
    cards = cardlib.find_cards(doc.lines, chat.date, warnings, set(doc.headings().values()))
    panel = parse_panel(doc, orgs, warnings)
    influencers = parse_influencers(doc, warnings)
    shown = {c.handle: c.display_name for c in cards if c.display_name}
    resources = parse_resources(doc, warnings, shown, cur.resources, chat.slug)
    accounts, names = collect_accounts(doc, cards, panel, influencers, resources, orgs)
    questions = parse_questions(doc, cards)
    quotes = parse_quotes(doc, cards, questions, names, warnings, panel)
    people = list(panel) + parse_named_roles(doc, orgs)
    people += link_names_to_accounts(chat, accounts, people, influencers)
    orgs = printed_parents(doc, orgs, cur, warnings)
    curated_themes = apply_curation(
        cur, {"quotes": quotes, "resources": resources, "questions": questions, "path": path}
    )
    aliases = curated_aliases(cur, accounts)
    if cur.problems:
        raise ExtractionError(f"{cur.path}: {len(cur.problems)} curation item(s) do not fit {path.name}", cur.problems)
    return ChatRecords(
        source_slug=f"leadingqi-{chat.slug}",
        source_title=chat.title,
        source_path=str(path.name),
        source_sha256=hashlib.sha256(raw).hexdigest(),
        chat=chat,
        follow_ups=parse_follow_ups(doc),
        organisations=orgs,
        people=people,
        accounts=accounts,
        panel=[p.handle for p in panel if p.handle],
        questions=questions,
        quotes=quotes,
        measurements=parse_measurements(doc, chat),
        influencers=influencers,
        lessons=parse_lessons(doc, warnings),
        resources=resources,
        curated_themes=curated_themes,
        aliases=aliases,
        warnings=warnings,
    )
