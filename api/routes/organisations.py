"""Organisations (trusts, universities, networks, ...) and the participants linked to them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from rdflib import URIRef

from api import lookups, ranking
from api.deps import TEXT_MAX, CatalogueDep, PageDep, ServiceDep
from api.errors import documented
from api.queries import load
from api.schemas.common import Paged
from api.schemas.people import OrganisationDetail, OrganisationOut
from kg.indexes.catalogue import Catalogue, Organisation

router = APIRouter(prefix="/api/organisations", tags=["organisations"])


def organisation_json(catalogue: Catalogue, org: Organisation) -> dict[str, Any]:
    return {
        "id": org.slug,
        "iri": org.iri,
        "url": catalogue.page(org.iri),
        "label": org.label,
        "kind": org.kind,
        "alt_names": org.alt_names,
        "part_of": [catalogue.local_id(p, "organisation") for p in org.parents],
    }


@router.get("", summary="Organisations", response_model=Paged[OrganisationOut])
def list_organisations(
    catalogue: CatalogueDep,
    page: PageDep,
    q: Annotated[str | None, Query(max_length=TEXT_MAX, description="words in the name")] = None,
    kind: Annotated[str | None, Query(max_length=TEXT_MAX, description="e.g. trust, university")] = None,
) -> dict[str, Any]:
    orgs = sorted(catalogue.organisations.values(), key=lambda o: o.label.casefold())
    if q is not None:
        orgs = [o for o in orgs if ranking.match_all(q, " ".join([o.label, *o.alt_names]))]
    if kind is not None:
        orgs = [o for o in orgs if (o.kind or "").casefold() == kind.casefold()]
    return page.of([organisation_json(catalogue, o) for o in orgs])


@router.get(
    "/{organisation_id:path}",
    summary="One organisation (id or name, any case) with its participants",
    responses=documented(404),
    response_model=OrganisationDetail,
)
def get_organisation(
    service: ServiceDep,
    catalogue: CatalogueDep,
    organisation_id: Annotated[str, Path(max_length=TEXT_MAX, examples=["ecist"])],
) -> dict[str, Any]:
    org = lookups.organisation(catalogue, organisation_id)
    members = []
    for row in service.store.query(load("organisation_members"), {"organisation": URIRef(org.iri)}).rows:
        iri = str(row["participant"])
        members.append(
            {
                "handle": str(row["handle"]) if row.get("handle") else None,
                "relation": str(row["relation"]),
                "url": catalogue.page(iri),
            }
        )
    parts = [organisation_json(catalogue, o) for o in catalogue.organisations.values() if org.iri in o.parents]
    return {**organisation_json(catalogue, org), "participants": members, "sub_organisations": parts}
