"""No fact depends on where a line happens to be: the first report with lines inserted at the top and sections moved
gives the same graph apart from line numbers (its curation file, anchored to words, moves with it)."""

from __future__ import annotations

import shutil
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from kg.rdf.assemble import assemble
from kg.sources.curation import curation_path
from kg.sources.registry import load_records

SEED = Path(__file__).resolve().parents[3] / "kg" / "sources" / "leadingqi-2022-10-19-report.txt"


def _block(lines: list[str], heading: str, before: str | None) -> tuple[int, int]:
    start = lines.index(heading)
    end = lines.index(before, start) if before else len(lines)
    return start, end


def rearranged(lines: list[str]) -> list[str]:
    """TEST DATA: 7 lines at the top; the influencer table after the hashtag totals; 'Save the dates!' (from the end,
    without the closing line) right after the title page."""
    out = list(lines)
    s, e = _block(out, "Save the dates!", None)
    sign_off = max(i for i in range(s, e) if out[i].startswith("Report produced by"))
    dates = out[s:sign_off]
    del out[s:sign_off]
    i, j = _block(out, "The Influencers", "Tweet activity")
    influencers = out[i:j]
    del out[i:j]
    k, m = _block(out, "Tweet activity", "Insights and Learning")
    out[m:m] = influencers
    background = out.index("Background")
    out[background:background] = [*dates, ""]
    return ["Converted again by another tool.", "", "(c) 2022", "", "", "Page 1", "", *out]


def _without_lines(ds) -> set[tuple]:
    """Every quad, with the integer values of line predicates (qi:sourceLine, section bounds, ...) left out, and
    the source file's digest (another file, by construction)."""
    out = set()
    for s, p, o, g in ds.quads((None, None, None, None)):
        local = str(p).rsplit("#", 1)[-1].rsplit("/", 1)[-1].lower()
        if local == "sha256":
            continue
        if isinstance(o, Literal) and o.datatype == XSD.integer and ("line" in local or "section" in local):
            o = Literal("LINE")
        out.add((s, p, o, g if isinstance(g, URIRef) else getattr(g, "identifier", g)))
    return out


def test_lines_inserted_and_sections_moved_give_the_same_graph_apart_from_line_numbers(tmp_path: Path) -> None:
    moved = tmp_path / SEED.name
    moved.write_text("\n".join(rearranged(SEED.read_text(encoding="utf-8").split("\n"))), encoding="utf-8")
    shutil.copyfile(curation_path(SEED), curation_path(moved))
    original, again = load_records(SEED), load_records(moved)
    assert again.chat.line != original.chat.line  # the lines did move
    assert len(again.follow_ups) == 6 and len(again.influencers) == len(original.influencers)
    assert [t.themes for t in again.curated_themes] == [t.themes for t in original.curated_themes]
    a, b = _without_lines(assemble([original], [])), _without_lines(assemble([again], []))
    assert a - b == set() and b - a == set()
