"""`qikg add REPORT --dry-run` says of a team's account what the records and the graph say: an organisation's
account, whose it is, and the person who speaks for it, never a new person under the person's name. The later chat
of 24 September 2024 (tests/kg/extract/fixtures, TEST DATA) has a panel line 'Grace Mwangi, speaking for the
Learning from Harm Team, Westmoor Community Health NHS Trust @WestmoorLfH'."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.extract.report import extract
from kg.pipeline.review import Review, review

ROOT = Path(__file__).resolve().parents[3]
SEPT = ROOT / "tests" / "kg" / "extract" / "fixtures" / "leadingqi-2024-09-24-report.txt"


@pytest.fixture(scope="module")
def found() -> Review:
    return review(SEPT)  # against the registered first chat; nothing is written


def test_a_team_account_is_listed_as_the_teams_with_the_person_who_speaks_for_it(found: Review) -> None:
    records = extract(SEPT)
    [grace] = [p for p in records.people if p.handle == "WestmoorLfH"]
    [account] = [a for a in records.accounts if a.handle == "WestmoorLfH"]
    team = next(o.name for o in records.organisations if o.slug == grace.on_behalf_of)
    assert account.kind == "organisation"
    assert found.new_organisation_accounts == [
        f"@WestmoorLfH ({account.display_name}), account of {team}; {grace.name} speaks for it, line {grace.line}"
    ]
    assert not any(item.startswith("@WestmoorLfH") or grace.name in item for item in found.new_people)


def test_the_new_people_are_the_people_the_records_name(found: Review) -> None:
    records = extract(SEPT)
    people = {p.handle: p for p in records.people if p.handle and p.on_behalf_of is None}
    for handle in ("FionaG_Safety", "MarionForEllie", "NightNurseDev"):
        assert f"@{handle} ({people[handle].name}), line {people[handle].line}" in found.new_people
    assert not any(item.startswith(("@WarwickBSchool", "@KPOteam_SASH")) for item in found.new_people)  # known
