"""What links two organisations holds for the next chat too: a build of the first report and an invented later one
(tests/kg/extract/fixtures, TEST DATA, 25 April 2023, whose panel seats people of other organisations), asked through
the app. The expected ties come from the report's text through the extractor, never from what the app answers."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.main import create_app
from kg.cli import app
from kg.extract.report import extract

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "kg" / "sources" / "leadingqi-2022-10-19-report.txt"
LATER = ROOT / "tests" / "kg" / "extract" / "fixtures" / "leadingqi-2023-04-25-report.txt"
runner = CliRunner()


def _run(*args: str) -> None:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def later_client(tmp_path_factory: pytest.TempPathFactory, app_settings) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("between-added")
    folder = root / "chats"
    folder.mkdir()
    shutil.copyfile(SEED, folder / SEED.name)
    shutil.copyfile(SEED.with_name(f"{SEED.stem}.curation.yaml"), folder / f"{SEED.stem}.curation.yaml")
    registry = folder / "registry.yaml"
    registry.write_text("sources: []\n", encoding="utf-8")
    out = root / "build"
    _run("add", str(folder / SEED.name), "--registry", str(registry), "--no-build")
    _run("add", str(LATER), "--registry", str(registry), "--no-build")
    _run("build", "--out", str(out), "--no-reason", "--registry", str(registry))
    with TestClient(create_app(app_settings(out, "oxigraph", "between-added"))) as client:
        yield client


def test_two_organisations_on_the_later_chats_panel_are_linked_by_that_panel(later_client: TestClient) -> None:
    """Which ways link two organisations whose people sat on the 25 April panel? That panel, with its people."""
    records = extract(LATER)
    chat = records.chat.slug
    panel = [p for p in records.people if p.handle in records.panel and p.affiliations]
    pairs = [
        (a, b, oa, ob)
        for a, b in itertools.combinations(panel, 2)
        for oa in a.affiliations
        for ob in b.affiliations
        if oa != ob and oa not in b.affiliations and ob not in a.affiliations
    ]
    assert pairs, "the invented report's panel seats people of at least two organisations"
    for a, b, first, second in pairs:
        answer = later_client.get(
            "/api/network/organisations/between", params={"first": first, "second": second}
        ).json()
        panels = [w for w in answer["ways"] if w["kind"] == "same-panel" and w["chat"] == chat]
        assert len(panels) == 1, answer["summary"]
        on = {fact["by"]["iri"] for fact in panels[0]["facts"]}
        seated = {later_client.get(f"/api/participants/{p.handle}").json()["iri"] for p in (a, b)}  # any spelling
        assert seated <= on
        assert all(fact["lines"] for fact in panels[0]["facts"])
        assert answer["linked"] and "same chat's panel" in answer["summary"]


def test_a_pair_linked_in_both_chats_lists_each_chats_panel(later_client: TestClient) -> None:
    """Organisations whose people sat on both panels (the first report's and the later one's) are linked twice."""
    first_panel = extract(SEED)
    later = extract(LATER)

    def seated(records) -> set[str]:
        return {o for p in records.people if p.handle in records.panel for o in p.affiliations}

    both = sorted(seated(first_panel) & seated(later))
    if len(both) < 2:
        pytest.skip("the two panels share fewer than two organisations")
    answer = later_client.get("/api/network/organisations/between", params={"first": both[0], "second": both[1]}).json()
    chats = {w["chat"] for w in answer["ways"] if w["kind"] == "same-panel"}
    assert chats == {first_panel.chat.slug, later.chat.slug}
