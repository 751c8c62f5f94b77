"""What the pages people read show: one view per kind of entity, the search results, the thesaurus tree, the report.

Built from the same in-memory catalogue the JSON routes read (kg/indexes/catalogue/, api/lookups.py), so a page and its
JSON agree: a theme's reading list is `lookups.resources_for_theme`, the ranking of /api/resources?theme=. What the
catalogue lacks (affiliations, panels, where a resource was discussed, source lines) is read once per loaded store
with a few queries (api/queries/page_relations.rq, creator_names.rq, source_lines.rq, tweet_details.rq, ...) and kept
beside that catalogue.
Every value handed to the templates is plain text: Jinja2 escapes it; only the search index's snippet_html (escaped
there, with <mark> added) is passed as markup.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import weakref
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup

from api import lookups
from api.queries import load
from api.state import GraphService
from kg.indexes.catalogue import Catalogue, Theme, py, text
from kg.indexes.catalogue.values import chat_day, fold
from kg.sources.registry import Registry, SourceError

QI = "https://w3id.org/qikg/ontology#"
SKOS_RELATED = "http://www.w3.org/2004/02/skos/core#related"
KIND_NAMES = {
    "theme": "theme",
    "participant": "person or account",
    "organisation": "organisation",
    "resource": "resource",
    "question": "question",
    "quote": "quote",
    "chat": "tweet chat",
}


@dataclass
class Extras:
    """What the pages need beyond the catalogue, read once per loaded store."""

    out: dict[str, dict[str, list[str]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    into: dict[str, dict[str, list[str]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    lines: dict[str, list[tuple[str, int]]] = field(default_factory=lambda: defaultdict(list))
    sources: dict[str, dict] = field(default_factory=dict)
    by_line: dict[tuple[str, int], list[str]] = field(default_factory=lambda: defaultdict(list))
    names: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # foaf:name of creator agents
    # other printings' titles: (title, source, line)
    # the name of a node read from a report's line that no catalogue table holds (a person without a handle, ...)
    line_names: dict[str, str] = field(default_factory=dict)
    printed: dict[str, list[tuple[str, str, int | None]]] = field(default_factory=lambda: defaultdict(list))
    counts: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # a tweet's counts, as shown
    quoted_text: dict[str, str] = field(default_factory=dict)  # a quoted tweet's words, shown without its card
    # a source document's chat date: the earliest chat it is the source of (a report also states the chats it
    # announces, which come later)
    dates: dict[str, str] = field(default_factory=dict)

    def in_time(self, source: str) -> tuple[str, str]:
        """A source's place when a node's chats are listed: by its chat's date, oldest first (a resource's first
        printing, whose title the node keeps, then each chat that shared it again); undated sources last."""
        return (self.dates.get(source, "~"), source)


_EXTRAS: weakref.WeakKeyDictionary[Catalogue, Extras] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def extras(service: GraphService, catalogue: Catalogue) -> Extras:
    """The page indexes of this catalogue's store (read on first use, kept while the catalogue lives)."""
    with _LOCK:
        found = _EXTRAS.get(catalogue)
        if found is not None:
            return found
        found = Extras()
        for row in service.store.query(load("page_relations")).rows:
            s, rel, o = str(row["s"]), local_name(str(row["rel"])), str(row["o"])
            if o not in found.out[s][rel]:
                found.out[s][rel].append(o)
                found.into[o][rel].append(s)
        for row in service.store.query(load("creator_names")).rows:
            if (name := text(row.get("name"))) and name not in found.names[str(row["agent"])]:
                found.names[str(row["agent"])].append(name)
        for row in service.store.query(load("printed_titles")).rows:  # (title, source, line): another printing
            line = py(row.get("line"))
            found.printed[str(row["resource"])].append(
                (text(row.get("name")) or "", str(row["source"]), line if isinstance(line, int) else None)
            )
        for row in service.store.query(load("tweet_details")).rows:
            tweet = str(row["tweet"])
            if (words := text(row.get("quotedText"))) is not None:
                found.quoted_text[tweet] = words
            elif row.get("position") is not None:
                icon, value = text(row.get("icon")), py(row.get("value"))
                shown = " ".join(str(x) for x in (icon, value) if x is not None)
                if shown:
                    found.counts[tweet].append(shown)
        derived: dict[str, set[str]] = defaultdict(set)
        for row in service.store.query(load("source_lines")).rows:
            s, source = str(row["s"]), str(row["source"])
            derived[s].add(source)
            if row.get("path") is not None or row.get("title") is not None:
                found.sources.setdefault(
                    source,
                    {
                        "iri": source,
                        "slug": catalogue.local_id(source, "source"),
                        "title": text(row.get("title")),
                        "path": text(row.get("path")),
                        "sha256": text(row.get("sha")),
                    },
                )
            line = py(row.get("line"))
            if isinstance(line, int) and (source, line) not in found.lines[s]:
                found.lines[s].append((source, line))
        for chat, record in catalogue.chats.items():
            for source in derived.get(chat, ()) if record["date"] else ():
                found.dates[source] = min(found.dates.get(source, record["date"]), record["date"])
        for row in service.store.query(load("line_names")).rows:  # foaf:name first: "Sue Jenkins", not a slug
            found.line_names.setdefault(str(row["s"]), text(row.get("name")) or text(row.get("label")) or "")
        for s, cited in found.lines.items():
            cited.sort(key=lambda x: (found.in_time(x[0]), x[1]))
            for source, line in cited:
                found.by_line[(source, line)].append(s)
        _EXTRAS[catalogue] = found
        return found


