"""Who is '@SJ_Nurse'? A narrative line that prints a name before the handle ('Sarah Jones (@SJ_Nurse) added ...')
names the account; the words that open the sentence ('Yesterday', 'In Leeds', 'Like') are no part of the name."""

from __future__ import annotations

import pytest

from kg.extract.narrative import printed_names


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("Yesterday Sarah Jones (@SJ_Nurse) added that \u201cit works\u201d.", "Sarah Jones"),
        ("Overall Fiona Reid (@FReid) responded \u201cyes\u201d.", "Fiona Reid"),
        ("In Leeds Tom Baker (@TB) said \u201cok\u201d.", "Tom Baker"),
        ("Like Maya Patel (@MayaP_QI) said, \u201cok\u201d.", "Maya Patel"),
        ("Then Sofia Marsh (@DeptLeadSofia) added \u201cwe did\u201d.", "Sofia Marsh"),
        ("Dr Lee Ong (@LeeOng) said \u201cyes\u201d.", "Dr Lee Ong"),
        ("Mary Ann Smith (@MAS) said \u201cyes\u201d.", "Mary Ann Smith"),
        ("Prof Mary Ann Smith (@MAS) said \u201cyes\u201d.", "Prof Mary Ann Smith"),
    ],
)
def test_a_printed_name_leaves_the_sentences_opening_words_out(line: str, name: str) -> None:
    assert [n for n, _ in printed_names(line)] == [name]
