"""Reading a SPARQL server's answer as the embedded store would give it: what servers such as Virtuoso 7 answer
differently without saying so.

- **Booleans.** Virtuoso has no boolean values in expressions: `BIND(EXISTS {...} AS ?x)`, `BIND(?a = ?b AS ?x)`
  and even `BIND(true AS ?x)` come back as `0`/`1` typed xsd:integer, and a stored `true` comes back as
  `"1"^^xsd:boolean`. A variable that the query binds to a boolean-valued expression can only hold a boolean (SPARQL
  1.1, 17.4), so `0`/`1` there is read as false/true; a boolean literal is written in its canonical form.
- **Row caps.** Virtuoso cuts every answer at `ResultSetMaxRows` (10,000 in Debian's ini) with no error and no
  header. `RowCap` learns the server's cap with a probe of generated rows whenever an answer is at least as long as
  any the server has been seen to send in full, and an answer that reached the cap is an error naming it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import lru_cache

from rdflib import Literal
from rdflib.namespace import XSD
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node, Variable

from kg.store.base import QueryResult, StoreError

# Algebra expressions whose value is always a boolean (rdflib's names for them).
_BOOLEAN_EXPRESSIONS = {
    "Builtin_EXISTS",
    "Builtin_NOTEXISTS",
    "RelationalExpression",
    "ConditionalOrExpression",
    "ConditionalAndExpression",
    "UnaryNot",
    "Builtin_BOUND",
    "Builtin_sameTerm",
    "Builtin_isIRI",
    "Builtin_isBLANK",
    "Builtin_isLITERAL",
    "Builtin_isNUMERIC",
    "Builtin_REGEX",
    "Builtin_CONTAINS",
    "Builtin_STRSTARTS",
    "Builtin_STRENDS",
    "Builtin_LANGMATCHES",
}


def _is_boolean(expr: object) -> bool:
    if isinstance(expr, Literal):
        return expr.datatype == XSD.boolean
    return isinstance(expr, CompValue) and expr.name in _BOOLEAN_EXPRESSIONS


@lru_cache(maxsize=512)
def boolean_variables(sparql: str) -> frozenset[str]:
    """The variables the query binds (BIND or a SELECT expression) to a boolean-valued expression."""
    try:
        algebra = prepareQuery(sparql).algebra
    except Exception:  # not parsable by rdflib (the server decides): nothing is known
        return frozenset()
    found: set[str] = set()
    seen: set[int] = set()

    def walk(node: object) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, CompValue):
            if node.name == "Extend" and isinstance(node.get("var"), Variable) and _is_boolean(node.get("expr")):
                found.add(str(node["var"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list | tuple):
            for value in node:
                walk(value)

    walk(algebra)
    return frozenset(found)


_TRUE, _FALSE = Literal(True), Literal(False)


def _canonical(term: Node, boolean: bool) -> Node:
    if not isinstance(term, Literal):
        return term
    if term.datatype == XSD.boolean:
        lexical = str(term).strip()
        return _TRUE if lexical in ("1", "true") else _FALSE if lexical in ("0", "false") else term
    if boolean and term.datatype in (XSD.integer, XSD.int) and str(term) in ("0", "1"):
        return _TRUE if str(term) == "1" else _FALSE
    return term


def normalise(result: QueryResult, sparql: str) -> QueryResult:
    """The answer with booleans as booleans (see the module's notes); everything else untouched."""
    if result.kind == "SELECT":
        booleans = boolean_variables(sparql) if result.rows else frozenset()
        for row in result.rows:
            for name, term in row.items():
                if isinstance(term, Literal) and (term.datatype == XSD.boolean or name in booleans):
                    row[name] = _canonical(term, name in booleans)
    elif result.kind == "CONSTRUCT":
        result.triples = [
            (s, p, _canonical(o, False)) if isinstance(o, Literal) and o.datatype == XSD.boolean else (s, p, o)
            for s, p, o in result.triples
        ]
    return result


class ServerLimit(StoreError):
    """A query this SPARQL server cannot answer as SPARQL says: refused with the reason, never a wrong answer."""


class ServerRowCap(ServerLimit):
    """The SPARQL server cut an answer at its own row limit (Virtuoso's ResultSetMaxRows): never fewer rows in
    silence."""


PROBE_MAX = 10**8  # a cap above this is not looked for


def probe_query(rows: int) -> str:
    """A query of exactly `rows` generated rows (a product of VALUES blocks of 100 numbers each, under a LIMIT)."""
    blocks: list[str] = []
    made = 1
    while made < rows:
        name = f"?qikg_probe{len(blocks)}"
        blocks.append(f"VALUES {name} {{ {' '.join(str(i) for i in range(100))} }}")
        made *= 100
    return f"SELECT * WHERE {{ {' '.join(blocks)} }} LIMIT {rows}"


class RowCap:
    """What is known of the server's row cap: `proven`, the longest answer seen sent in full; `cap`, once found."""

    def __init__(self, run: Callable[[str], int], url: str) -> None:
        self._run = run  # sends a SELECT, returns how many rows came back
        self.url = url
        self.proven = 0
        self.cap: int | None = None
        self._lock = threading.Lock()

    def check(self, count: int, what: str) -> None:
        """Raise `ServerRowCap` when an answer of `count` rows (or triples) may have been cut by the server."""
        if count == 0 or count < self.proven:
            return
        with self._lock:
            if self.cap is None and count >= self.proven:
                wanted = min(max(count + 1, 2 * self.proven, 1024), PROBE_MAX)
                got = self._run(probe_query(wanted))
                if got >= wanted:
                    self.proven = max(self.proven, got)
                else:
                    self.cap = got
        if self.cap is not None and count >= self.cap:
            raise ServerRowCap(
                f"the SPARQL server at {self.url} sends at most {self.cap:,} {what} per answer and this answer "
                f"reached that limit, so it may be cut short; raise the server's limit (Virtuoso: ResultSetMaxRows "
                "in the [SPARQL] section of virtuoso.ini, docs/stores.md)"
            )


# --- Virtuoso's transitive paths --------------------------------------------------------------------------------------

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"


def _prefixes(tokens: list[tuple[str, str, int]]) -> dict[str, str]:
    out = {}
    for i, (kind, text, _pos) in enumerate(tokens[:-2]):
        if kind == "word" and text.upper() == "PREFIX" and tokens[i + 2][0] == "iri":
            out[tokens[i + 1][1].rstrip(":")] = tokens[i + 2][1][1:-1]
    return out


def _iri(token: tuple[str, str, int], prefixes: dict[str, str]) -> str | None:
    kind, text, _pos = token
    if kind == "iri":
        return text[1:-1]
    if kind == "word" and ":" in text:
        prefix, local = text.split(":", 1)
        return prefixes[prefix] + local if prefix in prefixes else None
    return None


def expand_class_paths(sparql: str, tokens: list[tuple[str, str, int]], closure: Callable[[str], list[str]]) -> str:
    """The query with `rdf:type/rdfs:subClassOf* C` and `?v rdfs:subClassOf* C` (C an IRI) written as a VALUES list
    of the classes that reach C, which `closure` looks up alone (where Virtuoso 7 answers it right): joined with
    other patterns, Virtuoso 7.2 gives these paths for the first row only and drops the rest with no error. The
    multiset of solutions is the same (one per type reaching C, as the path gives). `a/...` needs a new variable, so
    a query with `SELECT *` keeps that form as written."""
    prefixes = _prefixes(tokens)
    star = any(
        t[0] == "word" and t[1].upper() == "SELECT" and nxt[1] == "*"
        for t, nxt in zip(tokens, tokens[1:], strict=False)
    )
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement) in the text
    inserts: list[tuple[int, str]] = []  # (position after a group's '{', VALUES block)
    groups: list[int] = []
    i, fresh = 0, 0
    while i < len(tokens):
        kind, text, pos = tokens[i]
        if kind == "open":
            groups.append(pos + 1)
        elif kind == "close" and groups:
            groups.pop()
        # the path's predicate: `rdfs:subClassOf*` as one word, or <...subClassOf> then `*`
        step = None
        if kind == "word" and text.endswith("*") and _iri((kind, text[:-1], pos), prefixes) == SUBCLASS:
            step = (i, i + 1)
        elif kind == "iri" and text[1:-1] == SUBCLASS and i + 1 < len(tokens) and tokens[i + 1][1] == "*":
            step = (i, i + 2)
        if step is None or not groups or step[1] >= len(tokens):
            i += 1
            continue
        target = _iri(tokens[step[1]], prefixes)
        if target is None:
            i += 1
            continue
        classes = " ".join(f"<{c}>" for c in dict.fromkeys([target, *closure(target)]))
        object_end = tokens[step[1]][2] + len(tokens[step[1]][1])
        before = tokens[step[0] - 2 : step[0]]
        after = tokens[step[1] + 1][1] if step[1] + 1 < len(tokens) else ""
        if len(before) == 2 and before[1][1] == "/" and not star and _is_type(before[0], prefixes):
            var = f"?qikg_class{fresh}"
            fresh += 1
            edits.append((before[0][2], object_end, f"a {var}"))
            inserts.append((groups[-1], f" VALUES {var} {{ {classes} }} "))
        elif before and before[-1][0] == "var" and after in (".", "}") and _starts_triple(tokens, step[0] - 1):
            end = tokens[step[1] + 1][2] + 1 if after == "." else object_end  # no `. .` left behind
            edits.append((before[-1][2], end, ""))
            inserts.append((groups[-1], f" VALUES {before[-1][1]} {{ {classes} }} "))
        i = step[1] + 1
    if not edits:
        return sparql
    pieces = [(start, end, new) for start, end, new in edits] + [(at, at, new) for at, new in inserts]
    out = sparql
    for start, end, new in sorted(pieces, key=lambda p: (p[0], p[1]), reverse=True):
        out = out[:start] + new + out[end:]
    return out