def local_name(iri: str) -> str:
    """A property's key in `Extras.out`: its local name (qi:affiliatedWith -> affiliatedWith, dcterms:creator ->
    creator)."""
    return iri.replace("#", "/").rstrip("/").rsplit("/", 1)[-1]


# --- labels and links -----------------------------------------------------------------------------------------------


def short(words: str | None, size: int = 90) -> str:
    if not words:
        return ""
    words = " ".join(words.split())
    return words if len(words) <= size else words[: size - 1].rstrip() + "…"


_QUESTION_CHATS: weakref.WeakKeyDictionary[Catalogue, int] = weakref.WeakKeyDictionary()  # chats with questions


def question_name(catalogue: Catalogue, question: dict) -> str:
    """'Q2', and 'Q2 (19 Oct 2022)' when the questions come from two or more chats: each chat numbers its questions
    from 1, so the number alone names a question only in a one-chat graph (chats a report only announces have none)."""
    name = f"Q{question['number']}"
    chats = _QUESTION_CHATS.get(catalogue)
    if chats is None:  # once per catalogue: pages name many questions
        chats = _QUESTION_CHATS[catalogue] = len({q["chat"] for q in catalogue.questions})
    if chats < 2:
        return name
    chat = catalogue.chats.get(catalogue.id_base + "chat/" + (question["chat"] or ""), {})
    which = chat_day(chat.get("date")) or chat.get("label") or question["chat"]
    return f"{name} ({which})" if which else name


def label_of(catalogue: Catalogue, iri: str) -> str:
    """A person's words for a node: the theme's label, @handle, the title, "Q2: ...", never a CURIE."""
    if iri in catalogue.themes:
        return catalogue.themes[iri].label
    if iri in catalogue.participants:
        person = catalogue.participants[iri]
        # as a card shows the name, else as the report names the person (a panel member with no card of their own)
        shown = person.display_names or person.names
        name = shown[0] if shown else None
        return f"{name} (@{person.handle})" if name else f"@{person.handle}"
    if iri in catalogue.people.speaker_names:  # a person with no handle, who speaks for a team's account
        return catalogue.people.speaker_names[iri]
    if iri in catalogue.organisations:
        return catalogue.organisations[iri].label
    if iri in catalogue.resources:
        return lookups.resource_name(catalogue.resources[iri])
    if iri in catalogue.questions_by_iri:
        q = catalogue.questions_by_iri[iri]
        return question_name(catalogue, q) + (f": {short(q['text'], 80)}" if q["text"] else "")
    if iri in catalogue.quotes_by_iri:
        q = catalogue.quotes_by_iri[iri]
        return (f"@{q['author']}: " if q["author"] else "") + (short(q["text"], 70) or "a quote")
    if iri in catalogue.chats:
        return catalogue.chats[iri]["label"] or catalogue.chats[iri]["id"]
    tail = iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    return tail.replace("-", " ") or iri


def ref(catalogue: Catalogue, iri: str) -> dict:
    """A link to a node: its label and its page."""
    return {"label": label_of(catalogue, iri), "url": catalogue.page(iri), "iri": iri}


def citations(service: GraphService, catalogue: Catalogue, iri: str) -> list[dict]:
    """Where a node's facts came from, each a link to that line of the report's page."""
    found = extras(service, catalogue)
    out = []
    for source, line in found.lines.get(iri, []):
        doc = found.sources.get(source)
        slug = doc["slug"] if doc else catalogue.local_id(source, "source")
        out.append({"line": line, "url": f"/report/{slug}#L{line}", "title": (doc or {}).get("title") or slug})
    return out


def first_line(service: GraphService, catalogue: Catalogue, iri: str) -> dict | None:
    found = citations(service, catalogue, iri)
    return found[0] if found else None


def doi_url(doi: str | None) -> str | None:
    if not doi:
        return None
    doi = doi.strip()
    for prefix in ("https://doi.org/", "http://doi.org/", "doi:"):
        if doi.lower().startswith(prefix):
            doi = doi[len(prefix) :]
    return "https://doi.org/" + doi


def web_url(url: str | None) -> str | None:
    """Only http(s) addresses become links (a data text could say javascript:)."""
    if url and url.strip().lower().startswith(("http://", "https://")):
        return url.strip()
    if url and url.strip().lower().startswith("www."):
        return "https://" + url.strip()
    return None


# --- pieces shared by the views ------------------------------------------------------------------------------------


def quote_item(service: GraphService, catalogue: Catalogue, quote: dict) -> dict:
    question = catalogue.questions_by_iri.get(quote["question"] or "")
    posts = [q for q in extras(service, catalogue).out.get(quote["iri"], {}).get("asks", [])]
    asks = catalogue.questions_by_iri.get(posts[0]) if posts else None
    return {
        "text": quote["text"],
        "url": quote["url"],
        "kind": {"Tweet": "tweet", "Comment": "comment", "PullQuote": "pull quote"}.get(quote["kind"], "quote"),
        "author": ref(catalogue, quote["author_iri"]) if quote["author_iri"] else None,
        "date": quote["date"],
        "question": ref(catalogue, question["iri"]) if question else None,
        "asks": ref(catalogue, asks["iri"]) if asks else None,  # the question this card posts (no answer to it)
        "source": first_line(service, catalogue, quote["iri"]),
    }


