"""Paths and loaders for the model-as-data under `ontology/`: the OWL TBox, the SKOS thesaurus, the SHACL shapes
and the quality-check queries.

The files are the source of truth; this module only finds and parses them, once per process (they are read-only
inputs, so the parsed graphs are cached: callers must copy a graph before changing it).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

from rdflib import RDF, Graph, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.namespace import SKOS

from kg.iris import QI, QID

# package data: the repo's top-level ontology/, which kg/ontology links to (setuptools copies it into the wheel)
ONTOLOGY_DIR = Path(__file__).resolve().parents[1] / "ontology"
TBOX_PATH = ONTOLOGY_DIR / "qikg.ttl"
IMPORTS_DIR = ONTOLOGY_DIR / "imports"
THEMES_PATH = ONTOLOGY_DIR / "themes.ttl"
SHAPES_PATH = ONTOLOGY_DIR / "shapes.ttl"
QC_DIR = ONTOLOGY_DIR / "queries" / "qc"
CQ_DIR = ONTOLOGY_DIR / "queries" / "cq"

ONTOLOGY_IRI = URIRef("https://w3id.org/qikg/ontology")
THEME_SCHEME = QID["thesaurus"]

LabelKind = Literal["pref", "alt", "hidden"]
_LABEL_KINDS: tuple[tuple[URIRef, LabelKind], ...] = (
    (SKOS.prefLabel, "pref"),
    (SKOS.altLabel, "alt"),
    (SKOS.hiddenLabel, "hidden"),
)


def _parse(*paths: Path) -> Graph:
    graph = Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


def import_paths() -> list[Path]:
    """The vendored stubs of external vocabularies, in a stable order."""
    return sorted(IMPORTS_DIR.glob("*.ttl"))


@functools.cache
def ontology_only() -> Graph:
    """qikg.ttl alone: what the documentation describes (no external stubs)."""
    return _parse(TBOX_PATH)


@functools.cache
def tbox() -> Graph:
    """The TBox a reasoner or SHACL validator needs: qikg.ttl plus the stubs of the external terms it uses."""
    return _parse(TBOX_PATH, *import_paths())


# SKOS relations a client may follow either way (SKOS reference §8.6.2, §8.6.4, §4.6.3): the file states one side,
# the published thesaurus both, so `?t skos:narrower ?n` and `?a skos:related ?b` answer without a reasoner.
INVERSES = ((SKOS.broader, SKOS.narrower), (SKOS.topConceptOf, SKOS.hasTopConcept), (SKOS.related, SKOS.related))


def complete_both_ways(graph: Graph) -> Graph:
    """`graph` with the inverse of every broader / narrower, top concept and related statement added."""
    for forward, backward in INVERSES:
        for s, o in list(graph.subject_objects(forward)):
            graph.add((o, backward, s))
        for s, o in list(graph.subject_objects(backward)):
            graph.add((o, forward, s))
    return graph


@functools.cache
def thesaurus() -> Graph:
    """The SKOS thesaurus of themes (the six lessons and their sub-themes), its hierarchy stated both ways."""
    return complete_both_ways(_parse(THEMES_PATH))


@functools.cache
def shapes() -> Graph:
    """The SHACL shapes graph. Validate with `ont_graph=tbox()`, or shapes on standard classes miss our subclasses."""
    return _parse(SHAPES_PATH)


@functools.cache
def qc_queries() -> dict[str, str]:
    """Quality-check queries by file stem; each returns one row per violation (empty result = clean)."""
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted(QC_DIR.glob("*.rq"))}


@functools.cache
def label_index() -> list[tuple[str, URIRef, LabelKind]]:
    """Every label of every theme as (label, theme IRI, kind), longest label first, for keyword tagging.

    Longest first lets a tagger prefer "daily huddles" over "huddles" when both match the same words.
    """
    graph = thesaurus()
    themes = set(graph.subjects(RDF.type, QI.Theme)) | set(graph.subjects(RDF.type, QI.Lesson))
    rows: list[tuple[str, URIRef, LabelKind]] = []
    for theme in themes:
        for predicate, kind in _LABEL_KINDS:
            for label in graph.objects(theme, predicate):
                if isinstance(label, RdfLiteral) and label.language in (None, "en"):
                    rows.append((str(label), URIRef(str(theme)), kind))
    rows.sort(key=lambda row: (-len(row[0]), row[0].casefold(), str(row[1]), row[2]))
    return rows


def to_ntriples(graph: Graph) -> bytes:
    """Serialise for owlready2, which reads N-Triples but mistakes Turtle for broken N-Triples."""
    data = graph.serialize(format="nt", encoding="utf-8")
    return data if isinstance(data, bytes) else data.encode("utf-8")