def _is_type(token: tuple[str, str, int], prefixes: dict[str, str]) -> bool:
    return (token[0] == "word" and token[1] == "a") or _iri(token, prefixes) == RDF_TYPE


def _starts_triple(tokens: list[tuple[str, str, int]], index: int) -> bool:
    return index == 0 or tokens[index - 1][1] in (".", "{", "}")


# --- Virtuoso's transitive paths: repeated rows --------------------------------------------------------------------

_PATH_SIGNS = set("/|^()*+?!")


def _end(token: tuple[str, str, int]) -> bool:
    return token[0] in ("var", "iri") or (token[0] == "word" and ":" in token[1])


def transitive_path(tokens: list[tuple[str, str, int]], bound: set[str]) -> str | None:
    """The first `S P* O` or `S P+ O` of the query (P any path) with a variable end, neither end bound by the
    caller's bindings, as written; None when there is none. `;` lists are read with the triple's subject. (The API's
    own bound query `?theme skos:broader* ?root` is let through: on a thesaurus with more than one way up, its rows
    repeat on Virtuoso, docs/stores.md.)"""
    subject: tuple[str, str, int] | None = None
    for i, token in enumerate(tokens):
        kind, text, _pos = token
        if _end(token) and (i == 0 or tokens[i - 1][1] in (".", "{", "}")):
            subject = token
        if not ((kind == "var" or _end(token)) or text == ";") or subject is None:
            continue
        start = subject if text == ";" else token
        path, j, element = [], i + 1, True  # element: a predicate may come next (else only a sign)
        while j < len(tokens):
            step = tokens[j]
            if step[1] in _PATH_SIGNS:
                element = step[1] in "/|^(!"
            elif element and (step[0] == "iri" or (step[0] == "word" and (":" in step[1] or step[1] == "a"))):
                element = False
            else:
                break
            path.append(step)
            j += 1
        if not path or j >= len(tokens) or not _end(tokens[j]):
            continue
        repeats = any(("*" in t[1] or "+" in t[1]) for t in path if t[0] != "iri")
        ends = (start, tokens[j])
        variables = [e[1].lstrip("?$") for e in ends if e[0] == "var"]
        if repeats and variables and not bound.intersection(variables) and any(t[0] in ("iri", "word") for t in path):
            return f"{start[1]} {''.join(t[1] for t in path)} {tokens[j][1]}"
    return None