def grouped_by_question(service: GraphService, catalogue: Catalogue, quotes: list[dict]) -> list[dict]:
    """Quotes under the question they answer (in the questions' order), those of no question last."""
    found = extras(service, catalogue)
    groups: dict[str | None, list[dict]] = defaultdict(list)
    for quote in quotes:  # the card that posts a question (qi:asks) stands under that question, not apart
        posts = [q for q in found.out.get(quote["iri"], {}).get("asks", []) if q in catalogue.questions_by_iri]
        groups[quote["question"] or (posts[0] if posts else None)].append(quote)
    order = [q["iri"] for q in catalogue.questions if q["iri"] in groups] + [k for k in groups if k is None]
    out = []
    for key in order:
        question = catalogue.questions_by_iri.get(key or "")
        out.append(
            {
                "question": question,
                "title": (question_name(catalogue, question) + (f": {question['text']}" if question["text"] else ""))
                if question
                else "Not in answer to a question",
                "chat": catalogue.chats.get(catalogue.id_base + "chat/" + (question["chat"] or ""), {}).get("label")
                if question
                else None,
                "quotes": [quote_item(service, catalogue, q) for q in sorted(groups[key], key=_quote_order)],
            }
        )
    return out


def _chat_iri(catalogue: Catalogue, item: dict) -> str | None:
    iri = catalogue.id_base + "chat/" + (item.get("chat") or "")
    return iri if iri in catalogue.chats else None


def _by_title(res: dict) -> str:
    return lookups.resource_name(res).casefold()


def _quote_order(quote: dict) -> tuple:
    return (quote["chat"] or "", quote["number"] or 0, quote["iri"])


def resource_item(catalogue: Catalogue, res: dict) -> dict:
    return {
        "title": lookups.resource_name(res),
        "url": res["url"],
        "link": web_url(res["link"]),
        "doi": res["doi"],
        "doi_url": doi_url(res["doi"]),
        "creators": res["creators"],
        "issued": res["issued"],
        "type": res["type"],
        "core": res["core"],
        "shared_by": [ref(catalogue, p.iri) for h in res["shared_by"] if (p := catalogue.resolve_participant(h))],
    }


def agent_names(catalogue: Catalogue, found: Extras, iri: str) -> set[str]:
    """Every name a creator's node goes by, folded: what the report may print as its author."""
    names = list(found.names.get(iri, []))
    if (person := catalogue.participants.get(iri)) is not None:
        names += [*person.display_names, *person.names, person.handle, "@" + person.handle]
    if (org := catalogue.organisations.get(iri)) is not None:
        names += [org.label, *org.alt_names]
    return {fold(n) for n in names if n}


def authors(catalogue: Catalogue, found: Extras, iri: str) -> list[dict]:
    """A resource's authors as printed, each linked to the person's or organisation's page when the graph ties the
    name to one (dcterms:creator); names the graph ties to no page of the catalogue stay text."""
    agents = found.out.get(iri, {}).get("creator", [])
    out = []
    for name in catalogue.resources[iri]["creators"]:
        node = next((a for a in agents if fold(name) in agent_names(catalogue, found, a)), None)
        page = node is not None and (node in catalogue.participants or node in catalogue.organisations)
        out.append({"label": name, "url": catalogue.page(node) if page else None, "iri": node})
    return out


def written_by(catalogue: Catalogue, found: Extras, iri: str) -> list[dict]:
    """The resources a person or an organisation is a creator of, by title."""
    made = [catalogue.resources[r] for r in found.into.get(iri, {}).get("creator", []) if r in catalogue.resources]
    return [resource_item(catalogue, r) for r in sorted(made, key=_by_title)]


def reports_by(found: Extras, iri: str) -> list[dict]:
    """The chat reports a person or an organisation wrote, each a link to the report's page."""
    docs = [found.sources[s] for s in found.into.get(iri, {}).get("creator", []) if s in found.sources]
    return [{"label": d["title"] or d["slug"], "url": f"/report/{d['slug']}", "iri": d["iri"]} for d in docs]


def theme_counts(catalogue: Catalogue, theme: Theme) -> dict:
    quotes: set[str] = set()
    resources: set[str] = set()
    for iri in catalogue.descendants(theme.iri):
        quotes |= catalogue.tagged.get(iri, {}).get("quote", set())
        resources |= catalogue.tagged.get(iri, {}).get("resource", set())
    own = catalogue.tagged.get(theme.iri, {})
    return {
        "quotes": len(quotes),
        "resources": len(resources),
        "own_quotes": len(own.get("quote", ())),
        "own_resources": len(own.get("resource", ())),
    }


def reading_counts(catalogue: Catalogue, theme: Theme) -> dict:
    """How many resources the theme's reading list shows (narrower themes included), in its two parts: about the
    theme (or a narrower one) and only mentioned. What a theme page says it lists is what it lists."""
    tiers = [r["tier"] for r in lookups.resources_for_theme(catalogue, theme, True)]
    about = sum(1 for t in tiers if t < 2)
    return {"listed": len(tiers), "about": about, "mentioned": len(tiers) - about}


