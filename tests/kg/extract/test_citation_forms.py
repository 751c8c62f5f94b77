"""A shared resource's citation, printed the ways converters and authors print them: the title is the title."""

from __future__ import annotations

import pytest

from kg.extract.resources import parse_citation


@pytest.mark.parametrize(
    ("cell", "title", "year", "creators"),
    [
        ('[Blog] Smith, J. "Flow in the ward"; 2021', "Flow in the ward", 2021, ["Smith, J"]),
        ("[Blog] Smith, J. “Flow in the ward”; 2021", "Flow in the ward", 2021, ["Smith, J"]),
        ("[Blog] Smith, J. ‘It’s about time’; 2021", "It’s about time", 2021, ["Smith, J"]),
        ("[Report] Discharge to assess; 2022", "Discharge to assess", 2022, []),
        ("[Report] Discharge to assess; 2022.", "Discharge to assess", 2022, []),
    ],
)
def test_the_printers_quotes_and_the_year_are_not_part_of_the_title(
    cell: str, title: str, year: int, creators: list[str]
) -> None:
    cited = parse_citation(cell)
    assert (cited.title, cited.year, cited.creators) == (title, year, creators)


def test_quotes_inside_a_title_stay() -> None:
    """Only quotes around the whole title are the printer's."""
    assert parse_citation('[Blog] Smith, J. The "why" of flow; 2021').title == 'The "why" of flow'


def test_a_title_and_a_publisher_with_no_author_stay_one_title() -> None:
    """'X. Y; 2020' is a title and a publisher, or an organisation and a title: the report does not say which, so
    nothing is guessed (no publisher or creator invented); the year is stated either way."""
    cited = parse_citation("[Report] Getting It Right First Time. NHS England; 2020")
    assert cited.creators == [] and cited.publisher is None
    assert cited.title == "Getting It Right First Time. NHS England"
    assert cited.year == 2020
