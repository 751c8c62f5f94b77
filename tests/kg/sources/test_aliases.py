"""One person is one node: spellings resolve through the reviewed table, new variants get flagged."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kg.extract.report import extract
from kg.sources.aliases import AliasTable, suggest_variants

REPORT = Path(__file__).resolve().parents[3] / "kg" / "sources" / "leadingqi-2022-10-19-report.txt"


@pytest.fixture(scope="module")
def records():
    return extract(REPORT)


@pytest.fixture(scope="module")
def table(records):
    t = AliasTable.load()
    t.observe(a.handle for a in records.accounts)
    return t


@pytest.mark.parametrize("spelling", ["jimmy_parvin", "Jimmy_Parvin", "jimmyparvin", "JIMMY_PARVIN", "@jimmyparvin"])
def test_every_spelling_of_jimmy_parvin_is_one_account(table, spelling):
    assert table.canonical(spelling) == "jimmy_parvin"


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("vmsensemelissa", "vmsenseimelissa"),
        ("lockley_leanne", "lockley_leeanne"),
        ("oduorotiento_QI", "oduorotieno_QI"),
        ("JacquiLindridge", "JaquiLindridge"),
        ("RobbieCSays", "RobbieCsays"),
        ("ClaireLaitPhysio", "ClareLaitPhysio"),
        ("SaTHImprove nt", "SaTHImprovement"),
        ("WBSPProfBC", "WBSProfBC"),
        ("pennypereira1", "PennyPereira1"),
        ("hexitime", "Hexitime"),
    ],
)
def test_misspelt_handles_resolve_to_the_card_spelling(table, spelling, canonical):
    assert table.canonical(spelling) == canonical


def test_aliases_keep_every_other_spelling(table):
    assert table.aliases("jimmy_parvin") == ["Jimmy_Parvin", "jimmyparvin"]


def test_two_accounts_of_one_person_stay_two_accounts(table):
    assert table.canonical("crumpy11") == "crumpy11"
    assert table.other_accounts("WBSProfBC") == ["crumpy11"]


def test_the_table_leaves_no_likely_variant_unreviewed(records, table):
    names = {a.handle: a.display_name for a in records.accounts if a.display_name}
    assert suggest_variants([a.handle for a in records.accounts], names, table) == []


def test_without_the_table_the_detector_finds_the_misspellings(records):
    bare = AliasTable()
    found = suggest_variants(
        [a.handle for a in records.accounts],
        {a.handle: a.display_name for a in records.accounts if a.display_name},
        bare,
    )
    pairs = {frozenset((f.variant.lower(), f.canonical.lower())) for f in found}
    for a, b in [
        ("jimmy_parvin", "jimmyparvin"),
        ("vmsensemelissa", "vmsenseimelissa"),
        ("lockley_leanne", "lockley_leeanne"),
        ("jacquilindridge", "jaquilindridge"),
        ("wbspprofbc", "wbsprofbc"),
        ("clairelaitphysio", "clarelaitphysio"),
    ]:
        assert frozenset((a, b)) in pairs, (a, b)


def test_a_new_report_with_a_new_variant_is_flagged():
    table = AliasTable.load()
    found = suggest_variants(["DrNicolaBurgess", "DrNicolaBurges"], {}, table)
    assert [(f.variant, f.canonical, f.reason) for f in found] == [
        ("DrNicolaBurgess", "DrNicolaBurges", "edit distance 1")
    ]


def test_the_same_display_name_on_two_handles_is_flagged():
    found = suggest_variants(["BryanJns", "BryanJones99"], {"BryanJns": "Bryan Jones", "BryanJones99": "Bryan Jones"})
    assert any("display name" in f.reason for f in found)


def test_a_spelling_listed_under_two_people_is_an_error(tmp_path):
    bad = tmp_path / "aliases.yaml"
    bad.write_text(
        yaml.safe_dump(
            {
                "accounts": [
                    {"canonical": "a_one", "aliases": [{"alias": "x_y", "line": 1, "reason": "r"}]},
                    {"canonical": "b_two", "aliases": [{"alias": "X_Y", "line": 2, "reason": "r"}]},
                ]
            }
        )
    )
    with pytest.raises(ValueError, match="listed under both"):
        AliasTable.load(bad)


def test_one_normal_form_of_a_handle_for_the_table_and_the_build() -> None:
    from kg.rdf import context
    from kg.sources.aliases import handle_key

    assert context.handle_key is handle_key  # the build reads handles through the table's normaliser, not its own
    assert handle_key("@SaTHImprove nt") == handle_key("sathimprovent") == "sathimprovent"


def test_unlisted_case_variants_take_the_spelling_of_the_own_card_else_the_most_frequent() -> None:
    from kg.sources.aliases import AliasTable

    table = AliasTable()
    table.observe(["helenbevan", "HELENBEVAN", "helenbevan", "HelenBevan"], own=["HelenBevan"])
    table.observe(["abc_x", "ABC_X", "ABC_X"])
    assert table.canonical("HELENBEVAN") == "HelenBevan" and table.canonical("abc_x") == "ABC_X"
    assert table.aliases("HelenBevan") == ["HELENBEVAN", "helenbevan"]