def plural(count: int, word: str, many: str | None = None) -> str:
    """'1 quote', '2 quotes' (`many` for an irregular plural)."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


# --- the views, one per kind ----------------------------------------------------------------------------------------


def theme_view(service: GraphService, catalogue: Catalogue, theme: Theme) -> dict:
    found = extras(service, catalogue)
    counts = theme_counts(catalogue, theme)
    scope = catalogue.descendants(theme.iri)
    quote_iris: set[str] = set()
    for iri in scope:
        quote_iris |= catalogue.tagged.get(iri, {}).get("quote", set())
    quotes = [catalogue.quotes_by_iri[i] for i in quote_iris if i in catalogue.quotes_by_iri]
    reading = []
    for rank, res in enumerate(lookups.resources_for_theme(catalogue, theme, True), start=1):
        reading.append({**resource_item(catalogue, res), "rank": rank, "why": res["ranked_because"]})
    broader = [ref(catalogue, b) for b in theme.broader if b in catalogue.themes]
    related = {*found.out.get(theme.iri, {}).get("related", []), *found.into.get(theme.iri, {}).get("related", [])}
    kind = "One of the six lessons" if theme.lesson else "A theme"
    listed = reading_counts(catalogue, theme)
    summary = f"{kind} of the QI thesaurus: {plural(counts['quotes'], 'quote')} and "
    summary += f"{plural(listed['about'], 'resource')} about it"
    if listed["mentioned"]:
        summary += f", {listed['mentioned']} more only mentioned"
    if theme.narrower:
        summary += ", narrower themes included"
    return {
        "kind": "theme",
        "summary": summary + ".",
        "also_called": [*theme.alt],
        "broader": broader,
        "narrower": [
            {
                **ref(catalogue, n),
                **theme_counts(catalogue, catalogue.themes[n]),
                **reading_counts(catalogue, catalogue.themes[n]),
            }
            for n in theme.narrower
            if n in catalogue.themes
        ],
        "related": sorted((ref(catalogue, r) for r in related if r in catalogue.themes), key=lambda r: r["label"]),
        "reading": reading,
        "said": grouped_by_question(service, catalogue, quotes),
        "said_count": len(quotes),
        "api": [
            ("what to read", f"/api/resources?theme={theme.slug}"),
            ("quotes", f"/api/quotes?theme={theme.slug}"),
            ("theme", f"/api/themes/{theme.slug}"),
        ],
    }


def participant_view(service: GraphService, catalogue: Catalogue, iri: str) -> dict:
    found = extras(service, catalogue)
    person = catalogue.participants[iri]
    rel = found.out.get(iri, {})
    quotes = [q for q in catalogue.quotes if q["author_iri"] == iri]
    answered = {q["question"] for q in quotes if q["question"]}
    orgs = [{**ref(catalogue, o), "how": "affiliated"} for o in rel.get("affiliatedWith", [])]
    orgs += [{**ref(catalogue, o), "how": "the organisation's own account"} for o in rel.get("accountOf", [])]
    panel = rel.get("panelistOf", [])
    chats = list(dict.fromkeys([*panel, *(catalogue.id_base + "chat/" + q["chat"] for q in quotes if q["chat"])]))
    shared = [r for r in catalogue.resources.values() if person.handle in r["shared_by"]]
    speakers = [{"label": name, "url": catalogue.page(s), "iri": s} for s, name in person.speakers]
    bits = []
    if person.organisation_account:
        bits.append("a team's or organisation's account")
    if speakers:
        bits.append("spoken for by " + ", ".join(name for _, name in person.speakers))
    if person.roles:
        bits.append(", ".join(person.roles))
    if orgs:
        bits.append(", ".join(o["label"] for o in orgs))
    if panel:
        bits.append("on the panel")
    bits.append(
        f"{len(quotes)} quote{'s' if len(quotes) != 1 else ''}, {len(shared)} shared resource"
        + ("s" if len(shared) != 1 else "")
    )
    return {
        "kind": "participant",
        "handle": person.handle,
        "summary": f"@{person.handle}: " + "; ".join(bits) + ".",
        "spellings": [a for a in person.aliases if a.lstrip("@") != person.handle],
        "names": [*person.display_names, *person.names],
        "team_account": person.organisation_account,
        "speakers": speakers,
        "organisations": orgs,
        "same_person": [ref(catalogue, p) for p in rel.get("sameAgentAs", []) if p in catalogue.participants],
        "chats": [{**ref(catalogue, c), "panel": c in panel} for c in chats if c in catalogue.chats],
        "said": grouped_by_question(service, catalogue, quotes),
        "said_count": len(quotes),
        "shared": [resource_item(catalogue, r) for r in sorted(shared, key=_by_title)],
        "wrote": written_by(catalogue, found, iri),
        "reports": reports_by(found, iri),
        "answered": [ref(catalogue, q["iri"]) for q in catalogue.questions if q["iri"] in answered],
        "asked": [ref(catalogue, q["iri"]) for q in catalogue.questions if q["asked_by"] == person.handle],
        "api": [("participant", f"/api/participants/{person.handle}")],
    }


def organisation_view(service: GraphService, catalogue: Catalogue, iri: str) -> dict:
    found = extras(service, catalogue)
    org = catalogue.organisations[iri]
    into = found.into.get(iri, {})
    people = []
    for how, rel in (("affiliated", "affiliatedWith"), ("its own account", "accountOf")):
        for p in into.get(rel, []):
            if p not in catalogue.participants:
                continue
            person = catalogue.participants[p]
            quotes = [q for q in catalogue.quotes if q["author_iri"] == p]
            shared = [r for r in catalogue.resources.values() if person.handle in r["shared_by"]]
            people.append(
                {
                    **ref(catalogue, p),
                    "how": how,
                    "said": [quote_item(service, catalogue, q) for q in sorted(quotes, key=_quote_order)],
                    "shared": [resource_item(catalogue, r) for r in shared],
                }
            )
    mentioned = [catalogue.quotes_by_iri[q] for q in into.get("mentions", []) if q in catalogue.quotes_by_iri]
    parts = [ref(catalogue, o.iri) for o in catalogue.organisations.values() if iri in o.parents]
    summary = (org.kind.capitalize() if org.kind else "An organisation") + f": {len(people)} "
    summary += "person or account" if len(people) == 1 else "people or accounts"
    summary += " in the chats"
    return {
        "kind": "organisation",
        "summary": summary + ".",
        "also_called": org.alt_names,
        "part_of": [ref(catalogue, p) for p in org.parents],
        "parts": parts,
        "people": people,
        "mentioned": [quote_item(service, catalogue, q) for q in sorted(mentioned, key=_quote_order)],
        "wrote": written_by(catalogue, found, iri),
        "reports": reports_by(found, iri),
        "api": [("organisation", f"/api/organisations/{org.slug}")],
    }


def chat_view(service: GraphService, catalogue: Catalogue, iri: str) -> dict:
    found = extras(service, catalogue)
    chat = catalogue.chats[iri]
    panel = []
    for p in found.into.get(iri, {}).get("panelistOf", []):
        if p in catalogue.participants:
            rel = found.out.get(p, {})
            orgs = [ref(catalogue, o) for o in [*rel.get("affiliatedWith", []), *rel.get("accountOf", [])]]
            speakers = [{"label": n, "url": catalogue.page(s), "iri": s} for s, n in catalogue.participants[p].speakers]
            panel.append({**ref(catalogue, p), "organisations": orgs, "speakers": speakers})
    panel.sort(key=lambda p: catalogue.participants[p["iri"]].handle.casefold())
    questions = [
        {
            **ref(catalogue, q["iri"]),
            "number": q["number"],
            "text": q["text"],
            "answers": sum(1 for x in catalogue.quotes if x["question"] == q["iri"]),
        }
        for q in catalogue.questions
        if q["chat"] == chat["id"]
    ]
    quotes = [q for q in catalogue.quotes if q["chat"] == chat["id"]]
    in_chat = set(found.into.get(iri, {}).get("inChat", []))
    resources = [r for r in catalogue.resources.values() if r["iri"] in in_chat]
    measures = []
    for row in service.store.query(load("measurements")).rows:
        if text(row.get("chat")) != iri:
            continue
        value = py(row.get("value"))
        measures.append(
            {
                "label": text(row.get("label")) or "figure",
                "value": f"{value:,}" if isinstance(value, int) else str(value),
                "qualifier": text(row.get("qualifier")),
                "unit": text(row.get("unit")),
                "period": text(row.get("periodLabel")),
                "tool": text(row.get("tool")),
                "source": first_line(service, catalogue, str(row["measurement"])),
            }
        )
    bits = [
        chat["date"] or chat["id"],
        f"{len(panel)} on the panel",
        f"{len(questions)} questions",
        f"{len(quotes)} quotes",
        f"{len(resources)} resources",
    ]
    return {
        "kind": "chat",
        "summary": "Tweet chat of " + ", ".join(b for b in bits if b) + ".",
        "panel": panel,
        "questions": questions,
        "measures": measures,
        "resources": [resource_item(catalogue, r) for r in sorted(resources, key=_by_title)],
        "api": [("questions", f"/api/questions?chat={chat['id']}"), ("analytics", "/api/stats")],
    }


def resource_view(service: GraphService, catalogue: Catalogue, iri: str) -> dict:
    found = extras(service, catalogue)
    res = catalogue.resources[iri]
    rel = found.out.get(iri, {})
    discussed = [catalogue.quotes_by_iri[q] for q in rel.get("discussedIn", []) if q in catalogue.quotes_by_iri]
    sections = [ref(catalogue, q) for q in rel.get("inQuestionSection", []) if q in catalogue.questions_by_iri]
    why = lookups.item_reasons(service, catalogue, iri)
    themes: dict[str, dict] = {}
    for reason in why:
        theme_iri = catalogue.id_base + "theme/" + reason["theme"]
        entry = themes.setdefault(theme_iri, {**ref(catalogue, theme_iri), "why": []})
        words = lookups._evidence(reason)  # the same words /api/resources' ranked_because uses
        if words not in entry["why"]:
            entry["why"].append(words)
    item = {**resource_item(catalogue, res), "authors": authors(catalogue, found, iri)}
    # the title as other reports printed it, by report: a report's graph states its printings' titles and the
    # resource's lines there, not which title stands on which line, so the lines are cited with the report, unpaired
    printed: dict[str, dict] = {}
    for name, source, line in found.printed.get(iri, []):
        doc = found.sources.get(source)
        slug = doc["slug"] if doc else catalogue.local_id(source, "source")
        entry = printed.setdefault(source, {"titles": [], "report": (doc or {}).get("title") or slug, "sources": []})
        if name not in entry["titles"]:
            entry["titles"].append(name)
        if isinstance(line, int) and all(c["line"] != line for c in entry["sources"]):
            entry["sources"].append({"line": line, "url": f"/report/{slug}#L{line}", "title": entry["report"]})
    for entry in printed.values():
        entry["sources"].sort(key=lambda c: c["line"])
    item["printed_as"] = [printed[source] for source in sorted(printed, key=found.in_time)]
    bits = [x for x in [res["type"], ", ".join(res["creators"]) or None, res["issued"]] if x]
    return {
        "kind": "resource",
        "summary": (" · ".join(bits) or "A resource")
        + (" · one of the report's core resources" if res["core"] else ""),
        "resource": item,
        "chats": [
            _dated(catalogue, c)
            for c in sorted(rel.get("inChat", []), key=lambda c: (catalogue.chats.get(c, {}).get("date") or "~", c))
            if c in catalogue.chats
        ],
        "discussed": [quote_item(service, catalogue, q) for q in sorted(discussed, key=_quote_order)],
        "sections": sections,
        "themes": sorted(themes.values(), key=lambda t: t["label"].casefold()),
        "api": [("resource", f"/api/resources/{res['id']}")],
    }


def _dated(catalogue: Catalogue, chat: str) -> dict:
    """A link to a chat with its date in words ("..., 19 October 2022"), so a list of chats reads in its order."""
    link = ref(catalogue, chat)
    try:
        day = dt.date.fromisoformat(catalogue.chats[chat]["date"] or "")
    except ValueError:
        return link
    return {**link, "label": f"{link['label']} ({day.day} {day:%B %Y})"}


def question_view(service: GraphService, catalogue: Catalogue, iri: str) -> dict:
    q = catalogue.questions_by_iri[iri]
    answers = [x for x in catalogue.quotes if x["question"] == iri]
    chat_iri = catalogue.id_base + "chat/" + (q["chat"] or "")
    asked = catalogue.resolve_participant(q["asked_by"]) if q["asked_by"] else None
    found = extras(service, catalogue)
    cards = [c for c in found.into.get(iri, {}).get("asks", []) if c in catalogue.quotes_by_iri]
    return {
        "kind": "question",
        "summary": f"Question {q['number']} of {label_of(catalogue, chat_iri)}: {len(answers)} answers"
        + ("" if q["text"] else "; the report gives no text for it")
        + ".",
        "text": q["text"],
        "chat": ref(catalogue, chat_iri) if chat_iri in catalogue.chats else None,
        "asked_by": ref(catalogue, asked.iri) if asked else None,
        "asked_in": [
            {**quote_item(service, catalogue, catalogue.quotes_by_iri[c]), "counts": found.counts.get(c, [])}
            for c in cards
        ],
        "answers": [quote_item(service, catalogue, x) for x in sorted(answers, key=_quote_order)],
        "themes": [ref(catalogue, t) for t in sorted(catalogue.item_themes.get(iri, ())) if t in catalogue.themes],
        "api": [("question", f"/api/questions/{q['number']}?chat={q['chat']}")],
    }


def quote_view(service: GraphService, catalogue: Catalogue, iri: str) -> dict:
    found = extras(service, catalogue)
    quote = catalogue.quotes_by_iri[iri]
    rel = found.out.get(iri, {})
    item = quote_item(service, catalogue, quote)
    by = item["author"]["label"] if item["author"] else "someone"
    question = catalogue.questions_by_iri.get(quote["question"] or "")
    asked = [catalogue.questions_by_iri[q] for q in rel.get("asks", []) if q in catalogue.questions_by_iri]
    return {
        "kind": "quote",
        "heading": f"{item['kind'].capitalize()} by {by}"
        + (f" on {question_name(catalogue, question)}" if question else "")
        + (f" posting {question_name(catalogue, asked[0])}" if asked else ""),
        "summary": f"{by} said this"
        + (f" in {catalogue.chats[chat]['label'] or quote['chat']}" if (chat := _chat_iri(catalogue, quote)) else "")
        + (f", dated {quote['date']}" if quote["date"] else "")
        + ".",
        "quote": item,
        "asks": [ref(catalogue, q) for q in rel.get("asks", []) if q in catalogue.questions_by_iri],
        "counts": found.counts.get(iri, []),
        "quotes": [
            quote_item(service, catalogue, catalogue.quotes_by_iri[q])
            for q in rel.get("quotesTweet", [])
            if q in catalogue.quotes_by_iri
        ],
        "quoted_text": found.quoted_text.get(iri),
        "quoted_by": [
            quote_item(service, catalogue, catalogue.quotes_by_iri[q])
            for q in found.into.get(iri, {}).get("quotesTweet", [])
            if q in catalogue.quotes_by_iri
        ],
        "mentions": [ref(catalogue, m) for m in rel.get("mentions", [])],
        "replies_to": [ref(catalogue, m) for m in rel.get("repliesTo", [])],
        "resources": [
            resource_item(catalogue, catalogue.resources[r])
            for r in found.into.get(iri, {}).get("discussedIn", [])
            if r in catalogue.resources
        ],
        "themes": [ref(catalogue, t) for t in sorted(catalogue.item_themes.get(iri, ())) if t in catalogue.themes],
    }


def speaker_view(catalogue: Catalogue, found: Extras, iri: str, accounts: list[str]) -> dict:
    """A person the report names beside a team's account (qi:speaksFor): the account, whose words are its own."""
    orgs = [ref(catalogue, o) for o in found.out.get(iri, {}).get("affiliatedWith", [])]
    speaks = [ref(catalogue, a) for a in accounts]
    summary = "Speaks for " + ", ".join(a["label"] for a in speaks) + " on a chat's panel"
    summary += (" (" + ", ".join(o["label"] for o in orgs) + ")") if orgs else ""
    return {"kind": "person", "summary": summary + ".", "speaks_for": speaks, "organisations": orgs}


