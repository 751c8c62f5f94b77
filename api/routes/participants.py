"""People and accounts; a handle is matched case-insensitively and through its aliases."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from rdflib import URIRef

from api import lookups, ranking
from api.deps import TEXT_MAX, CatalogueDep, PageDep, ServiceDep
from api.errors import documented
from api.queries import load
from api.schemas.common import Paged
from api.schemas.people import ParticipantDetail, ParticipantOut
from kg.indexes.catalogue import Catalogue, Participant
from kg.iris import QI

router = APIRouter(prefix="/api/participants", tags=["participants"])


def participant_json(catalogue: Catalogue, person: Participant) -> dict[str, Any]:
    return {
        "handle": person.handle,
        "iri": person.iri,
        "url": catalogue.page(person.iri),
        "aliases": person.aliases,
        "display_names": person.display_names,
        "names": person.names,
        "roles": person.roles,
        "organisation_account": person.organisation_account,
        "spoken_for_by": [{"name": name, "iri": iri, "url": catalogue.page(iri)} for iri, name in person.speakers],
        "quotes": sum(1 for q in catalogue.quotes if q["author_iri"] == person.iri),
    }


@router.get("", summary="People and accounts", response_model=Paged[ParticipantOut])
def list_participants(
    catalogue: CatalogueDep,
    page: PageDep,
    q: Annotated[str | None, Query(max_length=TEXT_MAX, description="words in a handle, alias or name")] = None,
) -> dict[str, Any]:
    people = sorted(catalogue.participants.values(), key=lambda p: p.handle.casefold())
    if q is not None:
        people = [
            p for p in people if ranking.match_all(q, " ".join([p.handle, *p.aliases, *p.display_names, *p.names]))
        ]
    return page.of([participant_json(catalogue, p) for p in people])


@router.get(
    "/{handle}",
    summary="One participant (handle or alias, any case) with quotes, resources, organisations",
    responses=documented(404),
    response_model=ParticipantDetail,
    response_model_exclude_unset=True,
)
def get_participant(
    service: ServiceDep,
    catalogue: CatalogueDep,
    handle: Annotated[str, Path(max_length=TEXT_MAX, examples=["jimmyparvin"])],
) -> dict[str, Any]:
    person = lookups.participant(catalogue, handle)
    props: dict[str, list[str]] = {}
    for row in service.store.query(load("entity_out"), {"subject": URIRef(person.iri)}).rows:
        props.setdefault(str(row["p"]), []).append(str(row["o"]))

    def orgs(prop: str) -> list[dict[str, Any]]:
        out = []
        for iri in props.get(QI + prop, []):
            org = catalogue.organisations.get(iri)
            out.append(
                {"id": org.slug if org else iri, "label": org.label if org else None, "url": catalogue.page(iri)}
            )
        return out

    quotes = [q for q in catalogue.quotes if q["author_iri"] == person.iri]
    answered = sorted({q["question"] for q in quotes if q["question"]})
    matched = "handle" if handle.strip().lstrip("@").casefold() == person.handle.casefold() else "alias"
    return {
        **participant_json(catalogue, person),
        "matched_via": matched,
        "affiliations": orgs("affiliatedWith"),
        "account_of": orgs("accountOf"),
        "same_person_as": [
            catalogue.participants[i].handle for i in props.get(QI + "sameAgentAs", []) if i in catalogue.participants
        ],
        "panelist_of": [catalogue.chat_id(c) for c in props.get(QI + "panelistOf", [])],
        "quotes": lookups.linked_quotes(service, catalogue, quotes),
        "questions_answered": [q for q in catalogue.questions if q["iri"] in answered],
        "questions_asked": [q for q in catalogue.questions if q["asked_by"] == person.handle],
        "resources_shared": [r for r in catalogue.resources.values() if person.handle in r["shared_by"]],
        "source": lookups.sources(service, person.iri),
    }
