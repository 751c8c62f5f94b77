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