def view(service: GraphService, catalogue: Catalogue, iri: str) -> dict | None:
    """The reading view of a node, or None for a kind that has only its statements (a figure, a source)."""
    if iri in catalogue.themes:
        return theme_view(service, catalogue, catalogue.themes[iri])
    if iri in catalogue.participants:
        return participant_view(service, catalogue, iri)
    if iri in catalogue.organisations:
        return organisation_view(service, catalogue, iri)
    if iri in catalogue.chats:
        return chat_view(service, catalogue, iri)
    if iri in catalogue.resources:
        return resource_view(service, catalogue, iri)
    if iri in catalogue.questions_by_iri:
        return question_view(service, catalogue, iri)
    if iri in catalogue.quotes_by_iri:
        return quote_view(service, catalogue, iri)
    found = extras(service, catalogue)
    speaks_for = [a for a in found.out.get(iri, {}).get("speaksFor", []) if a in catalogue.participants]
    if speaks_for:
        return speaker_view(catalogue, found, iri, speaks_for)
    if iri in found.sources:
        doc = found.sources[iri]
        return {
            "kind": "source",
            "summary": "A source document the facts were taken from.",
            "report": f"/report/{doc['slug']}",
        }
    return None


def kind_of(catalogue: Catalogue, iri: str) -> str | None:
    for kind, table in (
        ("theme", catalogue.themes),
        ("participant", catalogue.participants),
        ("organisation", catalogue.organisations),
        ("chat", catalogue.chats),
        ("resource", catalogue.resources),
        ("question", catalogue.questions_by_iri),
        ("quote", catalogue.quotes_by_iri),
    ):
        if iri in table:
            return kind
    return None