def duplicates_do_not_show(tokens: list[tuple[str, str, int]]) -> bool:
    """Whether extra copies of a solution cannot change the answer: an ASK, a CONSTRUCT or DESCRIBE (a graph is a
    set), or a SELECT DISTINCT with no aggregate, GROUP BY or nested SELECT that would count them."""
    words = [text.upper() for kind, text, _pos in tokens if kind == "word"]
    forms = [w for w in words if w in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")]
    if not forms:
        return False
    if forms[0] != "SELECT":
        return True
    first = words.index("SELECT")
    aggregates = {"COUNT", "SUM", "AVG", "MIN", "MAX", "SAMPLE", "GROUP_CONCAT", "GROUP"}
    return words[first + 1 : first + 2] == ["DISTINCT"] and len(forms) == 1 and not aggregates.intersection(words)


def transitive_limit(found: str) -> ServerLimit:
    return ServerLimit(
        f"Virtuoso 7 returns a transitive path ({found}) once per way through the graph, not once per pair of ends "
        "as SPARQL says, so this answer could have rows repeated where the hierarchy has more than one way up: ask "
        "with SELECT DISTINCT (without aggregates), or ASK / CONSTRUCT (docs/stores.md)"
    )


NO_START = "transitive start not given"


def no_start_limit() -> ServerLimit:
    return ServerLimit(
        "Virtuoso cannot run a transitive path (* or +) between two variables that no other pattern binds "
        "(it answers 'transitive start not given'): add a pattern that binds one end (e.g. ?a a skos:Concept), "
        "or give one end as an IRI (docs/stores.md)"
    )


def graphs_not_held(tokens: list[tuple[str, str, int]], held: set[str]) -> list[str]:
    """The IRIs of `GRAPH <iri>` patterns that name no graph of `held`: Virtuoso answers such a pattern with one
    empty solution (ASK true, COUNT 1) instead of none."""
    prefixes = _prefixes(tokens)
    out = []
    for i, (kind, text, _pos) in enumerate(tokens[:-1]):
        if kind == "word" and text.upper() == "GRAPH":
            iri = _iri(tokens[i + 1], prefixes)
            if iri is not None and iri not in held and iri not in out:
                out.append(iri)
    return out


def graph_not_held_limit(iris: list[str], held: list[str]) -> ServerLimit:
    return ServerLimit(
        f"Virtuoso answers GRAPH <{iris[0]}>, a graph this dataset does not have, with a solution where there is "
        f"none, so this query is not sent; the named graphs are: {', '.join(sorted(held)) or 'none'}"
    )
