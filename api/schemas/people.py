"""Participants and organisations."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.schemas.common import SourceRef
from api.schemas.items import QuestionBase, QuoteOut, ResourceOut


class SpeakerRef(BaseModel):
    name: str
    iri: str
    url: str | None


class ParticipantBase(BaseModel):
    handle: str
    iri: str
    url: str | None
    aliases: list[str] = Field(description="other spellings of the handle")
    display_names: list[str]
    names: list[str]
    roles: list[str]
    organisation_account: bool = Field(description="an organisation's or team's own account")
    spoken_for_by: list[SpeakerRef] = Field(
        [], description="for a team's or organisation's account: the people who speak for it (the panel's person)"
    )


class ParticipantOut(ParticipantBase):
    quotes: int = Field(description="how many quotes it wrote")


class OrganisationRef(BaseModel):
    id: str
    label: str | None
    url: str | None


class ParticipantDetail(ParticipantBase):
    matched_via: str = Field(description="handle or alias: how the asked name was found")
    affiliations: list[OrganisationRef]
    account_of: list[OrganisationRef]
    same_person_as: list[str] = Field(description="handles of the same person's other accounts")
    panelist_of: list[str | None] = Field(description="ids of the chats it was a panelist of")
    quotes: list[QuoteOut]
    questions_answered: list[QuestionBase]
    questions_asked: list[QuestionBase]
    resources_shared: list[ResourceOut]
    source: list[SourceRef]


class OrganisationOut(BaseModel):
    id: str
    iri: str
    url: str | None
    label: str
    kind: str | None = Field(description="e.g. trust, university")
    alt_names: list[str]
    part_of: list[str] = Field(description="ids of the organisations it is part of")


class MemberOut(BaseModel):
    handle: str | None
    relation: str = Field(description="how the participant is linked to it")
    url: str | None


class OrganisationDetail(OrganisationOut):
    participants: list[MemberOut]
    sub_organisations: list[OrganisationOut]