def canonical(catalogue: Catalogue, path: str) -> str | None:
    """The page a mistyped or re-cased /id/ path means (`participant/HelenBevan`, an alias, a label), if exactly one."""
    kind, _, rest = path.partition("/")
    if not rest:
        return None
    iri = None
    if kind == "participant":
        person = catalogue.resolve_participant(rest)
        iri = person.iri if person else None
    elif kind == "organisation":
        org = catalogue.resolve_organisation(rest)
        iri = org.iri if org else None
    elif kind == "theme":
        found = catalogue.resolve_themes(rest)
        iri = found[0].iri if len(found) == 1 else None
    else:
        wanted = (catalogue.id_base + path).casefold()
        pool = [*catalogue.resources, *catalogue.chats, *catalogue.questions_by_iri, *catalogue.quotes_by_iri]
        hits = [i for i in pool if i.casefold() == wanted]
        iri = hits[0] if len(hits) == 1 else None
    page = catalogue.page(iri)
    return page if page and page != "/id/" + path else None


# --- search, thesaurus, report -------------------------------------------------------------------------------------


def search_results(catalogue: Catalogue, q: str, kind: str | None, limit: int, offset: int) -> dict:
    """The /api/search ranking (the same index and call), as page items: label, kind, marked snippet, page link."""
    parsed, total, hits = catalogue.search_index().search(q, kind=kind, limit=limit, offset=offset)
    items = []
    for hit in hits:
        if hit.kind == "participant":
            person = catalogue.resolve_participant(hit.id)
            iri = person.iri if person else None
        else:
            iri = catalogue.id_base + f"{hit.kind}/{hit.id}"
        label = label_of(catalogue, iri) if iri else hit.label
        items.append(
            {
                "kind": KIND_NAMES.get(hit.kind, hit.kind),
                "label": label,
                "url": catalogue.page(iri),
                "snippet": Markup(hit.snippet_html),  # escaped by kg/indexes/search.py, <mark> added there
                "author": hit.document.author if hit.kind == "quote" else None,
                "quotes": catalogue.quotes_by_author[hit.id] if hit.kind == "participant" else None,
            }
        )
    expanded = [
        (word, [s for s in found if s.casefold() != word.casefold()][:8]) for word, found in parsed.expanded.items()
    ]
    return {
        "total": total,
        "hits": items,
        "expanded": [(w, found) for w, found in expanded if found],
        "did_you_mean": catalogue.search_index().did_you_mean(q, kind=kind),
    }


