"""The answers of /api/network: nodes, ties and their facts, communities, bridges, the report's rankings beside ours."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from kg.indexes.network import NetworkName

Measure = Literal["betweenness", "brokerage", "degree", "ties"]
NodeKind = Literal["participant", "organisation", "theme"]


class NodeOut(BaseModel):
    id: str = Field(description="handle, organisation id or theme id")
    iri: str
    kind: NodeKind
    label: str
    url: str | None = Field(description="the node's page on this server")
    degree: int = Field(description="how many others it is tied to")
    ties: int = Field(description="how many facts (replies, mentions, ...) make those ties")
    betweenness: float = Field(description="share of shortest paths between others that pass through it (0-1)")
    brokerage: float | None = Field(description="Burt's effective size: contacts not tied to each other")
    community: int | None = Field(description="index of its community (0 = largest); none when it has no tie")


class EvidenceOut(BaseModel):
    kind: str = Field(
        description="reply, mention, co-answer, co-shared, affiliation, account, mentions-organisation or theme"
    )
    iri: str | None = Field(
        description="the quote, question or resource that shows the tie (none: a stated affiliation or account)"
    )
    url: str | None
    text: str | None = Field(description="the words, question or title, shortened")
    by: str | None = Field(
        description="the handle of who replied, mentioned, said or shared it (none: a joint answer or share)"
    )


class NeighbourOut(BaseModel):
    node: NodeOut
    evidence: list[EvidenceOut]


class NetworkOut(BaseModel):
    network: NetworkName
    chat: str | None = Field(description="the chat (id), or none for all chats")
    ties_used: list[str]
    nodes: int
    edges: int
    communities: int
    isolated: int = Field(description="nodes with no tie in this network (listed by /nodes, ranked last)")
    betweenness_sampled: bool = Field(description="true when betweenness is estimated from sampled sources")
    about: str


class NodePage(BaseModel):
    total: int
    limit: int
    offset: int
    network: NetworkOut
    measure: Measure
    items: list[NodeOut]


class NodeDetail(BaseModel):
    network: NetworkOut
    node: NodeOut
    rank: dict[str, int] = Field(description="its place by each measure among nodes of its kind (1 = top)")
    neighbours: list[NeighbourOut]


class CommunityOut(BaseModel):
    index: int
    size: int
    members: list[NodeOut] = Field(description="ranked by betweenness")


class CommunityPage(BaseModel):
    total: int
    limit: int
    offset: int
    network: NetworkOut
    items: list[CommunityOut]


class BridgeTieOut(BaseModel):
    other: NodeOut
    evidence: list[EvidenceOut]


class BrokerOut(BaseModel):
    node: NodeOut
    reaches: list[int] = Field(description="the other communities its own ties reach")
    ties: list[BridgeTieOut]


class BrokerPage(BaseModel):
    total: int
    limit: int
    offset: int
    network: NetworkOut
    items: list[BrokerOut]


class LinkPersonOut(BaseModel):
    person: NodeOut
    first: EvidenceOut
    second: EvidenceOut


class OrganisationLinkOut(BaseModel):
    first: NodeOut
    second: NodeOut
    group: str = Field(description="the two organisations' kinds, e.g. 'trust–university' ('kind not stated')")
    people: list[LinkPersonOut]


class LinkPage(BaseModel):
    total: int
    limit: int
    offset: int
    network: NetworkOut
    items: list[OrganisationLinkOut]


class ComparedRow(BaseModel):
    participant: NodeOut | None
    participant_iri: str
    report_rank: int
    our_rank: int | None = Field(description="its place by the measure among people (none: no part in the network)")


class ComparisonOut(BaseModel):
    ranking: str
    label: str | None
    measure: Measure
    rho: float | None = Field(description="Spearman's rank correlation over the people both rank (none: too few)")
    rows: list[ComparedRow]
    report_only: list[NodeOut] = Field(
        description="ranked by the report, but more than twice the list's length "
        "down by the measure (people with no part in the network are in rows)"
    )
    network_only: list[NodeOut] = Field(
        description="in the measure's top as many as the report lists, but not in the report's list"
    )


class ComparisonPage(BaseModel):
    network: NetworkOut
    items: list[ComparisonOut]


class RefOut(BaseModel):
    """A node named in an answer: a person, organisation, chat or item, with its page."""

    iri: str
    kind: str = Field(description="participant, person, organisation, chat, quote, resource or other")
    label: str
    url: str | None


class LineOut(BaseModel):
    line: int | None = Field(description="the line of the report (null where the report gives none)")
    url: str = Field(description="that line on the report's page")
    title: str | None = Field(description="the report's title")


class WayFactOut(BaseModel):
    """One fact of a way: what it is, who it is about, the item that shows it and where the report says so."""

    kind: str = Field(
        description="affiliation, account, speaks-for, reply, mention, mentions-organisation, panel, host, partner, "
        "part-of or named"
    )
    by: RefOut | None = Field(description="who or what the fact is about (the person, account or organisation)")
    item: RefOut | None = Field(description="the quote or resource that shows it (none: a stated affiliation, ...)")
    text: str | None = Field(description="the item's words or title, shortened")
    lines: list[LineOut] = Field(description="the source lines: of the item, else of the record of who it is about")


class HopOut(BaseModel):
    source: RefOut
    target: RefOut
    facts: list[WayFactOut]


class WayOut(BaseModel):
    kind: str = Field(description="part-of, same-person, conversation, same-panel, named-together or path")
    about: str = Field(description="the way in one sentence")
    people: list[RefOut] = Field(description="the people on it (a path's in order, from the first organisation)")
    chat: str | None = Field(description="the chat it belongs to (a panel's), if one")
    facts: list[WayFactOut]
    hops: list[HopOut] = Field(description="a path's steps, each with the replies or mentions that make it")


class OrganisationOut(BaseModel):
    id: str
    iri: str
    label: str
    kind: str | None = Field(description="the organisation's kind (trust, university, ...) where the graph has it")
    url: str | None


class BetweenOut(BaseModel):
    """What links two organisations: every way the report states, strongest first; if none, the nearest link."""

    first: OrganisationOut
    second: OrganisationOut
    chat: str | None
    linked: bool = Field(description="whether any way links them")
    summary: str = Field(description="the answer in one sentence")
    ways: list[WayOut]
    path_length: int | None = Field(
        description="the fewest steps of replies and mentions between people of the two (none: no such path)"
    )
    nearest: list[HopOut] = Field(
        description="when no way links them: the steps of the shortest chain through everything the report ties "
        "(people, organisations, chats, items), each with a fact that makes it (empty: nothing joins them)"
    )
