r"""What the public SPARQL endpoint refuses, decided on the parsed query before anything runs.

Read-only, and no outbound connection of any kind: updates (LOAD included), SERVICE, and FROM / FROM NAMED naming a
graph we do not hold are refused. The query is parsed with rdflib's SPARQL grammar, so a keyword hidden in a comment,
a string or odd spacing cannot slip past the way it could past a regular expression.

rdflib's grammar and the engine's (Oxigraph) are two parsers, and any text they read differently is a way past the
check: rdflib ends a `#` comment only at LF where Oxigraph also ends it at CR, and rdflib expands `\uXXXX` escapes
before parsing where Oxigraph does not. So the check never judges the user's text: it judges `canonical_text(...)`,
with the escapes expanded, every line break made LF and every character refused that some grammar may take for a line
break, and the engine is handed exactly that text (`CheckedQuery.text`). Both parsers then read the same characters
with nothing left to pre-process. Behind this check the query workers have no network at all (api/sandbox.py).

Nothing is added to the user's text: the endpoint's base IRI goes to the engine as an option (`base_iri=`), so the
text judged is the text run, and a syntax error's line and column are those of the user's own query.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from pyparsing import ParseException, ParseResults
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

QueryForm = Literal["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"]
_FORMS: dict[str, QueryForm] = {
    "SelectQuery": "SELECT",
    "AskQuery": "ASK",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
}


class PolicyError(Exception):
    """A query this endpoint will not run (HTTP 403)."""


class MalformedQuery(Exception):
    """A query that does not parse (HTTP 400, with the parser's message)."""


@dataclass(frozen=True)
class CheckedQuery:
    """A query the policy accepted: its form and the exact text that was judged, which is the text to run."""

    form: QueryForm
    text: str


_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_LEFTOVER_ESCAPE = re.compile(r"\\[uU][0-9A-Fa-f]")
# Line breaks by Python's str.splitlines and Unicode (besides LF), and the other C0 controls but TAB and LF: no SPARQL
# grammar needs them outside a string, and a parser may end a comment at one of them.
_REFUSED = re.compile("[\x00-\x08\x0b-\x1f\x7f\x85\u2028\u2029]")


BOM = "\ufeff"


def canonical_text(sparql: str) -> str:
    """The query as both parsers will read it: one leading byte-order mark dropped (editors on Windows save .rq files
    with one; neither grammar takes it), codepoint escapes expanded (as SPARQL 1.1 section 19.2 says, before
    parsing), CRLF and CR made LF; raise MalformedQuery for an escape that expands to another escape, an invalid
    code point, or a control or line-separator character."""
    sparql = sparql.removeprefix(BOM)

    def expand(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise MalformedQuery(f"the query has an invalid code point escape {match.group(0)!r}")
        return chr(code)

    text = _ESCAPE.sub(expand, sparql).replace("\r\n", "\n").replace("\r", "\n")
    if _LEFTOVER_ESCAPE.search(text):
        raise MalformedQuery("the query has a \\u or \\U escape that spells another escape; write the character itself")
    bad = _REFUSED.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise MalformedQuery(
            f"the query has the control character U+{ord(bad.group(0)):04X} on line {line}; "
            "only tab and line feed are accepted"
        )
    return text


def _walk(node: object) -> Iterator[CompValue]:
    if isinstance(node, CompValue):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, ParseResults | list | tuple):
        for item in node:
            yield from _walk(item)


def check_query(sparql: str, allowed_graphs: Iterable[str]) -> CheckedQuery:
    """Parse `sparql`; raise MalformedQuery or PolicyError, else say which query form it is.

    The verdict is on `canonical_text(sparql)`, and the engine must run the returned `CheckedQuery.text`, never
    `sparql`. rdflib's parser takes 100-300 ms for a 30-line query, more than Oxigraph takes to answer it, so the
    verdict on an accepted text is remembered (per process, for the same graphs); a refused text is parsed again
    each time."""
    return _check(canonical_text(sparql), frozenset(allowed_graphs))


@lru_cache(maxsize=256)
def _check(sparql: str, allowed: frozenset[str]) -> CheckedQuery:
    try:
        tree = parseQuery(sparql)
    except ParseException as error:
        if _is_update(sparql):
            raise PolicyError(
                "this endpoint is read-only: SPARQL updates (INSERT, DELETE, LOAD, CLEAR, ...) are not accepted"
            ) from None
        raise MalformedQuery(syntax_error(sparql, error)) from None
    except RecursionError:
        raise MalformedQuery("the query is nested too deeply to parse") from None
    form: QueryForm | None = None
    for node in _walk(tree):
        if node.name in _FORMS and form is None:
            form = _FORMS[node.name]
        if node.name == "ServiceGraphPattern":
            raise PolicyError("SERVICE is not allowed: this endpoint never contacts other servers")
        if node.name == "DatasetClause":
            iri = dict.get(node, "default", dict.get(node, "named"))
            if str(iri) not in allowed:
                raise PolicyError(
                    f"FROM / FROM NAMED <{iri}> is not allowed: only this store's graphs can be "
                    f"named ({', '.join(sorted(allowed)) or 'none'}); nothing is fetched from the web"
                )
    if form is None:
        raise MalformedQuery("not a SELECT, ASK, CONSTRUCT or DESCRIBE query")
    return CheckedQuery(form, sparql)


# what pyparsing names in "Expected ...", in the words of the SPARQL grammar's keywords
_FORM_WORDS = {"SelectQuery": "SELECT", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE", "AskQuery": "ASK"}
_NEAR = 30  # characters of the query shown from the error's position


def _column(line: str, expanded_col: int) -> int:
    """The 1-based column in `line` of the column pyparsing gives, which counts in the line with its tabs expanded
    to 8 columns (pyparsing's default, which rdflib's grammar keeps)."""
    width = 0
    for index, char in enumerate(line):
        width = (width // 8 + 1) * 8 if char == "\t" else width + 1
        if width >= expanded_col:
            return index + 1
    return len(line) + 1


def syntax_error(sparql: str, error: ParseException) -> str:
    """A parse error in words: where in the user's text (line and column, as an editor counts them) and what the
    grammar expected there, instead of pyparsing's "Expected {SelectQuery | ...} (at char N)"."""
    lines = sparql.split("\n")
    number = min(max(error.lineno, 1), len(lines))
    text = lines[number - 1]
    column = _column(text, error.col)
    near = text[column - 1 : column - 1 + _NEAR].strip()
    where = f"line {number}, column {column}" + (f", at {near!r}" if near else ", at the end of the line")
    expected = error.msg.removeprefix("Expected ").strip()
    forms = [_FORM_WORDS.get(name.strip()) for name in expected.strip("{}").split("|")]
    if len(forms) > 1 and all(forms):
        what = "a query form: SELECT, CONSTRUCT, DESCRIBE or ASK (after any BASE and PREFIX lines)"
    elif len(forms) == 1 and forms[0]:
        what = (
            f"the rest of a {forms[0]} query: the pattern or clause that starts here is incomplete or misspelt "
            "(a missing term, dot, brace or bracket?)"
        )
    elif expected == "end of text":
        what = "the end of the query: what follows does not belong there (a misspelt keyword, a clause out of order?)"
    else:
        what = expected
    return f"the query does not parse at {where}: expected {what}"


def _is_update(sparql: str) -> bool:
    try:
        parseUpdate(sparql)
    except (ParseException, RecursionError):
        return False
    return True