def thesaurus(catalogue: Catalogue) -> list[dict]:
    """The thesaurus as a tree from its top concepts (the lessons first), each with its counts."""

    def node(theme: Theme, seen: frozenset[str]) -> dict:
        children = [
            node(catalogue.themes[n], seen | {theme.iri})
            for n in theme.narrower
            if n in catalogue.themes and n not in seen
        ]
        return {
            **ref(catalogue, theme.iri),
            "lesson": theme.lesson,
            **theme_counts(catalogue, theme),
            "also": theme.alt[:4],
            "children": children,
        }

    return [node(t, frozenset()) for t in catalogue.tops()]


class ReportMissing(Exception):
    """The source text of a report is not where the registry says, or is not the text the graph was built from."""


def source_text(service: GraphService, catalogue: Catalogue, slug: str) -> tuple[dict, list[dict]]:
    """A source document and its lines, each with the nodes taken from it: found through the registry by the
    digest the graph records (qi:sha256), so the line numbers are the ones the build used."""
    found = extras(service, catalogue)
    doc = next((d for d in found.sources.values() if d["slug"] == slug), None)
    if doc is None:
        raise KeyError(slug)
    path = _find_source_file(doc, service.settings.registry)
    raw = path.read_bytes()
    if doc["sha256"] and hashlib.sha256(raw).hexdigest() != doc["sha256"]:
        raise ReportMissing(f"the file of {slug} has changed since the graph was built; rebuild to see it here")
    lines = []
    for number, words in enumerate(raw.decode("utf-8", errors="replace").splitlines(), start=1):
        taken = [_taken(catalogue, found, s) for s in found.by_line.get((doc["iri"], number), []) if s != doc["iri"]]
        lines.append({"n": number, "text": words, "taken": [t for t in taken if t]})
    return doc, lines


def _taken(catalogue: Catalogue, found: Extras, iri: str) -> dict | None:
    """A node taken from a line, as a link: the catalogue's label, else the node's own name (a person the report
    names without a handle, a resource's creator, a figure: each has a page), else nothing (a theme's reason)."""
    if kind_of(catalogue, iri):
        return ref(catalogue, iri)
    name = found.line_names.get(iri)
    return {"label": name, "url": catalogue.page(iri), "iri": iri} if name else None


def _find_source_file(doc: dict, registry_file: Path) -> Path:
    """The registered text of a source document (the registry of the settings: the data directory's, or the
    packaged seed's while there is none)."""
    try:
        registry = Registry.load(registry_file)
    except SourceError as error:
        raise ReportMissing(f"the chat registry cannot be read: {error}") from None
    # the text whose digest the graph records first: a records file cut from a report cites that report's lines
    by_digest = [e for e in registry.entries if doc["sha256"] and e.sha256 == doc["sha256"]]
    for entry in [*by_digest, *(e for e in registry.entries if e.slug == doc["slug"])]:
        path = registry.resolve(entry)
        if path.is_file():
            return path
    if doc["path"]:
        path = registry.path.parent / Path(doc["path"]).name
        if path.is_file():
            return path
    raise ReportMissing(f"the text of {doc['slug']} is not in the chat registry ({registry.path.name})")


