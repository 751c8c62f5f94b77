"""Who connects whom: rankings, communities, bridges and the report's own rankings beside ours (api/network.py)."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable
from typing import Annotated, Literal
from urllib.parse import quote

import networkx as nx
from fastapi import APIRouter, Depends, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api import pages
from api.deps import TEXT_MAX, CatalogueDep, PageDep, ServiceDep
from api.errors import ApiError, documented
from api.schemas.network import (
    BetweenOut,
    BridgeTieOut,
    BrokerOut,
    BrokerPage,
    CommunityOut,
    CommunityPage,
    ComparedRow,
    ComparisonOut,
    ComparisonPage,
    EvidenceOut,
    HopOut,
    LineOut,
    LinkPage,
    LinkPersonOut,
    Measure,
    NeighbourOut,
    NetworkOut,
    NodeDetail,
    NodeKind,
    NodeOut,
    NodePage,
    OrganisationLinkOut,
    OrganisationOut,
    RefOut,
    WayFactOut,
    WayOut,
)
from api.state import GraphService
from kg.indexes.catalogue import Catalogue, Organisation
from kg.indexes.catalogue.values import fold
from kg.indexes.network import (
    DEFAULT_PEOPLE_TIES,
    MEASURES,
    PEOPLE_TIES,
    Between,
    Network,
    NetworkName,
    Networks,
    Tie,
    Way,
    between,
    brokers,
    community_bridges,
    compare,
    members,
    organisation_links,
    place,
    ranked,
)

router = APIRouter(prefix="/api/network", tags=["network"])


def networks(service: GraphService) -> Networks:
    """The networks of the store's current content (kept by the service, one set per load)."""
    return service.networks()


# --- parameters ----------------------------------------------------------------------------------------------------

ABOUT = {
    "people": "people tied to people by the ties listed in ties_used (reply, mention; co-answer and co-shared on "
    "request)",
    "organisations": "people and organisations: stated affiliations, organisations' own accounts, and organisations "
    "(or their accounts) mentioned or replied to",
    "themes": "people and the themes of what they said or shared",
}


async def _chat(
    catalogue: CatalogueDep,
    chat: Annotated[
        str | None, Query(max_length=TEXT_MAX, description="a chat id (its date, e.g. 2022-10-19); none: all chats")
    ] = None,
) -> str | None:
    if chat is None:
        return None
    for iri, info in catalogue.chats.items():
        if chat in (info["id"], iri):
            return iri
    known = ", ".join(c["id"] for c in catalogue.chats.values())
    raise ApiError(404, "unknown chat", f"no chat {chat[:100]!r}; the chats are {known}")


_TIE = "(" + "|".join(PEOPLE_TIES) + ")"


async def _ties(
    ties: Annotated[
        str | None,
        Query(
            max_length=TEXT_MAX,
            pattern=f"^ *{_TIE} *(, *{_TIE} *)*$",
            description="people network: the kinds of "
            "tie, comma-separated, from "
            + ", ".join(PEOPLE_TIES)
            + " (default: "
            + ",".join(DEFAULT_PEOPLE_TIES)
            + ")",
        ),
    ] = None,
) -> tuple[str, ...]:
    if ties is None:
        return DEFAULT_PEOPLE_TIES
    chosen = tuple(t.strip() for t in ties.split(",") if t.strip())
    unknown = [t for t in chosen if t not in PEOPLE_TIES]
    if unknown or not chosen:
        raise ApiError(400, "unknown tie kind", f"ties must be a comma-separated list of {', '.join(PEOPLE_TIES)}")
    return chosen


ChatDep = Annotated[str | None, Depends(_chat)]
TiesDep = Annotated[tuple[str, ...], Depends(_ties)]
NetworkPath = Annotated[NetworkName, Path(description="people, organisations or themes")]


async def _network(service: GraphService, name: NetworkName, chat: str | None, ties: tuple[str, ...]) -> Network:
    """The network, built in a worker thread the first time (a query and networkx's measures), then kept."""
    return await run_in_threadpool(lambda: networks(service).get(name, chat, ties))


# --- JSON shapes ---------------------------------------------------------------------------------------------------


def _label(catalogue: Catalogue, iri: str, kind: str) -> tuple[str, str]:
    if kind == "participant":
        person = catalogue.participants.get(iri)
        if person is None and iri in catalogue.people.speaker_names:  # no handle: the name the panel gives
            return iri.rsplit("/", 1)[-1], catalogue.people.speaker_names[iri]
        handle = person.handle if person else iri.rsplit("/", 1)[-1]
        return handle, "@" + handle
    if kind == "organisation":
        org = catalogue.organisations.get(iri)
        return (org.slug, org.label) if org else (iri.rsplit("/", 1)[-1],) * 2
    theme = catalogue.themes.get(iri)
    return (theme.slug, theme.label) if theme else (iri.rsplit("/", 1)[-1],) * 2


