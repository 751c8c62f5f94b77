"""What does the panel say about a node, and what can a user type to find it?"""

from __future__ import annotations

from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from kg.iris import QID
from visualizations.details import canvas_label, facts, label, links, search_terms
from visualizations.model import full_graph
from visualizations.render import payload


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


QI = "https://w3id.org/qikg/ontology#"


def with_chats(mini: Dataset, second_chat: bool) -> Dataset:
    """The fixture chat dated 19 Oct 2022 (its questions in it) and, if asked, a later chat of 26 Sep 2023 whose own
    Q2 Alice answers: every chat numbers its questions from 1."""
    data = Dataset()
    for quad in mini.quads((None, None, None, None)):
        data.add(quad)
    first = data.graph(URIRef("https://w3id.org/qikg/graph/source/fixture-chat"))
    chat = URIRef(str(QID) + "chat/fixture-chat")
    first.add((chat, RDF.type, URIRef(QI + "TweetChat")))
    first.add((chat, DCTERMS.date, Literal("2022-10-19", datatype=XSD.date)))
    for n in (1, 2, 3):
        first.add((URIRef(f"{QID}question/fixture-chat/q{n}"), URIRef(QI + "inChat"), chat))
    if second_chat:
        later = data.graph(URIRef("https://w3id.org/qikg/graph/source/later-chat"))
        chat2 = URIRef(str(QID) + "chat/later-chat")
        q2 = URIRef(f"{QID}question/later-chat/q2")
        answer = URIRef(f"{QID}quote/later-chat/1")
        later.add((chat2, RDF.type, URIRef(QI + "TweetChat")))
        later.add((chat2, DCTERMS.date, Literal("2023-09-26", datatype=XSD.date)))
        later.add((q2, RDF.type, URIRef(QI + "Question")))
        later.add((q2, URIRef(QI + "number"), Literal(2)))
        later.add((q2, URIRef(QI + "inChat"), chat2))
        later.add((answer, RDF.type, URIRef(QI + "Tweet")))
        later.add((answer, URIRef(QI + "saidBy"), URIRef(str(QID) + "participant/alice_qi")))
        later.add((answer, URIRef(QI + "answers"), q2))
    return data


def test_with_two_chats_a_question_says_which_chat_it_is_of(mini: Dataset) -> None:
    g = full_graph(with_chats(mini, second_chat=True))
    assert label(g, "question/fixture-chat/q2") == "Q2 (19 Oct 2022)"
    assert label(g, "question/later-chat/q2") == "Q2 (26 Sep 2023)"
    questions = [r["label"] for r in fact(g, "participant/alice_qi", "Questions answered")["refs"]]
    assert questions == ["Q1 (19 Oct 2022)", "Q2 (19 Oct 2022)", "Q2 (26 Sep 2023)"]  # chat by chat, then number
    assert "Q2 (26 Sep 2023)" in search_terms(g, "question/later-chat/q2")


def test_with_one_chat_a_question_is_named_by_its_number_alone(mini: Dataset) -> None:
    g = full_graph(with_chats(mini, second_chat=False))
    assert label(g, "question/fixture-chat/q2") == "Q2"
    assert [r["label"] for r in fact(g, "participant/alice_qi", "Questions answered")["refs"]] == ["Q1", "Q2"]


def test_the_question_filter_lists_the_questions_chat_by_chat(mini: Dataset) -> None:
    listed = [q["label"] for q in payload(with_chats(mini, second_chat=True))["questions"]]
    assert listed == ["Q1 (19 Oct 2022)", "Q2 (19 Oct 2022)", "Q3 (19 Oct 2022)", "Q2 (26 Sep 2023)"]
