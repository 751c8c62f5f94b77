"""The chats, their questions and quotes, and the resources with why each carries its themes: one entry each, as
the list routes answer them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import astuple, dataclass

from kg.indexes.catalogue.values import Ids, add_once, line_number, load, py, text
from kg.store import Store


@dataclass(frozen=True)
class ThemeReason:
    """Why a resource carries a theme: an assignment's reason (label / question / curated), or a quote about it."""

    theme: str
    reason: str | None
    matched_label: str | None = None
    via_question: str | None = None
    note: str | None = None
    via_quote: str | None = None
    strength: str | None = None
    context: str | None = None

    @classmethod
    def from_row(cls, row: dict) -> ThemeReason:
        """From a row with ?theme ?reason ?matchedLabel ?viaQuestion ?note ?viaQuote ?strength ?matchedContext (all
        but the first two optional)."""
        return cls(
            str(row["theme"]),
            text(row.get("reason")),
            text(row.get("matchedLabel")),
            text(row.get("viaQuestion")),
            text(row.get("note")),
            text(row.get("viaQuote")),
            text(row.get("strength")),
            text(row.get("matchedContext")),
        )


def read_chats(store: Store, ids: Ids) -> dict[str, dict]:
    chats: dict[str, dict] = {}
    for row in store.query(load("chats")).rows:
        iri = str(row["chat"])
        chats.setdefault(
            iri,
            {
                "id": ids.local_id(iri, "chat"),
                "iri": iri,
                "label": text(row.get("label")),
                "date": text(row.get("date")),
                "url": ids.page(iri),
            },
        )
    return chats


def read_questions(store: Store, ids: Ids) -> dict[str, dict]:
    """The questions by IRI, in the order the store lists them."""
    seen: dict[str, dict] = {}
    for row in store.query(load("questions")).rows:
        iri = str(row["question"])
        if iri in seen:
            continue
        seen[iri] = {
            "id": ids.local_id(iri, "question"),
            "iri": iri,
            "url": ids.page(iri),
            "number": py(row["number"]),
            "text": text(row.get("text")),
            "chat": ids.chat_id(text(row.get("chat"))),
            "asked_by": text(row.get("askedByHandle")),
        }
    return seen


def read_quotes(store: Store, ids: Ids, questions: list[dict], item_themes: dict[str, set[str]]) -> list[dict]:
    """The quotes sorted by chat and number."""
    quotes: dict[str, dict] = {}
    for row in store.query(load("quotes")).rows:
        iri = str(row["quote"])
        quote = quotes.setdefault(
            iri,
            {
                "id": ids.local_id(iri, "quote"),
                "iri": iri,
                "url": ids.page(iri),
                "kinds": [],
                "number": py(row.get("number")),
                "text": text(row.get("text")),
                "author": text(row.get("handle")),
                "author_iri": text(row.get("author")),
                "question": text(row.get("question")),
                "date": text(row.get("date")),
                "chat": ids.chat_id(text(row.get("chat"))),
            },
        )
        kind = str(row["type"]).rsplit("#", 1)[-1]
        add_once(quote["kinds"], kind)
    numbers = {q["iri"]: q["number"] for q in questions}
    for quote in quotes.values():
        quote["kind"] = next((k for k in sorted(quote["kinds"]) if k != "Quote"), "Quote")  # one answer on every load
        del quote["kinds"]
        quote["question_number"] = numbers.get(quote["question"]) if quote["question"] else None
        quote["themes"] = sorted(ids.local_id(t, "theme") for t in item_themes.get(quote["iri"], ()))
    return sorted(quotes.values(), key=lambda q: (q["chat"] or "", q["number"] or 0, q["iri"]))


def read_resources(store: Store, ids: Ids, item_themes: dict[str, set[str]]) -> dict[str, dict]:
    resources: dict[str, dict] = {}
    for row in store.query(load("resources")).rows:
        iri = str(row["resource"])
        res = resources.setdefault(
            iri,
            {
                "id": ids.local_id(iri, "resource"),
                "iri": iri,
                "url": ids.page(iri),
                "title": None,
                "label": None,
                "type": None,
                "issued": None,
                "link": None,
                "doi": None,
                "core": False,
                "creators": [],
                "shared_by": [],
            },
        )
        for key, var in (
            ("title", "title"),
            ("type", "type"),
            ("issued", "issued"),
            ("link", "url"),
            ("doi", "doi"),
        ):
            res[key] = res[key] or text(row.get(var))
        res["core"] = res["core"] or bool(py(row.get("core")))
        add_once(res["creators"], text(row.get("creator")))
    for row in store.query(load("resource_sharers")).rows:
        if (shared := resources.get(str(row["resource"]))) is not None:
            add_once(shared["shared_by"], text(row.get("sharedByHandle")))
    for row in store.query(load("resource_labels")).rows:
        if (named := resources.get(str(row["resource"]))) is not None:
            named["label"] = named["label"] or text(row.get("label"))
    for row in store.query(load("resource_lines")).rows:  # where the reports list it: [chat date, graph, line]
        line = line_number(row.get("line"))
        if (listed := resources.get(str(row["resource"]))) is not None and line is not None:
            place = [text(row.get("date")) or "", str(row["g"]), line]
            if listed.get("report_order") is None or place < listed["report_order"]:
                listed["report_order"] = place
    for res in resources.values():
        res.setdefault("report_order", None)
        res["themes"] = sorted(ids.local_id(t, "theme") for t in item_themes.get(res["iri"], ()))
    return resources


def read_resource_reasons(store: Store) -> dict[str, list[ThemeReason]]:
    """For each resource why it carries each theme, each reason once, sorted (the query's rows come in an order
    that may differ between two loads of one build: the answers must not)."""
    reasons: dict[str, set[ThemeReason]] = defaultdict(set)
    for row in store.query(load("resource_reasons")).rows:
        reasons[str(row["resource"])].add(ThemeReason.from_row(row))
    return {
        iri: sorted(found, key=lambda r: tuple(v or "" for v in astuple(r))) for iri, found in sorted(reasons.items())
    }