def node_out(catalogue: Catalogue, network: Network, iri: str) -> NodeOut:
    kind = network.kinds.get(iri, "participant")
    ident, label = _label(catalogue, iri, kind)
    return NodeOut(
        id=ident,
        iri=iri,
        kind=kind,
        label=label,
        url=catalogue.page(iri),
        degree=network.graph.degree(iri),
        ties=network.strength(iri),
        betweenness=round(network.betweenness.get(iri, 0.0), 6),
        brokerage=None if (brokerage := network.brokerage.get(iri)) is None else round(brokerage, 6),
        community=network.community.get(iri),
    )


def _short(words: str | None, size: int = 160) -> str | None:
    if not words:
        return words
    return words if len(words) <= size else words[: size - 1].rstrip() + "…"


def evidence_out(catalogue: Catalogue, tie: Tie) -> EvidenceOut:
    iri = tie.evidence
    words = None
    if iri in catalogue.quotes_by_iri:
        words = catalogue.quotes_by_iri[iri]["text"]
    elif iri in catalogue.questions_by_iri:
        question = catalogue.questions_by_iri[iri]
        words = f"Q{question['number']}" + (f": {question['text']}" if question["text"] else "")
    elif iri in catalogue.resources:
        words = catalogue.resources[iri]["title"]
    person = catalogue.participants.get(tie.by) if tie.by else None
    return EvidenceOut(
        kind=tie.kind, iri=iri, url=catalogue.page(iri), text=_short(words), by=person.handle if person else None
    )


def network_out(catalogue: Catalogue, network: Network) -> NetworkOut:
    return NetworkOut(
        network=network.name,
        chat=catalogue.chat_id(network.chat),
        ties_used=list(network.ties_used),
        nodes=network.graph.number_of_nodes(),
        edges=network.graph.number_of_edges(),
        communities=len(network.communities),
        isolated=len(network.isolated()),
        betweenness_sampled=network.betweenness_sampled,
        about=ABOUT[network.name],
    )


def _find(catalogue: Catalogue, network: Network, node_id: str) -> str:
    """A node of the network by handle (any case, aliases too), a person's id or name where they have no handle,
    organisation id or name, or theme id or label."""
    candidates: list[str] = []
    person = catalogue.resolve_participant(node_id)
    if person:
        candidates.append(person.iri)
    elif unhandled := catalogue.people.resolve_without_handle(node_id):
        candidates.append(unhandled)
    org = catalogue.resolve_organisation(node_id)
    if org:
        candidates.append(org.iri)
    candidates += [t.iri for t in catalogue.resolve_themes(node_id)]
    for iri in candidates:
        if iri in network.graph:
            return iri
    if candidates:
        raise ApiError(
            404,
            "not in this network",
            f"{node_id!r} has no part in the {network.name} network"
            + (f" of chat {catalogue.chat_id(network.chat)}" if network.chat else ""),
        )
    suggestions = catalogue.participant_suggestions(node_id) + catalogue.organisation_suggestions(node_id)
    raise ApiError(
        404, "unknown node", f"no participant, organisation or theme {node_id!r}", suggestions=suggestions[:5]
    )


# --- routes --------------------------------------------------------------------------------------------------------


@router.get("", summary="The three networks (all chats): size, communities, what makes a tie")
async def list_networks(service: ServiceDep, catalogue: CatalogueDep) -> list[NetworkOut]:
    return [
        network_out(catalogue, await _network(service, name, None, DEFAULT_PEOPLE_TIES))
        for name in ("people", "organisations", "themes")
    ]


@router.get(
    "/compare",
    summary="The report's rankings (its influencer table) beside the people network's measure",
    responses=documented(404),
)
async def compare_rankings(
    service: ServiceDep,
    catalogue: CatalogueDep,
    chat: ChatDep,
    ties: TiesDep,
    measure: Annotated[Measure, Query(description="the measure to rank people by")] = "betweenness",
) -> ComparisonPage:
    network = await _network(service, "people", chat, ties)
    compared = await run_in_threadpool(lambda: compare(network, networks(service).rankings, measure))
    items = []
    for found in compared:
        rows = [
            ComparedRow(
                participant=node_out(catalogue, network, p) if p in network.graph else None,
                participant_iri=p,
                report_rank=theirs,
                our_rank=mine,
            )
            for p, theirs, mine in found.rows
        ]
        items.append(
            ComparisonOut(
                ranking=found.ranking,
                label=found.label,
                measure=measure,
                rho=None if found.rho is None else round(found.rho, 4),
                rows=rows,
                report_only=[node_out(catalogue, network, p) for p in found.report_only if p in network.graph],
                network_only=[node_out(catalogue, network, p) for p in found.network_only],
            )
        )
    return ComparisonPage(network=network_out(catalogue, network), items=items)


