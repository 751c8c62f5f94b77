"""Text-level helpers for the PDF-to-text conversion: strip link/bold markup, find handles, hashtags and quotes.

The conversion wraps handles and hashtags as Markdown links (`[@X](#)`, `[#X](#)`), bolds some words (`**X**`),
keeps a few HTML tags (`<p>`, `<small>`) in tables, and mixes curly and straight quotation marks, sometimes nested
or mismatched. Everything here is format knowledge, kept apart from the section parsers that use it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

HANDLE_RE = re.compile(r"(?<![\w@/.])@([A-Za-z0-9_]{1,30})\b(?!\.\.\.|…)")  # "@sh..." is cut off
HASHTAG_RE = re.compile(r"(?<![\w#&/])#([A-Za-z][A-Za-z0-9_]*)")
_LINK_RE = re.compile(r"\[([^\[\]]*?)\]\(#\)")
_ESCAPED_PAREN_RE = re.compile(r"\\([()])")
_TAG_RE = re.compile(r"</?(?:p|small|br|span|div)(?:\s[^>]*)?>", re.IGNORECASE)
# spaces a PDF converter writes besides the plain one (no-break, thin, narrow no-break, figure, ideographic ...)
_SPACES_RE = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")


class LineError(ValueError):
    """A line of the right shape whose values cannot be read (a 31 February, a month name that is none)."""

    def __init__(self, line: int, what: str, message: str) -> None:
        self.line, self.what, self.message = line, what, message
        super().__init__(f"line {line}: {what}: {message}")


@contextmanager
def reading(line: int, what: str, text: str = "") -> Iterator[None]:
    """Turn a value error while reading `line` (for the field `what`) into a `LineError` naming both."""
    try:
        yield
    except LineError:
        raise
    except KeyError as error:
        raise LineError(line, what, f"unknown name {error}" + (f" in {text!r}" if text else "")) from None
    except (ValueError, ArithmeticError) as error:
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise LineError(line, what, f"cannot read {text!r}: {detail}" if text else detail) from None


def clean(line: str) -> str:
    """One line without link, bold and HTML markup, with runs of spaces folded (a no-break or thin space is a space:
    converters write them between a handle and the date of a card); text itself untouched."""
    text = _ESCAPED_PAREN_RE.sub(r"\1", line)
    text = _LINK_RE.sub(r"\1", text)
    text = text.replace("**", "")
    text = _TAG_RE.sub(" ", text)
    text = html.unescape(text)
    return _SPACES_RE.sub(" ", text).strip()


def handles(text: str) -> list[str]:
    """Handles named in the text, without '@', in order, without repeats."""
    return list(dict.fromkeys(HANDLE_RE.findall(text)))


def hashtags(text: str) -> list[str]:
    """Hashtags in the text, without '#', in order, without repeats (case as printed)."""
    return list(dict.fromkeys(HASHTAG_RE.findall(text)))


@dataclass(frozen=True)
class Span:
    """A quoted stretch of a line: `start`/`end` include the quotation marks; `text` is what is inside."""

    start: int
    end: int
    text: str
    closed: bool = True


_OPEN, _CLOSE, _STRAIGHT = "\u201c", "\u201d", '"'


def _acts_as_opening(line: str, i: int) -> bool:
    """A right quote glued to a word after a non-space (`-”everyone`) is a mistyped opening quote."""
    before = line[i - 1] if i > 0 else " "
    after = line[i + 1] if i + 1 < len(line) else " "
    return not before.isspace() and before not in ".,;:!?\u201c\"'" and after.isalnum()


def quote_spans(line: str, stop_at: list[int] | None = None) -> list[Span]:
    """Quotations on a line, outermost only.

    Curly quotes nest (counted by depth, so `““a” b”` is one quotation); straight quotes do not nest reliably in
    this source (`"… for "the new tomorrow" you …"`), so a straight quotation runs to the *last* straight quote
    before the next stop position (the next speaker), which keeps inner quotations inside. An unclosed curly
    quotation runs to the end of the line and is marked `closed=False`.
    """
    stops = sorted(stop_at or []) + [len(line)]
    spans: list[Span] = []
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == _OPEN or (ch == _CLOSE and _acts_as_opening(line, i)):
            depth, j = 1, i + 1
            while j < len(line) and depth:
                c = line[j]
                if c == _OPEN or (c == _CLOSE and _acts_as_opening(line, j)):
                    depth += 1
                elif c == _CLOSE:
                    depth -= 1
                j += 1
            closed = depth == 0
            end = j if closed else len(line)
            inner = line[i + 1 : end - 1] if closed else line[i + 1 :]
            spans.append(Span(i, end, inner.strip(), closed))
            i = end
        elif ch == _STRAIGHT:
            limit = next(s for s in stops if s > i)
            last = line.rfind(_STRAIGHT, i + 1, limit)
            if last == -1:
                i += 1
                continue
            spans.append(Span(i, last + 1, line[i + 1 : last].strip()))
            i = last + 1
        else:
            i += 1
    return spans