# --- the small nodes: a theme assignment, a measurement, an engagement count -----------------------------------------

REASONS = {
    "label": "its words match a label of the theme",
    "curated": "a reviewed tag",
    "question": "it is discussed in the question's section",
    "quote": "a quote about the theme discusses it",
}
METRICS = {"like": ("like", "likes"), "reply": ("reply", "replies"), "retweet": ("retweet", "retweets")}
UNKNOWN_METRIC = "unknown"


def _facts(rows: list[dict], term: str) -> dict[str, list[tuple[object, str | None]]]:
    """Statements by the local name of their property: (the other node or value, its label)."""
    out: dict[str, list[tuple[object, str | None]]] = defaultdict(list)
    for row in rows:
        label = row.get("label")
        out[local_name(str(row["p"]))].append((row[term], str(label) if label is not None else None))
    return out


def _number(value: str | None) -> str | None:
    """A whole number as people write it (2,000,000); anything else as the report gives it."""
    return f"{int(value):,}" if value and value.isdigit() else value


def _one(facts: dict, name: str) -> str | None:
    found = facts.get(name)
    return str(found[0][0]) if found else None


def _named(catalogue: Catalogue, facts: dict, name: str) -> str | None:
    """The linked node's words: the catalogue's label of it, else its own rdfs:label; never its IRI or slug."""
    found = facts.get(name)
    if not found:
        return None
    iri, label = str(found[0][0]), found[0][1]
    if kind_of(catalogue, iri):
        return label_of(catalogue, iri)
    return label


def assignment_name(service: GraphService, catalogue: Catalogue, iri: str) -> str | None:
    """A theme assignment in words (“Genba” for Q2: ...), as its page is titled; none for any other node."""
    out = extras(service, catalogue).out.get(iri, {})
    themes, items = out.get("assignedTheme", []), out.get("assignedTo", [])
    if not themes or not items or themes[0] not in catalogue.themes:
        return None
    return f"“{label_of(catalogue, themes[0])}” for {short(label_of(catalogue, items[0]), 80)}"


def small_view(catalogue: Catalogue, types: set[str], outgoing: list[dict], incoming: list[dict]) -> dict | None:
    """The heading and summary of a node that is one fact (a theme assignment, a measurement, an engagement count),
    said in the labels of what it links and its own values, so its page shows that fact above the statements.
    Only what the statements say: an unknown metric stays unknown ("the report does not say which")."""
    out, into = _facts(outgoing, "o"), _facts(incoming, "s")
    if QI + "ThemeAssignment" in types:
        return _assignment(catalogue, out)
    if QI + "EngagementCount" in types:
        return _engagement(catalogue, out, into)
    if QI + "Measurement" in types:
        return _measurement(catalogue, out)
    return None


def _assignment(catalogue: Catalogue, out: dict) -> dict | None:
    theme, item = _named(catalogue, out, "assignedTheme"), _named(catalogue, out, "assignedTo")
    if not theme or not item:
        return None
    reason, strength = _one(out, "reason"), _one(out, "strength")
    matched, note = _one(out, "matchedLabel"), _one(out, "note")
    why = f"its words say “{matched}”" if reason == "label" and matched else REASONS.get(reason or "", reason)
    summary = f"{item} is tagged with the theme “{theme}”"
    if why:
        summary += f": {why}"
    if strength:
        summary += f" ({strength} evidence)"
    summary += "."
    if note:
        summary += f" Note: {note}"
    return {"kind": "assignment", "heading": f"“{theme}” for {short(item, 80)}", "summary": summary}


def _engagement(catalogue: Catalogue, out: dict, into: dict) -> dict | None:
    value = _number(_one(out, "value"))
    if value is None:
        return None
    metric, position = _one(out, "metric"), _one(out, "position")
    quotes = [
        catalogue.quotes_by_iri[str(s)] for s, _ in into.get("engagement", []) if str(s) in catalogue.quotes_by_iri
    ]
    quote = quotes[0] if quotes else None
    whose = f"@{quote['author']}'s tweet card" if quote and quote["author"] else "a tweet card"
    said = f" (“{short(quote['text'], 90)}”)" if quote and quote["text"] else ""
    if metric and metric != UNKNOWN_METRIC:
        one, many = METRICS.get(metric, (metric, metric))
        counted = f"{value} {one if value == '1' else many}"
        return {"kind": "figure", "heading": f"{counted} on {whose}", "summary": f"{counted} on {whose}{said}."}
    place = f", figure {position} on the card" if position else ""
    return {
        "kind": "figure",
        "heading": f"{value}: an engagement count on {whose}",
        "summary": f"{value}: an engagement count on {whose}{said}{place}; the report does not say which count it is.",
    }


def _measurement(catalogue: Catalogue, out: dict) -> dict | None:
    value = _one(out, "value")
    what = _one(out, "label")
    if value is None:
        return None
    figure = " ".join(w for w in (_one(out, "qualifier"), _number(value), _one(out, "unit")) if w)
    summary = (f"{what[:1].upper()}{what[1:]}: " if what else "") + figure
    if period := _one(out, "periodLabel") or " to ".join(
        w for w in (_one(out, "periodStart"), _one(out, "periodEnd")) if w
    ):
        summary += f" ({period})"
    if tool := _named(catalogue, out, "measuredBy"):
        summary += f", measured by {tool}"
    if chat := _named(catalogue, out, "about"):
        summary += f"; for the chat “{chat}”"
    heading = f"{what[:1].upper()}{what[1:]}: {figure}" if what else figure
    return {"kind": "figure", "heading": heading, "summary": summary + "."}