@router.get(
    "/organisations/links",
    summary="Who connects these organisations: pairs of organisations one person is tied to both of, with the facts",
    responses=documented(400, 404),
)
async def organisation_pairs(
    service: ServiceDep,
    catalogue: CatalogueDep,
    page: PageDep,
    chat: ChatDep,
    organisation: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=TEXT_MAX,
            pattern=r"\S",
            description="only the pairs with this organisation (its id or any of its names, or words of one name)",
        ),
    ] = None,
) -> LinkPage:
    network = await _network(service, "organisations", chat, ())
    links = await run_in_threadpool(organisation_links, network)
    if organisation is not None:
        chosen = organisation_param(catalogue, "organisation", organisation)
        links = [link for link in links if chosen in link[:2]]
    items = [
        OrganisationLinkOut(
            first=node_out(catalogue, network, x),
            second=node_out(catalogue, network, y),
            group=link_group(catalogue, x, y),
            people=[
                LinkPersonOut(
                    person=node_out(catalogue, network, p),
                    first=evidence_out(catalogue, t1),
                    second=evidence_out(catalogue, t2),
                )
                for p, t1, t2 in people
            ],
        )
        for x, y, people in links[page.offset : page.offset + page.limit]
    ]
    return LinkPage(
        total=len(links), limit=page.limit, offset=page.offset, network=network_out(catalogue, network), items=items
    )


@router.get(
    "/{network}",
    summary="One network of one chat or all chats: size, communities, what makes a tie",
    responses=documented(404),
)
async def get_network(
    service: ServiceDep, catalogue: CatalogueDep, network: NetworkPath, chat: ChatDep, ties: TiesDep
) -> NetworkOut:
    return network_out(catalogue, await _network(service, network, chat, ties))


@router.get(
    "/{network}/nodes",
    summary="Nodes ranked by a measure (betweenness by default), with every measure",
    responses=documented(404),
)
async def network_nodes(
    service: ServiceDep,
    catalogue: CatalogueDep,
    page: PageDep,
    network: NetworkPath,
    chat: ChatDep,
    ties: TiesDep,
    measure: Annotated[Measure, Query(description="what to rank by")] = "betweenness",
    kind: Annotated[NodeKind | None, Query(description="only nodes of this kind (default: people)")] = "participant",
) -> NodePage:
    found = await _network(service, network, chat, ties)
    order = await run_in_threadpool(ranked, found, measure, kind)
    return NodePage(
        total=len(order),
        limit=page.limit,
        offset=page.offset,
        network=network_out(catalogue, found),
        measure=measure,
        items=[node_out(catalogue, found, n) for n in order[page.offset : page.offset + page.limit]],
    )


@router.get(
    "/{network}/nodes/{node_id}",
    summary="One node's measures, ranks and ties, each tie with its facts",
    responses=documented(404),
)
async def network_node(
    service: ServiceDep,
    catalogue: CatalogueDep,
    network: NetworkPath,
    chat: ChatDep,
    ties: TiesDep,
    node_id: Annotated[str, Path(max_length=TEXT_MAX)],
) -> NodeDetail:
    found = await _network(service, network, chat, ties)
    iri = _find(catalogue, found, node_id)
    kind = found.kinds.get(iri)
    ranks = {m: place(found, iri, m, kind) or 0 for m in MEASURES}
    neighbours = sorted(found.graph[iri], key=lambda n: (-found.graph.edges[iri, n]["weight"], n))
    return NodeDetail(
        network=network_out(catalogue, found),
        node=node_out(catalogue, found, iri),
        rank=ranks,
        neighbours=[
            NeighbourOut(
                node=node_out(catalogue, found, n), evidence=[evidence_out(catalogue, t) for t in found.ties(iri, n)]
            )
            for n in neighbours
        ],
    )


@router.get(
    "/{network}/communities",
    summary="The communities (Louvain), largest first, members by betweenness",
    responses=documented(404),
)
async def network_communities(
    service: ServiceDep, catalogue: CatalogueDep, page: PageDep, network: NetworkPath, chat: ChatDep, ties: TiesDep
) -> CommunityPage:
    found = await _network(service, network, chat, ties)
    chosen = list(enumerate(found.communities))[page.offset : page.offset + page.limit]
    items = [
        CommunityOut(
            index=i,
            size=len(members),
            members=[
                node_out(catalogue, found, n)
                for n in sorted(members, key=lambda n: (-found.betweenness.get(n, 0.0), n))
            ],
        )
        for i, members in chosen
    ]
    return CommunityPage(
        total=len(found.communities),
        limit=page.limit,
        offset=page.offset,
        network=network_out(catalogue, found),
        items=items,
    )


