"""More chats: records files, the registry, cross-chat identity, exact removal, and `qikg add / remove / synth`."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml
from rdflib import Dataset, Graph, Literal, URIRef
from typer.testing import CliRunner

from bench.synth import synth_chats
from kg import iris
from kg.cli import app
from kg.iris import QI
from kg.publish.dumps import _trig, sorted_dataset
from kg.rdf.assemble import assemble, check_sources
from kg.records import ChatRecords
from kg.sources.registry import Registry, SourceError, load_records
from tests.kg.smallchats import chat_b_from

ROOT = Path(__file__).resolve().parents[3]
SEED = ROOT / "kg" / "sources" / "leadingqi-2022-10-19-report.txt"
runner = CliRunner()


@pytest.fixture(scope="module")
def seed() -> ChatRecords:
    return load_records(SEED)


@pytest.fixture(scope="module")
def chat_a(seed: ChatRecords) -> ChatRecords:
    """TEST DATA: the seed chat cut down to its first three questions (every fact still the report's), to build fast."""
    return seed.model_copy(
        update={
            "questions": [q for q in seed.questions if q.number <= 3],
            "quotes": [q for q in seed.quotes if q.question in (2, 3)],
            "resources": seed.resources[:3],
            "measurements": [],
        }
    )


chat_b = chat_b_from  # TEST DATA: a second chat from part of the seed (tests/kg/smallchats.py)


def write_records(records: ChatRecords, path: Path) -> Path:
    data = records.model_dump(mode="json", exclude_defaults=True)
    if path.suffix == ".json":
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


# --- records files -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_records_file_reads_back_as_the_same_records(seed, tmp_path: Path, suffix: str) -> None:
    b = chat_b(seed)
    assert load_records(write_records(b, tmp_path / f"b{suffix}")) == b


def test_a_bad_yaml_records_file_names_file_field_and_line(seed, tmp_path: Path) -> None:
    path = write_records(chat_b(seed), tmp_path / "b.yaml")
    text = path.read_text(encoding="utf-8").replace("date: '2023-01-31'", "date: '2023-13-31'", 1)
    path.write_text(text.replace("kind: comment", "kind: comment\n  likes: 3", 1), encoding="utf-8")
    with pytest.raises(SourceError) as info:
        load_records(path)
    problems = info.value.problems
    assert f"{path}:{_line_of(path, '2023-13-31')}: chat.date: " in problems[0]
    extra = next(p for p in problems if "likes" in p)
    assert extra.startswith(f"{path}:{_line_of(path, 'likes: 3')}: quotes[") and "Extra inputs" in extra
    assert not any(".Tweet." in p or ".Quote." in p for p in problems), "only the union member the item claims"


def test_a_bad_json_records_file_names_the_line_too(seed, tmp_path: Path) -> None:
    data = chat_b(seed).model_dump(mode="json", exclude_defaults=True)
    del data["quotes"][1]["text"]
    path = tmp_path / "b.json"
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    with pytest.raises(SourceError) as info:
        load_records(path)
    [problem] = info.value.problems
    assert problem.startswith(f"{path}:") and "quotes[1].text: Field required" in problem
    assert int(problem.split(":")[1]) > 1
    path.write_text('{"source_slug": "x",\n  "chat": }', encoding="utf-8")
    with pytest.raises(SourceError, match=rf"{path}:2: "):
        load_records(path)


def test_records_that_would_merge_two_quotes_are_refused(seed, tmp_path: Path) -> None:
    b = chat_b(seed)
    quotes = [b.quotes[0], b.quotes[1].model_copy(update={"number": b.quotes[0].number})]
    with pytest.raises(SourceError, match=r"quotes\[1\]\.number: quote number .* used twice"):
        load_records(write_records(chat_b(seed, quotes=quotes), tmp_path / "b.yaml"))


def test_the_documented_example_is_a_valid_records_file(tmp_path: Path) -> None:
    text = (ROOT / "docs" / "records-format.md").read_text(encoding="utf-8")
    example = text.split("## Example (YAML)", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "example.yaml"
    path.write_text(example, encoding="utf-8")
    records = load_records(path)
    assert records.source_slug == "example-2022-10-19" and [q.kind for q in records.quotes] == ["tweet", "comment"]


def test_an_unknown_kind_of_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "b.csv").write_text("a,b\n")
    with pytest.raises(SourceError, match="docs/records-format.md"):
        load_records(tmp_path / "b.csv")


# --- the registry --------------------------------------------------------------------------------------------------


def _registry(tmp_path: Path) -> Registry:
    reg = Registry(tmp_path / "sources" / "registry.yaml")
    reg.add(SEED)
    return reg


def test_adding_the_same_source_again_changes_nothing(seed, tmp_path: Path) -> None:
    reg = _registry(tmp_path)
    b = write_records(chat_b(seed), tmp_path / "chat-b.yaml")
    assert reg.add(b).status == "added"
    before = reg.path.read_bytes()
    files = sorted(p.name for p in reg.path.parent.iterdir())
    again = Registry.load(reg.path).add(b)
    assert again.status == "unchanged"
    assert reg.path.read_bytes() == before and sorted(p.name for p in reg.path.parent.iterdir()) == files
    assert [e.chat for e in Registry.load(reg.path).entries] == ["2022-10-19", "2023-01-31"]


def test_other_content_for_a_registered_chat_needs_replace(seed, tmp_path: Path) -> None:
    reg = _registry(tmp_path)
    reg.add(write_records(chat_b(seed), tmp_path / "chat-b.yaml"))
    changed = write_records(chat_b(seed, source_title="Test chat B, corrected"), tmp_path / "chat-b.yaml")
    with pytest.raises(SourceError, match="--replace"):
        reg.add(changed)
    assert reg.add(changed, replace=True).status == "replaced"
    assert load_records(reg.sources()[1]).source_title == "Test chat B, corrected"


def test_synthetic_records_are_refused(seed, tmp_path: Path) -> None:
    [synthetic] = synth_chats(seed, 1)
    reg = _registry(tmp_path)
    before = reg.path.read_bytes()
    with pytest.raises(SourceError, match="synthetic"):
        reg.add(write_records(synthetic, tmp_path / "syn.yaml"))
    assert reg.path.read_bytes() == before
    with pytest.raises(SourceError, match="synthetic"):
        check_sources([seed, synthetic])


def test_one_chat_has_one_source(seed, tmp_path: Path) -> None:
    reg = _registry(tmp_path)
    twin = chat_b(seed, source_slug="another-source", chat=seed.chat)
    with pytest.raises(SourceError, match="already in the graph"):
        reg.add(write_records(twin, tmp_path / "twin.yaml"))


def test_remove_by_date_and_unknown_chats(seed, tmp_path: Path) -> None:
    reg = _registry(tmp_path)
    reg.add(write_records(chat_b(seed), tmp_path / "chat-b.yaml"))
    copy = reg.sources()[1]
    assert reg.remove("2023-01-31").slug == "test-chat-b" and not copy.exists()
    assert SEED.exists(), "a source the registry only points to is never deleted"
    with pytest.raises(SourceError, match="registered: leadingqi-2022-10-19"):
        reg.remove("1999-01-01")


# --- several chats in one graph ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def both(seed, chat_a) -> Dataset:
    return assemble([chat_a, chat_b(seed)], [])


def union(ds: Dataset) -> Graph:
    out = Graph()
    for g in ds.graphs():
        out += g
    return out


def test_the_same_person_in_two_chats_is_one_node(seed, both: Dataset) -> None:
    author = next(q.author for q in seed.quotes if q.question == 2)
    everything = union(both)
    handle = next(o for o in everything.objects(None, QI.handle) if str(o).lower() == author.lower())
    nodes = set(everything.subjects(QI.handle, handle))
    assert len(nodes) == 1
    [node] = nodes
    holders = {str(g.identifier) for g in both.graphs() if (node, QI.handle, None) in g}
    assert holders == {str(iris.source_graph(seed.source_slug)), str(iris.source_graph("test-chat-b"))}
    chats = {c for q in everything.subjects(QI.saidBy, node) for c in everything.objects(q, QI.inChat)}
    assert {iris.chat("2022-10-19"), iris.chat("2023-01-31")} <= chats


def test_organisations_and_resources_are_shared_too(seed, both: Dataset) -> None:
    resource = iris.resource(seed.resources[0].slug)
    assert set(union(both).objects(resource, QI.inChat)) == {iris.chat("2022-10-19"), iris.chat("2023-01-31")}
    org = iris.organisation(seed.chat.host)
    assert len(list(both.quads((org, QI.orgKind, None, None)))) == 2  # one statement in each chat's graph


def test_removing_a_chat_leaves_exactly_the_graph_without_it(seed, chat_a, both: Dataset) -> None:
    alone = assemble([chat_a], [])
    assert _trig(sorted_dataset(alone)) != _trig(sorted_dataset(both))
    without = Dataset()
    for g in both.graphs():
        if g.identifier != iris.source_graph("test-chat-b"):
            target = without.graph(g.identifier)
            for t in g:
                target.add(t)
    seed_graph = iris.source_graph(seed.source_slug)
    assert set(without.graph(seed_graph)) <= set(alone.graph(seed_graph))
    assert set(alone.graph(seed_graph)) - set(without.graph(seed_graph)) == {
        t for t in alone.graph(seed_graph) if t[0] == iris.chat("2023-01-31")
    } - set(without.graph(seed_graph))
    assert {g.identifier for g in without.graphs() if len(g)} == {g.identifier for g in alone.graphs() if len(g)}
    for g in alone.graphs():
        if g.identifier != seed_graph:
            assert set(g) == set(without.graph(g.identifier)), f"{g.identifier} changed"


def test_a_chat_held_later_is_no_longer_only_announced(both: Dataset) -> None:
    follow_up = iris.chat("2023-01-31")
    everything = union(both)
    assert set(everything.objects(follow_up, QI.status)) == {Literal("held")}
    assert set(everything.objects(follow_up, QI.announcedIn)) == {iris.source("leadingqi-2022-10-19")}


def test_alias_detection_runs_across_chats(seed, chat_a) -> None:
    author = next(q.author for q in seed.quotes if len(q.author) >= 8 and q.question == 2)
    variant = author[:-1] + ("x" if author[-1] != "x" else "y")
    quotes = [q.model_copy(update={"author": variant}) if q.author == author else q for q in chat_b(seed).quotes]
    warnings: list[str] = []
    assemble([chat_a, chat_b(seed, quotes=quotes)], warnings)
    found = [w for w in warnings if w.startswith("possible alias") and variant in w]
    assert found and "2022-10-19" in found[0] and "2023-01-31" in found[0]


# --- the command line ----------------------------------------------------------------------------------------------


def test_add_then_remove_gives_back_the_same_build(seed, chat_a, tmp_path: Path) -> None:
    registry = tmp_path / "sources" / "registry.yaml"
    a = write_records(chat_a, tmp_path / "chat-a.yaml")
    assert Registry(registry).add(a).status == "added"
    out = tmp_path / "out"
    flags = ["--registry", str(registry), "--out", str(out), "--no-reason"]
    b = write_records(chat_b(seed), tmp_path / "chat-b.yaml")

    added = runner.invoke(app, ["add", str(b), *flags])
    assert added.exit_code == 0, added.output
    assert "added chat 2023-01-31" in added.output and "source/test-chat-b" in added.output
    store = ox.Store()
    store.bulk_load(path=str(out / "qikg.trig"), format=ox.RdfFormat.TRIG)
    assert ox.NamedNode(str(iris.source_graph("test-chat-b"))) in set(store.named_graphs())
    registry_bytes, trig = registry.read_bytes(), (out / "qikg.trig").read_bytes()

    again = runner.invoke(app, ["add", str(b), *flags])
    assert again.exit_code == 0 and "nothing changed" in again.output
    assert registry.read_bytes() == registry_bytes and (out / "qikg.trig").read_bytes() == trig

    removed = runner.invoke(app, ["remove", "test-chat-b", *flags])
    assert removed.exit_code == 0, removed.output
    only_a = assemble([load_records(a)], [])
    assert (out / "qikg.trig").read_bytes() == _trig(sorted_dataset(only_a)), "add + remove is not a no-op"


def test_add_reports_a_bad_file_and_changes_nothing(seed, tmp_path: Path) -> None:
    registry = tmp_path / "sources" / "registry.yaml"
    Registry(registry).add(SEED)
    before = registry.read_bytes()
    bad = write_records(chat_b(seed), tmp_path / "bad.yaml")
    bad.write_text(bad.read_text(encoding="utf-8").replace("source_slug: test-chat-b", "source_slug: Bad Slug"))
    result = runner.invoke(app, ["add", str(bad), "--registry", str(registry), "--no-build"])
    assert result.exit_code == 2
    assert f"{bad}:{_line_of(bad, 'Bad Slug')}: source_slug:" in result.output.replace("\n", "")
    assert registry.read_bytes() == before and sorted(p.name for p in registry.parent.iterdir()) == [
        "leadingqi-2022-10-19-report.curation.yaml",  # the report's own curation travels with it
        "leadingqi-2022-10-19-report.txt",
        "registry.yaml",
    ]
    unknown = runner.invoke(app, ["remove", "no-such-chat", "--registry", str(registry), "--no-build"])
    assert unknown.exit_code == 2 and "no chat 'no-such-chat'" in unknown.output


def test_add_refuses_a_synthetic_chat_with_a_clear_message(seed, tmp_path: Path) -> None:
    registry = tmp_path / "registry.yaml"
    [synthetic] = synth_chats(seed, 1)
    path = write_records(synthetic, tmp_path / "syn.json")
    result = runner.invoke(app, ["add", str(path), "--registry", str(registry), "--no-build"])
    assert result.exit_code == 2 and "synthetic" in result.output and "never enter" in result.output.replace("\n", " ")
    assert not registry.exists()


def test_synthetic_source_is_a_kind_of_source_document() -> None:
    from kg.rdf.ontology import tbox

    assert (QI.SyntheticSource, URIRef("http://www.w3.org/2000/01/rdf-schema#subClassOf"), QI.SourceDocument) in tbox()


# --- the data directory --------------------------------------------------------------------------------------------


def test_with_no_registry_file_the_registry_is_the_packaged_seed_named_package_relative(tmp_path: Path) -> None:
    """A fresh data directory builds the seed: its entry names the packaged report, wherever qikg is installed."""
    reg = Registry.load(tmp_path / "registry.yaml")
    [entry] = reg.entries
    assert entry.path == f"package:kg/sources/{SEED.name}" and not entry.copied
    assert reg.sources() == [SEED] and reg.path == tmp_path / "registry.yaml"
    assert not (tmp_path / "registry.yaml").exists()  # reading writes nothing


def test_a_package_path_cannot_leave_the_package(tmp_path: Path) -> None:
    [entry] = yaml.safe_load((SEED.parent / "registry.yaml").read_text(encoding="utf-8"))["sources"]
    registry = tmp_path / "registry.yaml"
    registry.write_text(yaml.safe_dump({"sources": [{**entry, "path": "package:../../etc/passwd"}]}), encoding="utf-8")
    with pytest.raises(SourceError, match="inside the installed package"):
        Registry.load(registry).sources()


def test_qikg_add_and_remove_keep_the_users_chats_in_the_data_directory(seed, tmp_path: Path) -> None:
    """`qikg --home H add` copies the chat into H and writes H/registry.yaml (the seed still named in the package);
    `remove` deletes that copy; the package's own folder is never written."""
    home = tmp_path / "home"
    (tmp_path / "elsewhere").mkdir()
    b = write_records(chat_b(seed), tmp_path / "elsewhere" / "chat-b.yaml")
    package_files = sorted(p.name for p in SEED.parent.iterdir())
    added = runner.invoke(app, ["--home", str(home), "add", str(b), "--no-build"])
    assert added.exit_code == 0, added.output
    assert (home / "chat-b.yaml").read_bytes() == b.read_bytes()
    entries = yaml.safe_load((home / "registry.yaml").read_text(encoding="utf-8"))["sources"]
    assert [(e["path"], e["copied"]) for e in entries] == [
        (f"package:kg/sources/{SEED.name}", False),
        ("chat-b.yaml", True),
    ]
    removed = runner.invoke(app, ["--home", str(home), "remove", "2023-01-31", "--no-build"])
    assert removed.exit_code == 0, removed.output
    assert not (home / "chat-b.yaml").exists()
    assert [e.path for e in Registry.load(home / "registry.yaml").entries] == [f"package:kg/sources/{SEED.name}"]
    assert sorted(p.name for p in SEED.parent.iterdir()) == package_files
