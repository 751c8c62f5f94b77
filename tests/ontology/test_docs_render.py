"""Does the ontology documentation page render from qikg.ttl and work without any other host?"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import RDF, RDFS
from rdflib.namespace import OWL

from kg.publish import ontology_docs as docs
from kg.rdf import ontology

LOADING = re.compile(
    r"<(?:script|link|img|iframe|source|video|audio|embed|object)\b[^>]*"
    r'(?:src|href|data)\s*=\s*["\']?(?:https?:)?//',
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = docs.render_ontology_html(tmp_path_factory.mktemp("docs") / "ontology.html")
    return path.read_text(encoding="utf-8")


def test_page_documents_every_class_and_property(page: str) -> None:
    onto = ontology.ontology_only()
    for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty):
        for term in onto.subjects(RDF.type, kind):
            if str(term).startswith(str(ontology.QI)):
                assert str(term) in page, term
                assert str(onto.value(term, RDFS.label)) in page, term


def test_page_shows_the_ontology_title(page: str) -> None:
    assert "qikg: the quality-improvement knowledge graph ontology" in page


def test_page_has_no_http_src_or_href_to_other_hosts(page: str) -> None:
    assert not re.search(r'\b(?:src|href)\s*=\s*["\']?\s*(?:https?:)?//', page, re.IGNORECASE)
    assert not LOADING.search(page)
    assert not re.search(r'url\(\s*["\']?\s*(?:https?:)?//|@import', page, re.IGNORECASE)


def test_external_terms_stay_visible_as_inert_links(page: str) -> None:
    assert 'data-iri="https://schema.org/SocialEvent"' in page


def test_a_page_that_would_load_a_remote_script_is_refused() -> None:
    with pytest.raises(docs.ExternalResourceError):
        docs.make_offline('<html><head><script src="https://cdn.example.org/x.js"></script></head></html>')
    with pytest.raises(docs.ExternalResourceError):
        docs.make_offline('<style>@import url("//fonts.example.org/a.css");</style>')


def test_links_to_other_hosts_become_inert() -> None:
    html = docs.make_offline('<a class="x" href="http://xmlns.com/foaf/0.1/Agent">foaf:Agent</a><a href="#here">h</a>')
    assert html == (
        '<a class="x" data-iri="http://xmlns.com/foaf/0.1/Agent" title="http://xmlns.com/foaf/0.1/Agent">'
        'foaf:Agent</a><a href="#here">h</a>'
    )


def test_rendering_writes_the_file(tmp_path: Path) -> None:
    out = docs.render_ontology_html(tmp_path / "nested" / "ontology.html")
    assert out.exists() and out.stat().st_size > 10_000