@router.get(
    "/{network}/bridges",
    summary="People whose own ties join communities, with the ties and their facts",
    responses=documented(404),
)
async def network_bridges(
    service: ServiceDep, catalogue: CatalogueDep, page: PageDep, network: NetworkPath, chat: ChatDep, ties: TiesDep
) -> BrokerPage:
    found = await _network(service, network, chat, ties)
    crossing = await run_in_threadpool(community_bridges, found)
    people = await run_in_threadpool(brokers, found)
    items = []
    for person, reaches in people[page.offset : page.offset + page.limit]:
        own = [(b if a == person else a, t) for a, b, t in crossing if person in (a, b)]
        items.append(
            BrokerOut(
                node=node_out(catalogue, found, person),
                reaches=sorted(reaches),
                ties=[
                    BridgeTieOut(
                        other=node_out(catalogue, found, other), evidence=[evidence_out(catalogue, t) for t in tied]
                    )
                    for other, tied in own
                ],
            )
        )
    return BrokerPage(
        total=len(people), limit=page.limit, offset=page.offset, network=network_out(catalogue, found), items=items
    )


def _export(catalogue: Catalogue, found: Network, format: str) -> tuple[bytes, str]:
    """The network as GEXF or GraphML bytes, every measure a node attribute (for Gephi and friends)."""
    out = nx.Graph()
    for iri in found.graph:
        node = node_out(catalogue, found, iri)
        out.add_node(
            iri,
            label=node.label,
            kind=node.kind,
            degree=node.degree,
            ties=node.ties,
            betweenness=node.betweenness,
            brokerage=-1.0 if node.brokerage is None else node.brokerage,
            community=-1 if node.community is None else node.community,
        )
    for u, v, data in found.graph.edges(data=True):
        out.add_edge(u, v, weight=float(data["weight"]), kinds=",".join(sorted({t.kind for t in data["ties"]})))
    buffer = io.BytesIO()
    if format == "gexf":
        nx.write_gexf(out, buffer)
        return buffer.getvalue(), "application/gexf+xml"
    nx.write_graphml(out, buffer)
    return buffer.getvalue(), "application/graphml+xml"


@router.get(
    "/{network}/export",
    response_class=Response,
    summary="The network for Gephi and others: GEXF or GraphML, measures as node attributes",
    responses={200: {"content": {"application/gexf+xml": {}, "application/graphml+xml": {}}}, **documented(404)},
)
async def network_export(
    service: ServiceDep,
    catalogue: CatalogueDep,
    network: NetworkPath,
    chat: ChatDep,
    ties: TiesDep,
    format: Annotated[Literal["gexf", "graphml"], Query(description="gexf or graphml")] = "gexf",
) -> Response:
    found = await _network(service, network, chat, ties)
    content, media = await run_in_threadpool(_export, catalogue, found, format)
    name = f"qikg-{network}{'-' + (catalogue.chat_id(found.chat) or '') if found.chat else ''}.{format}"
    return Response(content, media_type=media, headers={"content-disposition": f'attachment; filename="{name}"'})


# --- the same figures on the entity pages --------------------------------------------------------------------------

PAGE_TIES = 8  # ties listed on an entity page, most facts first


def _neighbours_for_page(catalogue: Catalogue, network: Network, iri: str, kind: str | None = None) -> list[dict]:
    around = [n for n in network.graph[iri] if kind is None or network.kinds.get(n) == kind]
    around.sort(key=lambda n: (-network.graph.edges[iri, n]["weight"], n))
    return [
        {
            "node": node_out(catalogue, network, n),
            "evidence": [evidence_out(catalogue, t) for t in network.ties(iri, n)],
        }
        for n in around[:PAGE_TIES]
    ]


