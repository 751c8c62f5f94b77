"""Full-text search on invented documents: the forms of a word, phrases, prefixes, synonyms, filters, ranking, and
a query that is never read as FTS5 syntax."""

from __future__ import annotations

from kg.indexes.search import Document, SearchIndex

DOCS = [
    Document(
        "quote",
        "1",
        "@ana",
        "We improve care by going to the gemba every day",
        chat="c1",
        question="c1/q1",
        author="ana",
        themes=("genba",),
    ),
    Document(
        "quote",
        "2",
        "@ben",
        "Continuous improvement needs leaders who go and see",
        chat="c1",
        question="c1/q2",
        author="ben",
        themes=("genba", "leaders"),
    ),
    Document(
        "quote",
        "3",
        "@cy",
        "The golden thread links the ward to the board",
        chat="c2",
        question="c2/q1",
        author="cy",
        themes=("golden-thread",),
    ),
    Document(
        "quote", "4", "@cy", "A thread of gold? No: a golden, shiny thread", chat="c2", question="c2/q1", author="cy"
    ),
    Document("quote", "5", "@dee", "Coaching and coaches <script>alert(1)</script> help", chat="c2", author="dee"),
    Document("theme", "genba", "Genba", "Genba · gemba · go and see", 3.0),
]
SYNONYMS = [["Genba", "gemba", "go and see"], ["Golden thread", "line of sight"]]


def ids(hits) -> list[str]:
    return [h.id for h in hits]


def index() -> SearchIndex:
    return SearchIndex(DOCS, SYNONYMS)


def test_a_word_finds_its_other_forms() -> None:
    _, _, hits = index().search("improvement")
    assert set(ids(hits)) == {"1", "2"}  # "improve" and "improvement" share a stem


def test_a_quoted_phrase_finds_the_words_together_only() -> None:
    _, _, hits = index().search('"golden thread"')
    assert ids(hits) == ["3"]
    _, _, loose = index().search("shiny golden thread")
    assert ids(loose)[0] == "4" and set(ids(loose)) == {"3", "4"}  # words not a label: any of them, most first
    _, _, concept = index().search("Golden Thread")
    assert ids(concept) == ["3"]  # a thesaurus label is that concept: the phrase or its synonyms


def test_a_prefix_finds_words_that_start_so() -> None:
    _, _, hits = index().search("coach*")
    assert ids(hits) == ["5"]


def test_a_thesaurus_label_finds_its_synonyms_and_says_so() -> None:
    query, _, hits = index().search("go and see")
    assert {"1", "2", "genba"} <= set(ids(hits))  # "gemba" in quote 1 is found through the theme's labels
    assert "gemba" in query.expanded["go and see"]
    _, _, synonym = index().search("line of sight")
    assert ids(synonym) == ["3"]
    assert index().search('"line of sight"')[2] == []  # in quotes: exactly those words


def test_a_phrase_reached_through_several_synonyms_counts_once() -> None:
    """Spellings of one label ("go see", "go-see", "Go & See") and a synonym typed beside its label are the same
    words: BM25 adds a phrase's term once, as if the query held it once."""
    docs = [Document("quote", "1", "@ana", "We go see the work"), Document("quote", "2", "@ben", "Genba walks")]
    once = SearchIndex(docs, [["Genba", "go see"]])
    thrice = SearchIndex(docs, [["Genba", "go see", "go-see", "Go & See"]])
    query, _, hits = thrice.search("genba")
    assert query.expanded["genba"] == ["go & see", "go see", "go-see"]  # the answer still says what was added
    assert query.parts == [['"genba"', '"go & see"']] and query.phrases == [(("genba",), False), (("go", "see"), False)]
    assert [(h.id, h.score) for h in hits] == [(h.id, h.score) for h in once.search("genba")[2]]
    assert [(h.id, h.score) for h in thrice.search("genba go-see")[2]] == [(h.id, h.score) for h in hits]
    assert thrice.search("genba go-see")[0].parts == [['"genba"', '"go & see"']]  # the second part adds nothing new


def test_the_label_counts_more_than_the_words_and_the_kind_weighs_in() -> None:
    _, _, hits = index().search("genba")
    assert ids(hits)[0] == "genba"


def test_filters_keep_only_what_they_name() -> None:
    idx = index()
    assert set(ids(idx.search("thread", author="cy")[2])) == {"3", "4"}
    assert ids(idx.search("improve", questions=["c1/q2"])[2]) == ["2"]
    assert ids(idx.search("improve", chat="c2")[2]) == []
    assert ids(idx.search("improve", themes=["leaders"])[2]) == ["2"]
    assert ids(idx.search("genba", kind="theme")[2]) == ["genba"]
    assert idx.search("genba", themes=[])[2] == []


def test_syntax_in_the_query_is_just_words() -> None:
    idx = index()
    for text in ["NEAR(golden thread)", "label:golden", '"unclosed', "golden AND", "* OR -", 'thread"*"', "()"]:
        idx.search(text)  # never an FTS5 syntax error
    assert set(ids(idx.search("label:golden")[2])) == {"3", "4"}


def test_snippets_mark_the_words_and_escape_markup() -> None:
    _, _, hits = index().search("coaches")
    hit = hits[0]
    assert "«coaches»" in hit.snippet and "<mark>coaches</mark>" in hit.snippet_html
    assert "<script>" not in hit.snippet_html and "&lt;script&gt;" in hit.snippet_html


def test_a_page_of_hits_and_the_total() -> None:
    idx = index()
    _, total, everything = idx.search("thread OR improve OR coaches")
    _, same_total, page = idx.search("thread OR improve OR coaches", limit=2, offset=1)
    assert total == same_total == len(everything) == 5
    assert ids(page) == ids(everything)[1:3]


def test_words_are_cut_as_the_documents_were_and_odd_queries_stay_quick() -> None:
    idx = SearchIndex(
        [
            Document("quote", "s", "@s", "Die Straße zum İstanbul café", 1.0),
            Document("quote", "d", "@d", "cafe\u0301s and office hours", 1.0),
        ]
    )
    assert ids(idx.search("Straße")[2]) == ["s"]
    assert ids(idx.search("İstanbul")[2]) == ["s"]
    assert set(ids(idx.search("cafe\u0301s")[2])) == {"d", "s"}  # cafés, decomposed, is café in the plural
    query = idx.parse(" ".join(["a*"] * 40 + ["office"] * 40))
    assert len(query.parts) == 2  # "a" (too short a prefix, taken as a word) and "office", each once


def test_highlight_markers_in_the_data_cannot_forge_marks() -> None:
    idx = SearchIndex([Document("quote", "x", "@x", "plain \x02words\x03 and coaching", 1.0)])
    hit = idx.search("coaching")[2][0]
    assert hit.snippet_html.count("<mark>") == 1 and "<mark>coaching</mark>" in hit.snippet_html
