"""The dataset described in VoID: its graphs and their sizes, the SPARQL endpoint, the dumps, the vocabularies, the
licence of the data and the rights in the report's words (the words quoted stay their authors')."""

from __future__ import annotations

import json
from typing import Annotated
from typing import Literal as OneOf

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, XSD

from api.deps import ServiceDep
from api.errors import documented
from api.negotiation import page_media
from api.routes.download import DUMPS
from kg import iris
from kg.sparql import formats as fmt

router = APIRouter(tags=["dataset"])
VOID = Namespace("http://rdfs.org/ns/void#")
OFFERED = [fmt.TURTLE, fmt.JSONLD, fmt.NTRIPLES, fmt.RDFXML]
# the ?format= names of OFFERED (api.negotiation.PageFormat without html: VoID has no page)
VoidFormat = OneOf["turtle", "ttl", "n3", "jsonld", "json-ld", "nt", "ntriples", "rdfxml", "rdf", "xml"]
VOCABULARIES = ("foaf", "sioc", "org", "schema", "skos", "prov", "dcterms", "bibo")
REPORT_RIGHTS = (
    "The report quoted here is the work of its author (report produced by Lou Waters for Warwick Business School); "
    "tweets and comments quoted in it remain their authors' words."
)


def _counts(service) -> dict[str, int]:
    """Triples per named graph, as the build counted them (the same on every store back-end)."""
    try:
        manifest = json.loads((service.settings.data_dir / "manifest.json").read_text(encoding="utf-8"))
        return {str(g): int(n) for g, n in manifest.get("triples", {}).items()}
    except (OSError, ValueError, AttributeError):
        return {}


def void_graph(service) -> Graph:
    settings = service.settings
    site = settings.site  # the configured base, never the request's Host header
    graph = Graph()
    graph.bind("void", VOID)
    graph.bind("dcterms", DCTERMS)
    dataset = URIRef(settings.base_iri.rstrip("/") + "/dataset")
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, DCTERMS.title, Literal("qikg: a knowledge graph of quality-improvement practice", lang="en")))
    graph.add(
        (
            dataset,
            DCTERMS.description,
            Literal(
                "Participants, organisations, themes, quotes and shared resources of "
                "the #LeadingQI / #QIHour tweet chats, from their reports.",
                lang="en",
            ),
        )
    )
    graph.add((dataset, DCTERMS.license, URIRef(settings.data_license)))
    graph.add((dataset, DCTERMS.rights, Literal(REPORT_RIGHTS, lang="en")))
    graph.add((dataset, VOID.sparqlEndpoint, URIRef(site + "/sparql")))
    graph.add((dataset, VOID.uriSpace, Literal(settings.id_base)))
    graph.add((dataset, VOID.rootResource, URIRef(settings.id_base.rstrip("/") + "/theme")))
    graph.add((dataset, FOAF.homepage, URIRef(site + "/")))
    for name in DUMPS:
        if name.startswith("qikg.") and name != "qikg.gexf" and (settings.data_dir / name).is_file():
            graph.add((dataset, VOID.dataDump, URIRef(f"{site}/download/{name}")))
    for prefix in VOCABULARIES:
        graph.add((dataset, VOID.vocabulary, URIRef(iris.PREFIXES[prefix])))
    graph.add((dataset, VOID.vocabulary, URIRef(settings.ontology_iri)))
    counts = _counts(service)
    graph.add((dataset, VOID.triples, Literal(sum(counts.values()), datatype=XSD.integer)))
    for name in sorted(service.store.named_graphs()):
        subset = BNode()
        graph.add((dataset, VOID.subset, subset))
        graph.add((subset, RDF.type, VOID.Dataset))
        graph.add((subset, URIRef("http://www.w3.org/ns/sparql-service-description#name"), URIRef(name)))
        if name in counts:
            graph.add((subset, VOID.triples, Literal(counts[name], datatype=XSD.integer)))
    return graph


@router.get(
    "/.well-known/void",
    summary="The dataset in VoID (Turtle, JSON-LD, N-Triples, RDF/XML by Accept)",
    response_class=Response,
    responses={200: {"content": {m: {} for m in OFFERED}}, **documented(406)},
)
@router.get(
    "/void",
    summary="The dataset in VoID (the same as /.well-known/void)",
    include_in_schema=False,
    response_class=Response,
)
def void(
    request: Request,
    service: ServiceDep,
    format: Annotated[VoidFormat | None, Query(description="overrides Accept")] = None,
) -> Response:
    media = page_media(request.headers.get("accept"), format, OFFERED, "the dataset description")
    return Response(fmt.serialize_graph(void_graph(service), media), media_type=media)
