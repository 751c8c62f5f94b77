"""Theme tagging: is every theme recorded with why it was given (label, question, curated)?"""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

from kg import iris
from kg.iris import QI
from kg.records import ChatRecords
from kg.tagging import Assignment, assignments, label_patterns, load_curated, match_labels

SLUG = "2022-10-19"


def _by_key(found: list[Assignment]) -> dict[tuple[str, str], Assignment]:
    return {(str(a.subject), a.theme_slug): a for a in found}


def test_a_label_in_the_words_tags_the_quote_and_records_the_label(records: ChatRecords, mini_thesaurus: Graph,
                                                                    curated_file: Path) -> None:
    found, _ = assignments(records, mini_thesaurus, load_curated(curated_file))
    a = _by_key(found)[(str(iris.quote(SLUG, 1)), "genba")]
    assert (a.reason, a.matched_label, a.line) == ("label", "genba", 232)


def test_labels_match_across_hyphen_space_and_hashtag_spellings(mini_thesaurus: Graph) -> None:
    patterns = label_patterns(mini_thesaurus)
    assert "hoshin-kanri" in match_labels("... #hoshinkanri ..", patterns)
    assert "hoshin-kanri" in match_labels("Hoshin-Kanri works", patterns)
    assert "genba" in match_labels("go-and-see visits", patterns)
    assert match_labels("genbatsu and regemba", patterns) == {}  # word boundaries hold


def test_a_quote_inherits_its_questions_themes(records: ChatRecords, mini_thesaurus: Graph,
                                               curated_file: Path) -> None:
    found, _ = assignments(records, mini_thesaurus, load_curated(curated_file))
    a = _by_key(found)[(str(iris.quote(SLUG, 2)), "cultural-readiness")]
    assert a.reason == "question" and a.via_question == iris.question(SLUG, 2)


def test_a_label_beats_the_question_as_the_recorded_reason(records: ChatRecords, mini_thesaurus: Graph,
                                                           curated_file: Path) -> None:
    found, _ = assignments(records, mini_thesaurus, load_curated(curated_file))
    a = _by_key(found)[(str(iris.quote(SLUG, 4)), "golden-thread")]  # pull-quote in Q5 naming the golden thread
    assert a.reason == "label" and "golden thread" in a.matched_label.lower()


def test_curated_tags_carry_their_line_and_reason(records: ChatRecords, mini_thesaurus: Graph,
                                                  curated_file: Path) -> None:
    found, warnings = assignments(records, mini_thesaurus, load_curated(curated_file))
    a = _by_key(found)[(str(iris.resource("habits-of-an-improver")), "leaders-show-the-way")]
    assert (a.reason, a.line, a.note) == ("curated", 1047, "habits of improvers")
    q2 = _by_key(found)[(str(iris.question(SLUG, 2)), "cultural-readiness")]
    assert q2.reason == "curated" and q2.line == 151
    assert any("no-such-resource" in w for w in warnings)


def test_items_without_any_theme_are_reported(records: ChatRecords, mini_thesaurus: Graph,
                                              curated_file: Path) -> None:
    found, warnings = assignments(records, mini_thesaurus, load_curated(curated_file))
    themed = {a.subject for a in found}
    assert iris.question(SLUG, 4) not in themed  # no words, no curated entry in the mini file
    assert any(str(iris.question(SLUG, 4)) in w and "no theme" in w for w in warnings)


def test_assignment_nodes_in_the_graph_say_why(records: ChatRecords, mini_thesaurus: Graph,
                                               curated_file: Path) -> None:
    from kg.build import build_dataset

    ds = build_dataset(records, tbox=Graph(), thesaurus=mini_thesaurus, curated_path=curated_file)
    g = ds.graph(iris.source_graph(records.source_slug))
    quote = iris.quote(SLUG, 1)
    node = iris.theme_assignment(quote, "genba")
    assert (quote, QI.hasTheme, iris.theme("genba")) in g
    assert (node, QI.assignedTo, quote) in g and (node, QI.assignedTheme, iris.theme("genba")) in g
    assert str(g.value(node, QI.reason)) == "label" and str(g.value(node, QI.matchedLabel)) == "genba"
    for assignment in g.subjects(QI.assignedTo, None):
        assert g.value(assignment, QI.reason) is not None
        assert (assignment, QI.sourceLine, None) in g


def test_the_real_curated_file_names_known_themes_with_reasons() -> None:
    from kg import ontology

    data = load_curated()
    known = {str(t).rsplit("/", 1)[-1] for t in ontology.thesaurus().subjects()}
    for entry in data["questions"] + data["items"]:
        assert entry["reason"].strip() and int(entry["line"]) >= 1
        assert set(entry["themes"]) <= known, entry


def test_labels_are_found_where_the_case_insensitive_regex_finds_them() -> None:
    """ASCII labels in texts without cased non-ASCII letters are matched without a regex: same answer, same place."""
    import itertools
    import re

    from rdflib import Literal, URIRef
    from rdflib.namespace import SKOS

    labels = ["hoshin kanri", "Key priorities", "3 key QI questions", "don't", "PDSA", "x_y", "kelvin", "strategy",
              "ink", "café", "go and see"]
    thesaurus = Graph()
    for i, label in enumerate(labels):
        thesaurus.add((URIRef(f"{iris.QID}theme/t{i}"), SKOS.prefLabel, Literal(label)))
    patterns = label_patterns(thesaurus)
    texts = ["#HoshinKanri works", "hoshin -\u2010 kanri!", "xhoshin kanri", "hoshin kanriX", "KEY_PRIORITIES.",
             "3 key qi questions", "don't stop", "pdsa-cycle", "x y and x_y", "\u212aelvin", "\u017ftrategy",
             "\u0131nk", "\u0130NK", "CAF\u00c9 and cafe", "go\u00a0and\u2013see", "Go-And-See", "gemba",
             "the ink, the strategy \U0001f604", ""]
    for text, (pattern, label, _) in itertools.product(texts, patterns):
        m = re.compile(pattern.source, re.IGNORECASE).search(text)
        assert pattern.search(text) == (m.start() if m else None), (text, label)
    assert match_labels("\u212aelvin and \u0131nk", patterns).keys() == {"t6", "t8"}  # the regex's equivalences
