"""What does the panel say about a node, and what can a user type to find it?"""

from __future__ import annotations

from rdflib import Dataset

from kg.iris import QID
from visualizations.details import canvas_label, facts, label, links, search_terms
from visualizations.model import full_graph


def fact(g, node: str, name: str) -> dict:
    return next(f for f in facts(g, node) if f["name"] == name)


def test_accounts_are_labelled_by_handle_questions_by_number_quotes_by_author_and_words(mini: Dataset) -> None:
    g = full_graph(mini)
    assert label(g, "participant/alice_qi") == "@Alice_QI"
    assert label(g, "question/fixture-chat/q2") == "Q2"
    quote_label = label(g, "quote/fixture-chat/4")
    assert quote_label.startswith('@Dave_VMI: “<img src=x onerror="window.qikgXss=1"> and')
    assert quote_label.endswith("…”")
    assert len(quote_label) < 100
    assert label(g, "theme/genba") == "Genba"
    assert canvas_label(g, "quote/fixture-chat/4") == ""


def test_a_participant_can_be_found_by_handle_alias_and_name(mini: Dataset) -> None:
    terms = search_terms(full_graph(mini), "participant/alice_qi")
    for term in ("@Alice_QI", "Alice_QI", "AliceQI", "@alice-qi", "Alice Example"):
        assert term in terms


def test_a_theme_can_be_found_by_its_other_labels(mini: Dataset) -> None:
    assert "go and see" in search_terms(full_graph(mini), "theme/genba")


def test_a_participants_panel_lists_organisations_and_questions_answered(mini: Dataset) -> None:
    g = full_graph(mini)
    orgs = [r["label"] for r in fact(g, "participant/alice_qi", "Organisations")["refs"]]
    assert orgs == ["Example Hospitals NHS Trust"]
    questions = [r["label"] for r in fact(g, "participant/alice_qi", "Questions answered")["refs"]]
    assert questions == ["Q1", "Q2"]


def test_a_quotes_panel_has_its_words_and_author(mini: Dataset) -> None:
    g = full_graph(mini)
    words = fact(g, "quote/fixture-chat/4", "Words")["text"]
    # kept as the data says it: escaping is the page's job
    assert words.startswith('<img src=x onerror="window.qikgXss=1">')
    assert [r["id"] for r in fact(g, "quote/fixture-chat/4", "Said by")["refs"]] == ["participant/dave_vmi"]


def test_a_resources_panel_has_title_authors_and_who_shared_it(mini: Dataset) -> None:
    g = full_graph(mini)
    node = "resource/improvement-guide"
    assert fact(g, node, "Title")["text"] == "A guide to improvement huddles"
    assert fact(g, node, "Authors")["text"] == "A. Author; B. Author"
    assert [r["label"] for r in fact(g, node, "Shared by")["refs"]] == ["@Carol_NHS"]
    assert fact(g, "resource/core-report", "Core resource")["text"].startswith("yes")


def test_links_go_to_the_entity_page_and_the_api_record(mini: Dataset) -> None:
    g = full_graph(mini)
    base = str(QID)
    assert links(g, "participant/alice_qi", base) == {
        "iri": base + "participant/alice_qi",
        "page": "/id/participant/alice_qi",
        "api": "/api/participants/Alice_QI",
    }
    assert links(g, "question/fixture-chat/q2", base)["api"] == "/api/questions/2"
    assert links(g, "theme/genba", base)["api"] == "/api/themes/genba"
    assert "api" not in links(g, "quote/fixture-chat/1", base)
    assert links(g, "quote/fixture-chat/1", base)["page"] == "/id/quote/fixture-chat/1"