def page_sections(service: GraphService, catalogue: Catalogue, iri: str) -> dict | None:
    """What the entity page of `iri` shows under "Who connects whom" (None when it has no part in a network).

    A person: their measures and ranks in the people network and their strongest ties; an organisation: the people
    tied to it and the organisations they link it to; a theme: who talks about it most; a chat: its bridges and the
    report's rankings beside the network's."""
    nets = networks(service)
    people = nets.get("people")
    if iri in catalogue.participants and iri in people.graph:
        return {
            "kind": "participant",
            "network": network_out(catalogue, people),
            "node": node_out(catalogue, people, iri),
            "place": place(people, iri, "betweenness"),
            "of": len(ranked(people, "betweenness")),
            "ties": _neighbours_for_page(catalogue, people, iri),
            "api": f"/api/network/people/nodes/{catalogue.participants[iri].handle}",
        }
    if iri in catalogue.organisations:
        orgs = nets.get("organisations")
        if iri not in orgs.graph:
            return None
        links = [(y if x == iri else x, people_) for x, y, people_ in organisation_links(orgs) if iri in (x, y)]
        return {
            "kind": "organisation",
            "network": network_out(catalogue, orgs),
            "ties": _neighbours_for_page(catalogue, orgs, iri, "participant"),
            "links": [
                {
                    "other": node_out(catalogue, orgs, other),
                    "people": [node_out(catalogue, orgs, p) for p, _, _ in found],
                }
                for other, found in links
            ],
            "api": f"/api/network/organisations/nodes/{catalogue.organisations[iri].slug}",
            "ask": f"/connections?first={quote(catalogue.organisations[iri].label)}#between",
        }
    if iri in catalogue.themes:
        themes = nets.get("themes")
        if iri not in themes.graph:
            return None
        return {
            "kind": "theme",
            "network": network_out(catalogue, themes),
            "ties": _neighbours_for_page(catalogue, themes, iri, "participant"),
            "api": f"/api/network/themes/nodes/{catalogue.themes[iri].slug}",
        }
    if iri in catalogue.chats:
        if not any(q["chat"] == catalogue.chat_id(iri) for q in catalogue.quotes):
            return None  # an announced chat: nobody has said anything yet (kg.indexes.network cannot measure nothing)
        chat_people = nets.get("people", iri)
        compared = compare(chat_people, nets.rankings, "betweenness")
        return {
            "kind": "chat",
            "network": network_out(catalogue, chat_people),
            "bridges": [node_out(catalogue, chat_people, p) for p, _ in brokers(chat_people)[:PAGE_TIES]],
            "rankings": [
                {
                    "label": c.label,
                    "rho": c.rho,
                    "rows": [
                        {
                            "person": node_out(catalogue, chat_people, p) if p in chat_people.graph else None,
                            "iri": p,
                            "theirs": theirs,
                            "ours": mine,
                        }
                        for p, theirs, mine in c.rows
                    ],
                    "report_only": [
                        node_out(catalogue, chat_people, p) for p in c.report_only if p in chat_people.graph
                    ],
                    "network_only": [node_out(catalogue, chat_people, p) for p in c.network_only],
                }
                for c in compared
            ],
            "api": f"/api/network/compare?chat={catalogue.chat_id(iri)}",
        }
    return None


# --- what links two organisations ----------------------------------------------------------------------------------

UNSTATED_KIND = "kind not stated"


def organisation_kind(catalogue: Catalogue, iri: str) -> str:
    org = catalogue.organisations.get(iri)
    return (org.kind if org else None) or UNSTATED_KIND


def link_group(catalogue: Catalogue, first: str, second: str) -> str:
    """The kinds of a pair of organisations, in a fixed order ('trust–university'), whichever comes first."""
    return "–".join(sorted((organisation_kind(catalogue, first), organisation_kind(catalogue, second))))


def _words(text: str) -> list[str]:
    return fold(text).replace("&", " and ").split()


def _by_words(catalogue: Catalogue, needle: str) -> list[Organisation]:
    """The organisations whose id or one name holds every word asked, each as a word or the start of one ("leeds",
    "shrewsbury telford", "shrews"), by label: one is the organisation meant, several say the words are ambiguous
    (never unknown). Not inside a word: "ford" is not Telford, "land" not England."""
    words = _words(needle)
    if not words:
        return []

    def holds(name: str) -> bool:
        have = _words(name)
        return all(any(t.startswith(w) for t in have) for w in words)

    found = [o for o in catalogue.organisations.values() if any(holds(n) for n in [o.slug, o.label, *o.alt_names])]
    return sorted(found, key=lambda o: (o.label.casefold(), o.iri))


SEVERAL_SHOWN = 10


