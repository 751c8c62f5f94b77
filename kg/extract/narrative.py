"""Contributions the report quotes in its own narrative: inline comments and pull-quotes.

Inline comments name their speaker before the words ("@X responded “…”", "Lee @X commented “…”",
"For @X, “…”", "Bryan also commented that it is “…”"); one line can hold several speakers. Pull-quotes are a
quotation alone on a line followed by "- @X". A quotation with no speaker on its line ("references to a “dark
thread”") is the report's own words and is not attributed.

A pull-quote's signature starts with any dash a converter or author uses ('- @X', '– @X', '— @X'), maybe with the
name before the handle ('— Sofia Marsh (@X)'); a signature that names no handle ('— Matron Jules') is warned of, so
the quotation is not lost unseen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kg.extract.markup import HANDLE_RE, clean, handles, hashtags, quote_spans

# the verb after a speaker: a regular one by its ending ('responded', 'reflects', 'summed it up', 'adding'), or an
# irregular one a report uses before words it quotes ('put it simply', 'said it best', 'wrote', 'told us')
SPEECH_VERB = r"(?:[a-z]+(?:ed|ing|s)|had|said|put|wrote|told|spoke|thought|felt|made|gave)"
# a few words between a speaker and a colon before the quotation ('@X in one line: “...”', '@X on the night: “'):
# never a phrase that makes the handle someone spoken to or about ('Thanks @X for this: “...”')
_NOT_SPOKEN_BY = r"(?:for|to|and|or|with|from|of|about|at|by|who|whose)\b"
PHRASE = rf"(?P<phrase>(?:\s+(?!{_NOT_SPOKEN_BY})[a-z][\w'’-]*)(?:\s+[a-z][\w'’-]*){{0,3}})"
# "@X responded", "Hana (@X) added", "@X put it simply: “...”", "@X: “...”" (a handle and a colon before the words),
# "@X in one line: “...”" (a few words and a colon, the handle opening the sentence), "For @X, “...”"
SPEAKER_RE = re.compile(
    rf"@(?P<handle>[A-Za-z0-9_]{{1,30}})\)?,?\s+(?:also\s+|then\s+)?(?P<verb>{SPEECH_VERB})\b"
    r"|@(?P<colon_handle>[A-Za-z0-9_]{1,30})\)?:\s*(?=[\u201c\"])"
    rf"|@(?P<phrase_handle>[A-Za-z0-9_]{{1,30}})\)?,?{PHRASE},?:\s*(?=[\u201c\"])"
    r"|For\s+@(?P<for_handle>[A-Za-z0-9_]{1,30})"
)
# what may stand before a handle that opens its sentence: nothing, the end of a sentence, a name ('Lee @X', 'Hana
# Novak (@X)') or 'Then'
_OPENS_SENTENCE_RE = re.compile(r"(?:^|[.!?;:…])\s*(?:[A-ZÀ-ÖØ-Þ][\w'’-]*\s+){0,3}\(?$")
# a first name in any Latin script's letters ("Zoë", "Siân", "Órla"): an upper-case letter, then lower-case ones
_UPPER, _LOWER = "A-ZÀ-ÖØ-Þ", "a-zß-öø-ÿ"
# the verbs that follow a first name: a short list, as a capitalised word before any verb is no name ('Staff put it
# simply'); the speech phrases a report uses for a speaker it names ('Fiona put it simply', 'Dev summed it up')
FIRST_NAME_VERBS = (
    r"commented|shared|added|responded|replied|stated|reflected|put\s+it|summed\s+(?:it\s+)?up|said\s+it\s+best"
)
# capitalised words that open a sentence before those phrases and are nobody's name
_NOT_NAMES = r"(?:Nobody|Everyone|Everybody|Someone|Somebody|Anyone|People|Staff|Many|Most|Some|One|Others?|This|That)"
FIRST_NAME_RE = re.compile(
    rf"(?<![\w'’-])(?!{_NOT_NAMES}\b)(?P<name>[{_UPPER}][{_LOWER}]+)\s+(?:also\s+)?"
    rf"(?P<verb>{FIRST_NAME_VERBS})\b"
)
# a hyphen, en dash, em dash or horizontal bar, as authors and converters print a signature's dash
DASHES = "-\u2013\u2014\u2015"
PULL_ATTRIBUTION_RE = re.compile(
    rf"^[{DASHES}]\s*(?:(?P<name>[^{DASHES}\s@()\d][^@()\d]*?)\s*\(\s*)?@(?P<handle>[A-Za-z0-9_]{{1,30}})"
    r"(?(name)\s*\))\s*$"
)
# a line that signs a quotation but may name no handle ('— Matron Jules'): a dash, then a few words that are no
# sentence (a list item after a quotation is no signature)
_SIGNATURE_RE = re.compile(rf"^[{DASHES}]\s*[^{DASHES}\s\d][^.:;!?]{{0,60}}$")
# a name the narrative prints for a speaker's account: 'Sofia Marsh (@X) added “…”', '…, and Dr Lee Ong (@X): “…”'
# (the name starts the line or a clause, a speech verb or a colon and a quotation follow the handle)
_NAME_WORD = rf"[{_UPPER}](?:['’-]?[{_UPPER}{_LOWER}])+"
NAMED_SPEAKER_RE = re.compile(
    rf"(?:^|(?<=[,;:.…] )|(?<=\band )|(?<=\bwhile ))(?P<name>(?:{_NAME_WORD}\.?\s+){{0,3}}{_NAME_WORD})"
    r"\s+\(@(?P<handle>[A-Za-z0-9_]{1,30})\)"
    r"(?=,?\s+(?:also\s+|then\s+)?(?:[a-z]+(?:ed|ing|s)|had|said)\b|:\s*[\u201c\"])"
)
_NAME_RE = re.compile(rf"(?:{_NAME_WORD}\.?\s+){{0,3}}{_NAME_WORD}")
# words that open a clause before a name ('Then Sofia Marsh (@X) added'): no part of the name
_CLAUSE_OPENERS = frozenset(
    "Then And But Also Finally Next Here Meanwhile Later Thanks So As When While After Before Lastly Similarly "
    "Likewise Meanwhile Elsewhere Again Plus Overall Yesterday Today Tonight Earlier Now There Indeed However "
    "Instead Of Like Our The This That Last First Second Third Lastly Ultimately Interestingly Importantly".split()
)
# a preposition that opens the clause takes its place or time with it ('In Leeds Tom Baker', 'On Tuesday Ann Lee')
_PLACE_OPENERS = frozenset("In On At From For With By During Over Across Outside Inside".split())
_TITLES = frozenset("Dr Dr. Prof Prof. Professor Sir Dame Cllr Mr Mrs Ms Miss Mx Rev Lord Lady".split())
_REPORT_NOTE_RE = re.compile(r"\s*\((?:see|See)\b[^)]*\)?\s*$")


@dataclass
class Speaker:
    pos: int
    handle: str | None
    first_name: str | None
    verb: str | None


@dataclass
class Contribution:
    kind: str  # "comment" | "pullquote"
    line: int
    speaker: str | None  # handle as printed (None until a first name is resolved)
    first_name: str | None
    text: str
    verb: str | None
    context: str
    mentions: list[str] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    signed_name: str | None = None  # a pull-quote's signature's name ('— Sofia Marsh (@X)'), as printed


def _speakers(text: str) -> list[Speaker]:
    found = []
    for m in SPEAKER_RE.finditer(text):
        if m.group("phrase_handle") and not _OPENS_SENTENCE_RE.search(text[: m.start()]):
            continue  # 'We asked @X a question: “...”': the handle is spoken to, the words are not theirs
        handle = m.group("handle") or m.group("colon_handle") or m.group("phrase_handle") or m.group("for_handle")
        phrase = (m.group("phrase") or "").strip()  # the words as printed: 'in one line'
        verb = m.group("verb") or phrase or ("for" if m.group("for_handle") else "said")
        found.append(Speaker(m.start(), handle, None, verb))
    for m in FIRST_NAME_RE.finditer(text):
        found.append(Speaker(m.start(), None, m.group("name"), m.group("verb")))
    return sorted(found, key=lambda s: s.pos)


def comments_on_line(line_no: int, raw: str) -> list[Contribution]:
    """Every attributed quotation on one narrative line, merged per speaker."""
    text = clean(raw)
    curly = quote_spans(text.replace('"', "\u0000"))  # speakers inside curly quotes are mentions
    speakers = [s for s in _speakers(text) if not any(sp.start < s.pos < sp.end for sp in curly)]
    spans = quote_spans(text, stop_at=[s.pos for s in speakers])
    speakers = [s for s in speakers if not any(sp.start < s.pos < sp.end for sp in spans)]
    out: list[Contribution] = []
    current: tuple[Speaker, Contribution] | None = None
    for span in spans:
        before = [s for s in speakers if s.pos < span.start]
        if not before or not span.text:
            continue
        who = before[-1]
        words = span.text if span.closed else _REPORT_NOTE_RE.sub("", span.text).strip()
        if current and current[0] is who:
            current[1].text += " … " + words
            continue
        contrib = Contribution(
            kind="comment",
            line=line_no,
            speaker=who.handle,
            first_name=who.first_name,
            text=words,
            verb=who.verb,
            context=text,
        )
        if not span.closed:
            contrib.warnings.append(f"line {line_no}: quotation has no closing mark; taken to the end of the line")
        out.append(contrib)
        current = (who, contrib)
    for c in out:
        c.mentions = handles(c.text)
        c.hashtags = hashtags(c.text)
    return out


def pull_quote(lines: list[str], line_no: int, warnings: list[str] | None = None) -> Contribution | None:
    """A quotation alone on `line_no` whose next non-blank line signs it with a handle ('- @X', '— @X', '– Name
    (@X)'). One signed with words but no handle is no one's quotation: `warnings` says so (its line and signature)."""
    text = clean(lines[line_no - 1])
    if not text or text[0] not in '\u201c"':
        return None
    nxt = line_no + 1
    while nxt <= len(lines) and not clean(lines[nxt - 1]):
        nxt += 1
    signature = clean(lines[nxt - 1]) if nxt <= len(lines) else ""
    m = PULL_ATTRIBUTION_RE.match(signature)
    if not m:
        if warnings is not None and _SIGNATURE_RE.match(signature) and len(signature.split()) <= 7:
            warnings.append(
                f"line {line_no}: a pull-quote signed {signature!r} on line {nxt} names no handle ('— @X', "
                "'— Name (@X)'): not attributed, not in the records"
            )
        return None
    spans = quote_spans(text)
    words = spans[0].text if spans else text.strip('\u201c\u201d"')
    name = (m["name"] or "").strip()
    return Contribution(
        signed_name=name if _NAME_RE.fullmatch(name) else None,
        kind="pullquote",
        line=line_no,
        speaker=m.group("handle"),
        first_name=None,
        text=words,
        verb=None,
        context=text,
        mentions=handles(words),
        hashtags=hashtags(words),
    )


def speaker_handles(text: str) -> list[str]:
    """Handles on a narrative line that speak (for first-name resolution later)."""
    return [m for m in HANDLE_RE.findall(text)]


def printed_names(text: str) -> list[tuple[str, str]]:
    """(name, handle) for each speaker a narrative line names with their handle ('Sofia Marsh (@X) added “…”'): the
    name the report prints for the account, as printed (a pull-quote's signature: `Contribution.signed_name`)."""
    out = []
    for m in NAMED_SPEAKER_RE.finditer(clean(text)):
        name, handle = m["name"], m["handle"]
        words = name.split()
        while words and (words[0] in _CLAUSE_OPENERS or words[0] in _PLACE_OPENERS):
            words = words[2:] if words[0] in _PLACE_OPENERS else words[1:]
        if words and words[0] not in _TITLES and len(words) > 3:  # no name of four plain words: an opener left
            words = words[-3:]
        if words:
            out.append((" ".join(words), handle))
    return out
