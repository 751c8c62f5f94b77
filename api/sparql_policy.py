"""What the public SPARQL endpoint refuses, decided on the parsed query before anything runs.

Read-only, and no outbound connection of any kind: updates (LOAD included), SERVICE, and FROM / FROM NAMED naming a
graph we do not hold are refused. The query is parsed with rdflib's SPARQL grammar, so a keyword hidden in a comment,
a string or odd spacing cannot slip past the way it could past a regular expression.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from pyparsing import ParseException, ParseResults
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

QueryForm = Literal["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"]
_FORMS: dict[str, QueryForm] = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT",
                                "DescribeQuery": "DESCRIBE"}


class PolicyError(Exception):
    """A query this endpoint will not run (HTTP 403)."""


class MalformedQuery(Exception):
    """A query that does not parse (HTTP 400, with the parser's message)."""


@dataclass(frozen=True)
class CheckedQuery:
    form: QueryForm


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

    rdflib's parser takes 100-300 ms for a 30-line query, more than Oxigraph takes to answer it, so the verdict on
    an accepted text is remembered (per process, for the same graphs); a refused text is parsed again each time."""
    return _check(sparql, frozenset(allowed_graphs))


@lru_cache(maxsize=256)
def _check(sparql: str, allowed: frozenset[str]) -> CheckedQuery:
    try:
        tree = parseQuery(sparql)
    except ParseException as error:
        if _is_update(sparql):
            raise PolicyError("this endpoint is read-only: SPARQL updates (INSERT, DELETE, LOAD, CLEAR, ...) "
                              "are not accepted") from None
        raise MalformedQuery(f"the query does not parse: {error}") from None
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
                raise PolicyError(f"FROM / FROM NAMED <{iri}> is not allowed: only this store's graphs can be "
                                  f"named ({', '.join(sorted(allowed)) or 'none'}); nothing is fetched from the web")
    if form is None:
        raise MalformedQuery("not a SELECT, ASK, CONSTRUCT or DESCRIBE query")
    return CheckedQuery(form)


def _is_update(sparql: str) -> bool:
    try:
        parseUpdate(sparql)
    except (ParseException, RecursionError):
        return False
    return True