def organisation_param(catalogue: Catalogue, name: str, needle: str) -> str:
    """The organisation a query parameter names (id, IRI or any of its names, any case, or words of one name);
    else a 400 that names the parameter and the organisations its words fit when several do, or a 404 that suggests
    close names when none does."""
    if not needle.strip():
        raise ApiError(400, "empty parameter", f"{name}: give an organisation's id or name")
    org = catalogue.resolve_organisation(needle.strip())
    if org is not None:
        return org.iri
    found = _by_words(catalogue, needle)
    if len(found) == 1:
        return found[0].iri
    if found:
        labels = [o.label for o in found[:SEVERAL_SHOWN]]
        more = f" and {len(found) - len(labels)} more" if len(found) > len(labels) else ""
        raise ApiError(
            400,
            "ambiguous organisation",
            f"{name}: several organisations match {needle[:200]!r}: {', '.join(labels)}{more}; give one's name or id",
            suggestions=labels,
            matches=len(found),
        )
    suggestions = catalogue.organisation_suggestions(needle.strip())[:5]
    hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
    raise ApiError(
        404,
        "unknown organisation",
        f"{name}: no organisation matches {needle[:200]!r}{hint}",
        suggestions=suggestions,
    )


def organisation_out(catalogue: Catalogue, iri: str) -> OrganisationOut:
    org = catalogue.organisations.get(iri)
    return OrganisationOut(
        id=org.slug if org else iri.rsplit("/", 1)[-1],
        iri=iri,
        label=org.label if org else iri.rsplit("/", 1)[-1],
        kind=org.kind if org else None,
        url=catalogue.page(iri),
    )


def _ref_kind(catalogue: Catalogue, iri: str) -> str:
    if iri in catalogue.participants:
        return "participant"
    if iri in catalogue.organisations:
        return "organisation"
    if iri in catalogue.chats:
        return "chat"
    if iri in catalogue.quotes_by_iri:
        return "quote"
    if iri in catalogue.resources:
        return "resource"
    return "person" if "/person/" in iri else "other"


def ref_out(catalogue: Catalogue, iri: str) -> RefOut:
    return RefOut(
        iri=iri, kind=_ref_kind(catalogue, iri), label=pages.label_of(catalogue, iri), url=catalogue.page(iri)
    )


def _lines(service: GraphService, catalogue: Catalogue, iri: str | None) -> list[LineOut]:
    if not iri:
        return []
    return [LineOut(line=c["line"], url=c["url"], title=c["title"]) for c in pages.citations(service, catalogue, iri)]


def way_fact_out(service: GraphService, catalogue: Catalogue, tie: Tie) -> WayFactOut:
    """A fact with its source lines: the item's, else those of the record of who it is about."""
    item = tie.evidence
    evidence = evidence_out(catalogue, tie) if item else None
    lines = _lines(service, catalogue, item) or _lines(service, catalogue, tie.by)
    return WayFactOut(
        kind=tie.kind,
        by=ref_out(catalogue, tie.by) if tie.by else None,
        item=ref_out(catalogue, item) if item else None,
        text=evidence.text if evidence else None,
        lines=lines[:3],
    )


def _names(catalogue: Catalogue, iris: Iterable[str]) -> str:
    names = [pages.label_of(catalogue, i) for i in iris]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def way_about(catalogue: Catalogue, first: str, second: str, way: Way) -> str:
    """The way in one sentence, in the report's terms."""
    a, b = pages.label_of(catalogue, first), pages.label_of(catalogue, second)
    if way.kind == "part-of":
        whole = second if way.facts[0].by == first else first
        part = first if whole == second else second
        return f"{pages.label_of(catalogue, part)} is part of {pages.label_of(catalogue, whole)}."
    if way.kind in ("account", "same-person"):
        tie = {
            "affiliation": "is affiliated with",
            "account": "is the account of",
            "speaks-for": "speaks for the account of",
        }
        said = [f"{tie.get(t.kind, t.kind)} {org}" for t, org in zip(way.facts, (a, b), strict=True)]
        return f"{_names(catalogue, way.people)} {said[0]} and {said[1]}."
    if way.kind == "conversation":
        if len(way.people) == 2:
            p, q = way.people
            return (
                f"{pages.label_of(catalogue, p)} ({a}) and {pages.label_of(catalogue, q)} ({b}) replied to or "
                f"mentioned each other ({len(way.facts)} time{'s' if len(way.facts) != 1 else ''})."
            )
        return f"{_names(catalogue, way.people)} named the other organisation ({len(way.facts)} quote(s))."
    if way.kind == "same-panel":
        chat = catalogue.chat_id(way.chat) or "one chat"
        said = []
        for role, verb in (("host", "hosted it"), ("partner", "was its partner")):
            said += [f"{pages.label_of(catalogue, t.by)} {verb}" for t in way.facts if t.kind == role and t.by]
        seated = [t.by for t in way.facts if t.kind == "panel" and t.by]
        if seated:
            said.append(f"on its panel: {_names(catalogue, seated)}")
        return f"Both took part in the chat of {chat}: " + "; ".join(said) + "."
    if way.kind == "named-together":
        if way.people:
            return f"{_names(catalogue, way.people)} named both, in different quotes."
        return "One item of the report names both."
    steps = len(way.people) - 1
    return (
        f"{steps} steps of replies and mentions join them: "
        + " → ".join(pages.label_of(catalogue, p) for p in way.people)
        + "."
    )


