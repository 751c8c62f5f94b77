"""What the view says about each node: labels, search terms, the details panel's facts and links.

Kept apart from drawing so the words are testable without a browser. Everything returned here is plain text; the
page turns it into DOM nodes with `textContent`, never as markup.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import networkx as nx

from kg.indexes.catalogue.values import chat_day

KIND_LABELS: dict[str, str] = {
    "participant": "Participant",
    "organisation": "Organisation",
    "theme": "Theme",
    "resource": "Resource",
    "question": "Question",
    "quote": "Quote",
}
_CANVAS_LABEL_MAX = 40
_API_COLLECTION = {
    "participant": "participants",
    "organisation": "organisations",
    "theme": "themes",
    "resource": "resources",
    "question": "questions",
}


def _first(props: dict[str, list[str]], *names: str) -> str | None:
    for name in names:
        values = props.get(name)
        if values:
            return values[0]
    return None


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _out(g: nx.MultiDiGraph, node: str, *relations: str) -> list[str]:
    return sorted({t for _, t, rel in g.out_edges(node, keys=True) if rel in relations})


def _in(g: nx.MultiDiGraph, node: str, *relations: str) -> list[str]:
    return sorted({s for s, _, rel in g.in_edges(node, keys=True) if rel in relations})


QUOTE_WORDS = 70  # characters of a quote's words shown where it is listed


def label(g: nx.MultiDiGraph, node: str) -> str:
    """The full human label: '@handle' for accounts, the preferred label for themes, 'Q2' for questions
    ('Q2 (19 Oct 2022)' when the graph holds two or more chats)."""
    data = g.nodes[node]
    props, kind = data["props"], data["kind"]
    if kind == "participant":
        handle = _first(props, "handle")
        if handle:
            return "@" + handle
    if kind == "question":
        number = _first(props, "number")
        if number:  # 'Q2'; with two or more chats 'Q2 (19 Oct 2022)', as every chat numbers its questions from 1
            day = chat_day(data.get("chat")) if g.graph.get("chats", 0) > 1 else None
            return f"Q{number} ({day})" if day else f"Q{number}"
    if kind == "quote":
        authors = [label(g, a) for a in _out(g, node, "saidBy")]
        number = _first(props, "number")
        words = " ".join((_first(props, "text") or "").split())
        if words:  # the words say more than a number: '@x: “Invest time on the genba…”'
            short = words if len(words) <= QUOTE_WORDS else words[:QUOTE_WORDS].rsplit(" ", 1)[0] + "…"
            return f"{', '.join(authors) or 'Quote'}: “{short}”"
        name = f"Quote {number}" if number else "Quote"
        return f"{name} by {', '.join(authors)}" if authors else name
    if kind == "theme":
        found = _first(props, "prefLabel", "label")
        if found:
            return found
    if kind == "resource":
        found = _first(props, "title", "label")
        if found:
            return found
    return _first(props, "label", "name", "title", "prefLabel") or node.rsplit("/", 1)[-1]


def canvas_label(g: nx.MultiDiGraph, node: str) -> str:
    """The label drawn on the canvas: short, on two lines when long, and none for quotes (words are in the panel)."""
    if g.nodes[node]["kind"] == "quote":
        return ""
    return _wrap(_shorten(label(g, node), _CANVAS_LABEL_MAX))


def _wrap(text: str, width: int = 20) -> str:
    """Break a long label once, at the space nearest its middle, so neighbouring labels overlap less."""
    if len(text) <= width or " " not in text:
        return text
    middle = len(text) // 2
    spaces = [i for i, ch in enumerate(text) if ch == " "]
    cut = min(spaces, key=lambda i: abs(i - middle))
    return text[:cut] + "\n" + text[cut + 1 :]


def search_terms(g: nx.MultiDiGraph, node: str) -> list[str]:
    """Names a user may type to find the node: label, handle with and without '@', aliases, other labels."""
    props = g.nodes[node]["props"]
    terms = [label(g, node)]
    for name in ("handle", "alias", "altLabel", "prefLabel", "label", "name", "displayName", "title", "altName"):
        terms.extend(props.get(name, []))
    terms.extend("@" + h for h in props.get("handle", []) + props.get("alias", []))
    seen: dict[str, None] = {}
    for term in terms:
        seen.setdefault(" ".join(term.split()), None)
    return [t for t in seen if t]


def links(g: nx.MultiDiGraph, node: str, qid_base: str) -> dict[str, str]:
    """Server-relative links: the entity page (/id/...) and, where the API has one, the JSON record (/api/...)."""
    data = g.nodes[node]
    iri, kind, props = data["iri"], data["kind"], data["props"]
    out: dict[str, str] = {"iri": iri}
    if not iri.startswith(qid_base):
        return out
    local = iri.removeprefix(qid_base)
    out["page"] = "/id/" + "/".join(quote(part, safe="") for part in local.split("/"))
    key: str | None = local.rsplit("/", 1)[-1]
    if kind == "participant":
        key = _first(props, "handle") or key
    elif kind == "question":
        key = _first(props, "number")
    if kind in _API_COLLECTION and key:
        out["api"] = f"/api/{_API_COLLECTION[kind]}/{quote(key, safe='')}"
    return out


def _natural(text: str) -> list[tuple[int, int | str]]:
    """Sort key that puts 'Quote 9' before 'Quote 10'."""
    return [(0, int(part)) if part.isdigit() else (1, part.lower()) for part in re.split(r"(\d+)", text) if part]


def _refs(g: nx.MultiDiGraph, nodes: list[str]) -> list[dict[str, str]]:
    refs = [{"id": n, "label": label(g, n), "kind": g.nodes[n]["kind"]} for n in nodes]
    # questions chat by chat (a question's chat is its date, yyyy-mm-dd; other nodes have none), then by label
    return sorted(refs, key=lambda r: (g.nodes[r["id"]].get("chat", ""), _natural(r["label"]), r["id"]))


def _fact(name: str, *, text: str | None = None, refs: list[dict[str, str]] | None = None) -> dict[str, Any]:
    fact: dict[str, Any] = {"name": name}
    if text is not None:
        fact["text"] = text
    if refs is not None:
        fact["refs"] = refs
    return fact


def facts(g: nx.MultiDiGraph, node: str) -> list[dict[str, Any]]:
    """Key facts for the panel, from the full graph. Each fact has a name and text and/or refs to other nodes."""
    data = g.nodes[node]
    kind, props = data["kind"], data["props"]
    found: list[dict[str, Any]] = []

    def text(name: str, *props_names: str, joiner: str = "; ") -> None:
        values = [v for p in props_names for v in props.get(p, [])]
        if values:
            found.append(_fact(name, text=joiner.join(values)))

    def refs(name: str, nodes: list[str]) -> None:
        if nodes:
            found.append(_fact(name, refs=_refs(g, nodes)))

    if kind == "participant":
        text("Name", "name")
        text("Shown as", "displayName")
        text("Handle", "handle")
        text("Also written as", "alias")
        text("Role", "role")
        refs("Organisations", _out(g, node, "affiliatedWith", "accountOf"))
        refs("Same person as", sorted(set(_out(g, node, "sameAgentAs")) | set(_in(g, node, "sameAgentAs"))))
        quotes = _in(g, node, "saidBy")
        refs("Questions answered", sorted({q for quote_ in quotes for q in _out(g, quote_, "answers")}))
        refs("Quotes", quotes)
        refs("Resources shared", _in(g, node, "sharedBy"))
    elif kind == "organisation":
        text("Name", "label")
        text("Also called", "altName")
        text("Kind", "orgKind")
        refs("Part of", _out(g, node, "subOrganizationOf"))
        refs("Parts", _in(g, node, "subOrganizationOf"))
        refs("Participants", _in(g, node, "affiliatedWith", "accountOf"))
        refs("Mentioned in", _in(g, node, "mentions"))
    elif kind == "theme":
        found.append(_fact("Level", text="Lesson (top concept)" if data.get("lesson") else "Theme"))
        text("Also called", "altLabel")
        refs("Broader", _out(g, node, "broader"))
        refs("Narrower", _in(g, node, "broader"))
        tagged = _in(g, node, "hasTheme")
        refs("Questions", [n for n in tagged if g.nodes[n]["kind"] == "question"])
        refs("Resources", [n for n in tagged if g.nodes[n]["kind"] == "resource"])
        refs("Quotes", [n for n in tagged if g.nodes[n]["kind"] == "quote"])
    elif kind == "resource":
        text("Title", "title")
        text("Type", "resourceType")
        text("Authors", "creator")
        text("Issued", "issued")
        text("Publisher", "publisher")
        text("DOI", "doi")
        text("URL", "url", joiner=" ")
        if "true" in props.get("core", []):
            found.append(_fact("Core resource", text="yes: one of the report's core resources"))
        refs("Shared by", _out(g, node, "sharedBy"))
        refs("Themes", _out(g, node, "hasTheme"))
    elif kind == "question":
        text("Words", "text")
        refs("Asked by", _out(g, node, "askedBy"))
        refs("Themes", _out(g, node, "hasTheme"))
        answers = _in(g, node, "answers")
        refs("Answered by", sorted({p for a in answers for p in _out(g, a, "saidBy")}))
        refs("Answers", answers)
    elif kind == "quote":
        text("Words", "text")
        refs("Said by", _out(g, node, "saidBy"))
        text("Date", "date")
        refs("Answers", _out(g, node, "answers"))
        refs("Themes", _out(g, node, "hasTheme"))
        refs("Mentions", _out(g, node, "mentions"))
    return found
