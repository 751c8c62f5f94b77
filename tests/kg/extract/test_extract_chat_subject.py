"""What is the chat about, in the report's own words? The purpose statement quotes its subject ("this tweet chat on
'measuring what matters', which took place ..."); the whole quoted words are the subject, apostrophes inside them
included, whichever quote marks the report uses (invented purpose lines in the first report's layout)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.extract.report import extract

ROOT = Path(__file__).resolve().parents[3]
SEED = ROOT / "kg" / "sources" / "leadingqi-2022-10-19-report.txt"
QUOTED = "'how to build improvement capability and foster a culture of improvement'"


@pytest.mark.parametrize(
    ("quoted", "subject"),
    [
        ("\u2018what\u2019s next for patient safety\u2019", "what\u2019s next for patient safety"),
        ("'leading when everyone\u2019s exhausted'", "leading when everyone\u2019s exhausted"),
        ("'leading when everyone's exhausted'", "leading when everyone's exhausted"),
        ("\u201cpatients\u2019 voices in improvement\u201d", "patients\u2019 voices in improvement"),
        ('"measuring what matters"', "measuring what matters"),
    ],
)
def test_the_quoted_subject_is_read_whole(tmp_path: Path, quoted: str, subject: str) -> None:
    text = SEED.read_text(encoding="utf-8")
    assert QUOTED in text
    report = tmp_path / "leadingqi-2022-10-19-report.txt"
    report.write_text(text.replace(QUOTED, quoted, 1), encoding="utf-8")
    assert extract(report).chat.subject == subject


def test_a_purpose_with_no_quoted_subject_has_none(tmp_path: Path) -> None:
    report = tmp_path / "leadingqi-2022-10-19-report.txt"
    report.write_text(SEED.read_text(encoding="utf-8").replace(f"chat on {QUOTED}", "chat", 1), encoding="utf-8")
    assert extract(report).chat.subject is None