STEP = {
    "affiliation": "is affiliated with",
    "account": "is the account of",
    "speaks-for": "speaks for",
    "reply": "replied to",
    "mention": "mentioned",
    "mentions-organisation": "named",
    "panel": "was on the panel of",
    "host": "hosted",
    "partner": "was the partner of",
    "part-of": "is part of",
    "named": "names",
}


def _step(catalogue: Catalogue, u: str, v: str, tie: Tie) -> str:
    """One step of a chain in words, from the end that did it ("Jimmy Parvin was on the panel of <chat>")."""
    doer, other = (v, u) if tie.by == v else (u, v)
    if tie.kind == "named" and tie.evidence == doer:  # the item names the organisation
        doer, other = tie.evidence, (u if doer == v else v)
    return f"{pages.label_of(catalogue, doer)} {STEP.get(tie.kind, tie.kind)} {pages.label_of(catalogue, other)}"


def between_out(service: GraphService, catalogue: Catalogue, found: Between, chat: str | None) -> BetweenOut:
    first, second = found.first, found.second
    a, b = pages.label_of(catalogue, first), pages.label_of(catalogue, second)
    ways = [
        WayOut(
            kind=w.kind,
            about=way_about(catalogue, first, second, w),
            people=[ref_out(catalogue, p) for p in w.people],
            chat=catalogue.chat_id(w.chat),
            facts=[way_fact_out(service, catalogue, t) for t in w.facts],
            hops=[
                HopOut(
                    source=ref_out(catalogue, u),
                    target=ref_out(catalogue, v),
                    facts=[way_fact_out(service, catalogue, t) for t in ties],
                )
                for u, v, ties in w.hops
            ],
        )
        for w in found.ways
    ]
    if ways:
        counts = Counter(w.kind for w in ways)
        kinds = [WAY_NAMES[k] + (f" ({n})" if n > 1 else "") for k, n in counts.items()]  # ways come sorted by kind
        summary = f"The report links {a} and {b}: " + "; ".join(kinds) + "."
        if not any(w.kind == "same-person" for w in ways):
            summary += " No one person is affiliated with both."
    elif found.nearest:
        summary = (
            f"Nothing in the report links {a} and {b} directly: no one person of both, no reply or mention between "
            f"their people, no shared panel, no item naming both, no path of replies and mentions. The nearest link "
            f"is a chain of {len(found.nearest)} steps: "
            + "; ".join(_step(catalogue, u, v, t) for u, v, t in found.nearest)
            + "."
        )
    else:
        summary = (
            f"Nothing in the report links {a} and {b}, not even through a chain of people, chats and organisations."
        )
    return BetweenOut(
        first=organisation_out(catalogue, first),
        second=organisation_out(catalogue, second),
        chat=catalogue.chat_id(chat),
        linked=bool(ways),
        summary=summary,
        ways=ways,
        path_length=found.path_length,
        nearest=[
            HopOut(
                source=ref_out(catalogue, u), target=ref_out(catalogue, v), facts=[way_fact_out(service, catalogue, t)]
            )
            for u, v, t in found.nearest
        ],
    )


WAY_NAMES = {
    "part-of": "one is part of the other",
    "account": "the account of one is affiliated with the other",
    "same-person": "one person of both",
    "conversation": "their people replied to or mentioned each other",
    "same-panel": "on the same chat's panel (or its host and partners)",
    "named-together": "named together",
    "path": "a path of replies and mentions",
}


async def answer_between(
    service: GraphService, catalogue: Catalogue, first: str, second: str, chat: str | None = None
) -> BetweenOut:
    """What links two organisations (IRIs), computed in a worker thread."""
    people = await _network(service, "people", chat, DEFAULT_PEOPLE_TIES)
    orgs = await _network(service, "organisations", chat, ())
    context = networks(service).context
    found = await run_in_threadpool(between, people, orgs, context, first, second, chat)
    return await run_in_threadpool(between_out, service, catalogue, found, chat)


OrganisationQuery = Annotated[
    str,
    Query(
        min_length=1,
        max_length=TEXT_MAX,
        pattern=r"\S",
        description="an organisation: its id or any of its names (any case), or words of one name",
    ),
]


@router.get(
    "/organisations/between",
    summary="What links two organisations: every way the report states, strongest first, each with its facts",
    responses=documented(400, 404),
)
async def organisations_between(
    service: ServiceDep,
    catalogue: CatalogueDep,
    chat: ChatDep,
    first: OrganisationQuery,
    second: OrganisationQuery,
) -> BetweenOut:
    one, other = organisation_param(catalogue, "first", first), organisation_param(catalogue, "second", second)
    if one == other:
        raise ApiError(400, "the same organisation twice", "first and second name the same organisation")
    return await answer_between(service, catalogue, one, other, chat)


# --- the /connections page -----------------------------------------------------------------------------------------


def _pair_out(catalogue: Catalogue, orgs: Network, x: str, y: str, found: list) -> dict:
    return {
        "first": node_out(catalogue, orgs, x),
        "second": node_out(catalogue, orgs, y),
        "people": [
            {
                "person": node_out(catalogue, orgs, p),
                "first": evidence_out(catalogue, t1),
                "second": evidence_out(catalogue, t2),
            }
            for p, t1, t2 in found
        ],
    }


def _asked(catalogue: Catalogue, name: str, needle: str | None) -> tuple[str | None, dict | None]:
    """An organisation named on the page's form: its IRI, or what to say about it (never an error page: the form
    stays, with the close names as choices)."""
    if needle is None or not needle.strip():
        return None, None
    try:
        return organisation_param(catalogue, name, needle), None
    except ApiError as error:
        named = (catalogue.resolve_organisation(s) for s in error.extra.get("suggestions") or [])
        labels = list(dict.fromkeys(o.label for o in named if o is not None))  # a name once, not its id as well
        several = error.error == "ambiguous organisation"
        more = error.extra.get("matches", 0) - len(labels) if several else 0
        return None, {"param": name, "needle": needle, "suggestions": labels, "several": several, "more": more}


async def connections_page_context(
    service: GraphService,
    catalogue: Catalogue,
    first: str | None = None,
    second: str | None = None,
    organisation: str | None = None,
) -> dict:
    """What /connections shows: the form to ask what links two organisations (and its answer), the pairs linked
    through one person grouped by the organisations' kinds (optionally those of one organisation), the bridges."""
    orgs = await _network(service, "organisations", None, ())
    people = await _network(service, "people", None, DEFAULT_PEOPLE_TIES)
    links = await run_in_threadpool(organisation_links, orgs)
    problems = []
    chosen, problem = _asked(catalogue, "organisation", organisation)
    if problem:
        problems.append(problem)
    if chosen:
        links = [link for link in links if chosen in link[:2]]
    groups: dict[str, list[dict]] = {}
    for x, y, found in links:
        groups.setdefault(link_group(catalogue, x, y), []).append(_pair_out(catalogue, orgs, x, y, found))
    # the kinds a pair could have: those of the organisations someone in the report is affiliated with (or that have
    # an account); each pair of kinds with no pair linked through one person is said so, trust–trust first
    kinds_held = {
        organisation_kind(catalogue, o) for o, k in orgs.kinds.items() if k == "organisation" and members(orgs, (), o)
    }
    mine = {organisation_kind(catalogue, chosen)} if chosen else kinds_held
    possible = {"–".join(sorted((x, y))) for x in mine for y in kinds_held}
    empty = sorted(possible - set(groups), key=lambda g: (g != "trust–trust", "trust" not in g.split("–"), g))
    answer, asked = None, {"first": first or "", "second": second or ""}
    one, p1 = _asked(catalogue, "first", first)
    other, p2 = _asked(catalogue, "second", second)
    problems += [p for p in (p1, p2) if p]
    if one and other and one == other:
        problems.append({"param": "second", "needle": second, "same": True, "suggestions": []})
    elif one and other:
        answer = await answer_between(service, catalogue, one, other)
        asked = {"first": answer.first.label, "second": answer.second.label}  # the boxes show the names found
    choices = sorted(
        ({"label": o.label, "kind": o.kind or UNSTATED_KIND, "id": o.slug} for o in catalogue.organisations.values()),
        key=lambda c: c["label"].casefold(),
    )
    return {
        "groups": sorted(groups.items(), key=lambda g: (g[0] != "trust–trust", -len(g[1]), g[0])),
        "empty_groups": [g for g in empty if "trust" in g.split("–")],
        "other_empty_groups": [g for g in empty if "trust" not in g.split("–")],
        "pairs_total": len(links),
        "filter": organisation or "",
        "filter_org": organisation_out(catalogue, chosen) if chosen else None,
        # each with the sort key shown (communities reached), then the betweenness that breaks its ties
        "bridges": [
            {**node_out(catalogue, people, p).model_dump(), "reaches": len(c)} for p, c in brokers(people)[:12]
        ],
        "answer": answer,
        "asked": asked,
        "problems": problems,
        "choices": choices,
        "has_graph": True,
    }
