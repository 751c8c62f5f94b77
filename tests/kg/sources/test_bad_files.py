"""Bad chat files: every one gets `FILE:LINE: field: message` and exit 2, and the registry and the build stay as they
were. Reports (.txt), records files (.json, .yaml), the registry and the curation in kg/data are all covered."""

from __future__ import annotations

import json
import random
import re
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from kg.cli import app
from kg.extract.report import SECTIONS
from kg.rdf.tagging import load_curated
from kg.records import ChatRecords, handle_fields
from kg.sources import curation
from kg.sources.aliases import AliasTable
from kg.sources.inputs import InputError
from kg.sources.registry import Registry, SourceError, load_records

ROOT = Path(__file__).resolve().parents[3]
SEED = ROOT / "kg" / "sources" / "leadingqi-2022-10-19-report.txt"
SEED_BYTES = SEED.read_bytes()
SEED_LINES = SEED_BYTES.decode("utf-8").split("\n")
DATA = ROOT / "kg" / "data"
PROBLEM = re.compile(r"^\s*(?P<file>\S+?):(?P<line>\d+): (?P<field>[^:]+?): (?P<message>\S.*)$", re.MULTILINE)
runner = CliRunner()


@pytest.fixture(scope="module")
def seed() -> ChatRecords:
    return load_records(SEED)


def records_file(records: ChatRecords, path: Path, **changes) -> Path:
    """TEST DATA: the seed's records with some top-level fields changed, written as YAML or JSON."""
    data = records.model_dump(mode="json", exclude_defaults=True)
    data.update(changes)
    if path.suffix == ".json":
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def line_of(path: Path, needle: str, after: int = 0) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if i > after and needle in line)


def problems_of(path: Path) -> list[str]:
    with pytest.raises(SourceError) as info:
        load_records(path)
    assert info.value.problems, str(info.value)
    return info.value.problems


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def cut(text_lines: list[str], heading: str) -> str:
    """TEST DATA: the seed report cut just before the line `heading` (found by its words, not its number)."""
    return "\n".join(text_lines[: text_lines.index(heading)])


# --- handles ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("handle", ["jimmy<b>", "jimmy parvin", "a" * 16, "", "@", "jimmy/../x"])
def test_a_handle_twitter_would_not_allow_is_refused_with_its_line(seed, tmp_path: Path, handle: str) -> None:
    quotes = seed.model_dump(mode="json", exclude_defaults=True)["quotes"][:1]
    quotes[0]["author"] = handle
    path = records_file(seed, tmp_path / "b.yaml", source_slug="test-b", quotes=quotes, questions=[])
    problems = problems_of(path)
    hit = next(p for p in problems if "quotes[0].author" in p)
    author = line_of(path, "author:", after=line_of(path, "quotes:"))
    assert hit.startswith(f"{path}:{author}: quotes[0].author: ") and "not a Twitter handle" in hit


@pytest.mark.parametrize("field", ["resources", "measurements", "lessons"])
def test_a_slug_that_would_name_a_node_must_be_a_slug(seed, tmp_path: Path, field: str) -> None:
    items = seed.model_dump(mode="json", exclude_defaults=True)[field][:2]
    items[1]["slug"] = "two words <b>"
    path = records_file(seed, tmp_path / "b.yaml", source_slug="test-b", **{field: items})
    [problem] = problems_of(path)
    assert problem.startswith(
        f"{path}:{line_of(path, 'slug: two words <b>')}: {field}[1].slug: 'two words <b>' is not a slug"
    )


def test_a_report_with_a_handle_too_long_for_twitter_names_its_line(tmp_path: Path) -> None:
    card = next(n for n, line in enumerate(SEED_LINES, 1) if re.search(r"@\w+ · Oct 19, 2022", line))
    lines = list(SEED_LINES)
    lines[card - 1] = re.sub(r"@(\w+) ·", "@abcdefghijklmnopq ·", lines[card - 1])
    path = tmp_path / "report.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    assert any(
        p.startswith(f"{path}:{card}: ") and "'abcdefghijklmnopq' is not a Twitter handle" in p
        for p in problems_of(path)
    )


def test_the_seed_reports_misprinted_handles_pass_because_aliases_yaml_lists_them(seed) -> None:
    odd = {h for _, h in handle_fields(seed) if not re.match(r"^@?\w{1,15}$", h, re.ASCII)}
    assert odd and odd <= set(AliasTable.load().reasons), odd


def test_a_bad_handle_changes_neither_registry_nor_build(seed, tmp_path: Path) -> None:
    """The red-team case: a handle with '<' passed validation, then crashed every later build."""
    registry = tmp_path / "sources" / "registry.yaml"
    out = tmp_path / "out"
    Registry(registry).add(records_file(seed.model_copy(update={"resources": seed.resources[:2]}), tmp_path / "a.yaml"))
    built = runner.invoke(app, ["build", "--registry", str(registry), "--out", str(out), "--no-reason"])
    assert built.exit_code == 0, built.output
    before, registry_bytes = snapshot(out), registry.read_bytes()
    quotes = seed.model_dump(mode="json", exclude_defaults=True)["quotes"][:1]
    quotes[0]["author"] = "<script>"
    chat = seed.chat.model_dump(mode="json") | {"slug": "2023-01-31", "date": "2023-01-31"}
    bad = records_file(seed, tmp_path / "bad.yaml", source_slug="test-b", chat=chat, quotes=quotes, questions=[])
    result = runner.invoke(app, ["add", str(bad), "--registry", str(registry), "--out", str(out), "--no-reason"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"{bad}:{line_of(bad, 'author:', after=line_of(bad, 'quotes:'))}: quotes[0].author:" in result.output
    assert registry.read_bytes() == registry_bytes and snapshot(out) == before


# --- truncated reports -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("share", [50, 90])
def test_a_truncated_report_names_every_section_it_lost(tmp_path: Path, share: int) -> None:
    path = tmp_path / "cut.txt"
    text = SEED_BYTES[: len(SEED_BYTES) * share // 100].decode("utf-8", errors="ignore")
    path.write_text(text, encoding="utf-8")
    last = max(n for n, line in enumerate(text.split("\n"), 1) if line.strip())
    missing = [s.heading for s in SECTIONS if s.required and s.heading not in text.split("\n")]
    problems = problems_of(path)
    assert missing and [p.split(": ")[1] for p in problems] == missing
    assert all(p.startswith(f"{path}:{last}: ") and "truncated" in p for p in problems)


def test_a_report_cut_inside_its_last_section_is_added_with_a_warning_naming_it(tmp_path: Path) -> None:
    """Cut after 'Save the dates!' and its first dates: the follow-up chats may be incomplete, and it says so."""
    start = SEED_LINES.index("Save the dates!")
    first_date = next(n for n in range(start, len(SEED_LINES)) if SEED_LINES[n].startswith("- "))
    path = tmp_path / "cut.txt"
    path.write_text("\n".join(SEED_LINES[: first_date + 2]), encoding="utf-8")
    records = load_records(path)
    assert len(records.follow_ups) == 2
    [warning] = [w for w in records.warnings if "end of report" in w]
    assert warning.startswith(f"{path}:{first_date + 2}: end of report: ") and "'Save the dates!'" in warning
    assert "follow-up chats" in warning and "truncated" in warning
    registry = tmp_path / "r" / "registry.yaml"
    registry.parent.mkdir()
    registry.write_text("sources: []\n", encoding="utf-8")  # no registry file would be the seed: the same chat
    result = runner.invoke(app, ["add", str(path), "--registry", str(registry), "--no-build"])
    assert result.exit_code == 0 and "warning:" in result.output and "end of report" in result.output


def test_a_report_without_its_optional_last_section_warns_what_the_records_lack(tmp_path: Path) -> None:
    path = tmp_path / "cut.txt"
    text = cut(SEED_LINES, "Save the dates!")
    path.write_text(text, encoding="utf-8")
    records = load_records(path)
    # only the chat "What next?" announces is left
    assert [f.date.isoformat() for f in records.follow_ups] == ["2023-01-31"]
    assert any(
        w.startswith(f"{path}:")
        and "Save the dates!: section missing" in w
        and "the records lack the follow-up chats" in w
        for w in records.warnings
    )


def test_sections_out_of_order_are_an_error(tmp_path: Path) -> None:
    lines = list(SEED_LINES)
    core, shared = lines.index("Core resources"), lines.index("Shared resources")
    lines[core], lines[shared] = lines[shared], lines[core]
    path = tmp_path / "swapped.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:{core + 1}: Shared resources: comes before 'Core resources' (line {shared + 1})")


def test_a_report_hosted_by_an_organisation_kg_data_does_not_list_is_still_read(tmp_path: Path) -> None:
    """The report is kept as converted: what the curation lacks is for the build to warn about, not a refusal."""
    lines = [
        re.sub(r"hosted by .+? \[@\w+\]", "hosted by Some New School [@SomeNewSchool]", line, count=1)
        if "took place on" in line
        else line
        for line in SEED_LINES
    ]
    path = tmp_path / "report.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    records = load_records(path)
    [host] = [o for o in records.organisations if o.slug == records.chat.host]
    assert (host.slug, host.name, host.kind) == ("some-new-school", "Some New School", "other")
    assert "Some New School" in lines[host.line - 1]


def test_a_date_that_does_not_exist_names_its_line(tmp_path: Path) -> None:
    card = next(n for n, line in enumerate(SEED_LINES, 1) if re.search(r"@\w+ · Oct 19, 2022", line))
    lines = list(SEED_LINES)
    lines[card - 1] = lines[card - 1].replace("Oct 19, 2022", "Oct 32, 2022")
    path = tmp_path / "report.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:{card}: quotes.date: cannot read 'Oct 32, 2022'")


# --- binary files, encodings, syntax, duplicate keys ----------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".txt", ".yaml", ".yml", ".json"])
@pytest.mark.parametrize("kind", ["random bytes", "utf-16", "utf-16 without BOM", "latin-1"])
def test_a_binary_or_non_utf8_file_is_named_not_decoded(tmp_path: Path, suffix: str, kind: str) -> None:
    text = SEED_BYTES.decode("utf-8") if suffix == ".txt" else "source_slug: caf\u00e9\n"
    rng = random.Random(3)
    data = {
        "random bytes": bytes(rng.randrange(256) for _ in range(2000)),
        "utf-16": text.encode("utf-16"),
        "utf-16 without BOM": text.encode("utf-16-le"),
        "latin-1": text.replace("\u201c", '"').replace("\u201d", '"').encode("latin-1", errors="replace"),
    }[kind]
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(data)
    [problem] = problems_of(path)
    assert PROBLEM.match(problem) and ": (encoding): " in problem and "UTF-8" in problem


@pytest.mark.parametrize("suffix", [".txt", ".yaml", ".json"])
def test_an_empty_file_is_named(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:1: ")


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_key_given_twice_is_refused_with_both_lines(seed, tmp_path: Path, suffix: str) -> None:
    path = records_file(seed, tmp_path / f"b{suffix}", source_slug="test-b")
    text = path.read_text(encoding="utf-8")
    key = '"source_title":' if suffix == ".json" else "source_title:"
    path.write_text(
        text.replace(key, f'{key} "another title"{"," if suffix == ".json" else ""}\n{key}', 1), encoding="utf-8"
    )
    first = line_of(path, key)
    [problem] = problems_of(path)
    assert problem == (
        f"{path}:{first + 1}: source_title: duplicate key (also on line {first}); each key may appear once"
    )


def test_a_nested_key_given_twice_names_its_field_path(seed, tmp_path: Path) -> None:
    path = records_file(seed, tmp_path / "b.yaml", source_slug="test-b")
    text = path.read_text(encoding="utf-8").replace("  timezone: BST\n", "  timezone: BST\n  timezone: GMT\n", 1)
    path.write_text(text, encoding="utf-8")
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:{line_of(path, 'timezone: GMT')}: chat.timezone: duplicate key")


def test_yaml_aliases_that_expand_without_end_are_refused_not_walked(tmp_path: Path) -> None:
    rows = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    rows += [f"{b}: &{b} [{','.join([f'*{a}'] * 9)}]" for a, b in zip("abcdefgh", "bcdefghi", strict=True)]
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(rows) + "\n", encoding="utf-8")
    [problem] = problems_of(bomb)
    assert problem.startswith(f"{bomb}:1: (top level): the data expands to ")
    loop = tmp_path / "loop.yaml"
    loop.write_text("source_slug: x\nquotes: &q [*q]\n", encoding="utf-8")
    assert problems_of(loop) == [f"{loop}:2: (syntax): a recursive alias (the node contains itself)"]


@pytest.mark.parametrize("escape", ["\\u0000", "\\u001b", "\\ud800"])
def test_text_escaped_into_what_no_text_has_is_refused(seed, tmp_path: Path, escape: str) -> None:
    """A control character or half a surrogate pair would break the graph files when they are written."""
    path = records_file(seed, tmp_path / "b.json", source_slug="test-b")
    path.write_text(
        path.read_text(encoding="utf-8").replace('"source_title": "', f'"source_title": "{escape}', 1), encoding="utf-8"
    )
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:{line_of(path, 'source_title')}: source_title: character U+")


# --- conflicting duplicates ------------------------------------------------------------------------------------------


def test_one_organisation_slug_with_two_names_is_refused(seed, tmp_path: Path) -> None:
    orgs = seed.model_dump(mode="json", exclude_defaults=True)["organisations"]
    twin = dict(orgs[1], name="Another Name", line=orgs[1]["line"])
    path = records_file(seed, tmp_path / "b.yaml", source_slug="test-b", organisations=[*orgs, twin])
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:{line_of(path, 'name: Another Name')}: organisations[{len(orgs)}].name: ")
    slug_line = line_of(path, "slug: " + orgs[1]["slug"])
    item_line = max(
        n
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if n <= slug_line and line.startswith("- ")
    )
    assert f"also organisations[1] (line {item_line})" in problem


def test_one_organisation_stated_twice_with_the_same_facts_is_fine(seed, tmp_path: Path) -> None:
    orgs = seed.model_dump(mode="json", exclude_defaults=True)["organisations"]
    path = records_file(seed, tmp_path / "b.yaml", source_slug="test-b", organisations=[*orgs, orgs[1]])
    assert load_records(path).organisations[-1] == seed.organisations[1]


def test_one_person_with_two_names_is_refused_by_handle_and_by_name(seed, tmp_path: Path) -> None:
    people = seed.model_dump(mode="json", exclude_defaults=True)["people"]
    with_handle = next(p for p in people if p.get("handle"))
    without = next(p for p in people if not p.get("handle"))
    twins = [dict(with_handle, name="Someone Else"), dict(without, name=without["name"].upper())]
    path = records_file(seed, tmp_path / "b.yaml", source_slug="test-b", people=[*people, *twins])
    problems = problems_of(path)
    assert [p.split(": ")[1] for p in problems] == [f"people[{len(people)}].name", f"people[{len(people) + 1}].name"]
    assert "'Someone Else' here" in problems[0] and "one person is one node" in problems[1]


def test_one_resource_slug_with_two_titles_is_refused(seed, tmp_path: Path) -> None:
    resources = seed.model_dump(mode="json", exclude_defaults=True)["resources"][:2]
    resources[1]["slug"] = resources[0]["slug"]
    path = records_file(seed, tmp_path / "b.yaml", source_slug="test-b", resources=resources)
    assert any(": resources[1].title: the resource " in p for p in problems_of(path))


# --- the registry ----------------------------------------------------------------------------------------------------


REGISTRY_DAMAGE = {
    "unknown format": lambda t: t.replace("format: report", "format: rapport"),
    "duplicate key": lambda t: t.replace("  chat:", "  chat: '1999-01-01'\n  chat:"),
    "unknown key": lambda t: t.replace("  sha256:", "  sha: 1\n  sha256:"),
    "missing file": lambda t: t.replace("path: leadingqi", "path: gone-leadingqi"),
    "syntax": lambda t: t + "- slug: [\n",
    "a list": lambda t: "- a\n- b\n",
    "binary": lambda t: "\x00\x01\x02",
    "registered twice": lambda t: t + "\n".join(t.split("sources:\n", 1)[1].splitlines()) + "\n",
}


@pytest.fixture(scope="module")
def seed_registry(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A registry holding the seed, and a build of it (without HermiT, to be quick)."""
    folder = tmp_path_factory.mktemp("registry")
    registry = folder / "sources" / "registry.yaml"
    Registry(registry).add(SEED)
    out = folder / "out"
    built = runner.invoke(app, ["build", "--registry", str(registry), "--out", str(out), "--no-reason"])
    assert built.exit_code == 0, built.output
    return registry, out


@pytest.mark.parametrize("damage", sorted(REGISTRY_DAMAGE))
def test_a_bad_registry_stops_the_build_naming_its_line(seed_registry, tmp_path: Path, damage: str) -> None:
    good, out = seed_registry
    registry = tmp_path / "registry.yaml"
    shutil.copy(good.parent / SEED.name, tmp_path / SEED.name)
    registry.write_text(REGISTRY_DAMAGE[damage](good.read_text(encoding="utf-8")), encoding="utf-8")
    before, registry_bytes = snapshot(out), registry.read_bytes()
    commands = [
        ["build", "--out", str(out), "--no-reason"],
        ["chats"],
        ["remove", "2022-10-19", "--no-build"],
        ["add", str(SEED), "--out", str(out), "--no-reason"],
    ]
    for command in commands[:1] if damage == "missing file" else commands:  # `remove` may drop a missing file
        result = runner.invoke(app, [*command, "--registry", str(registry)])
        assert result.exit_code == 2, (command, result.output)
        found = [m for m in PROBLEM.finditer(result.output) if m["file"] == str(registry)]
        assert found and "Traceback" not in result.output, (command, result.output)
        assert registry.read_bytes() == registry_bytes and snapshot(out) == before


# --- curation files --------------------------------------------------------------------------------------------------


CURATION_DAMAGE = {
    "organisations.yaml": (
        "- {slug: university-of-warwick, name:",
        "- {slug: university-of-warwick, nmae:",
        "[1].nmae",
    ),
    "lessons.yaml": ('match: "RELATIONSHIPS"}', 'match: "RELATIONSHIPS", match: x}', "[3].match"),
    "aliases.yaml": ("canonical: RobbieCsays", "canonical: Robbie<Csays", "accounts[5].canonical"),
    "curated_themes.yaml": ("  line: 986\n", "  line: nine\n", "items[1].line"),
}


@pytest.mark.parametrize("name", sorted(CURATION_DAMAGE))
def test_a_malformed_curation_file_names_file_line_and_field(tmp_path: Path, name: str) -> None:
    old, new, field = CURATION_DAMAGE[name]
    text = (DATA / name).read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    readers = {"aliases.yaml": AliasTable.load, "curated_themes.yaml": load_curated}
    with pytest.raises(InputError) as info:
        readers.get(name, curation.load)(path)
    line = line_of(path, new.strip().splitlines()[0])
    assert any(p.startswith(f"{path}:{line}: {field}: ") for p in info.value.problems), info.value.problems


def test_the_curation_files_as_shipped_are_valid() -> None:
    for name in curation.SCHEMAS:
        curation.load(DATA / name)


def test_one_spelling_under_two_accounts_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "aliases.yaml"
    path.write_text(
        "accounts:\n  - canonical: abc\n    aliases:\n      - {alias: abd, line: 1, reason: r}\n"
        "  - canonical: xyz\n    aliases:\n      - {alias: ABD, line: 2, reason: r}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=rf"{re.escape(str(path))}:7: accounts\[1\]\.aliases\[0\]\.alias: 'ABD'"):
        AliasTable.load(path)


# --- fuzzing: no bad file gets a traceback ---------------------------------------------------------------------------


def _bad_files(seed: ChatRecords, folder: Path) -> dict[str, bytes]:
    """TEST DATA: the seed report cut every 5 % and at random places (fixed seed), records files cut likewise,
    random bytes, UTF-16 and empty files, for every suffix `qikg add` reads."""
    rng = random.Random(20221019)
    cases: dict[str, bytes] = {}
    for share in range(0, 100, 5):
        cases[f"cut{share}.txt"] = SEED_BYTES[: len(SEED_BYTES) * share // 100]
    for offset in sorted(rng.sample(range(len(SEED_BYTES)), 12)):
        cases[f"at{offset}.txt"] = SEED_BYTES[:offset]
    b = seed.model_copy(
        update={
            "source_slug": "test-b",
            "quotes": seed.quotes[:5],
            "questions": seed.questions[:2],
            "resources": seed.resources[:3],
        }
    )
    for suffix in (".yaml", ".json"):
        whole = records_file(b, folder / f"whole{suffix}").read_bytes()
        for share in (10, 35, 60, 85, 97):
            cases[f"records{share}{suffix}"] = whole[: len(whole) * share // 100]
        for offset in sorted(rng.sample(range(len(whole)), 4)):
            cases[f"records-at{offset}{suffix}"] = whole[:offset]
    for suffix in (".txt", ".yaml", ".yml", ".json"):
        cases[f"random{suffix}"] = bytes(rng.randrange(256) for _ in range(4000))
        cases[f"utf16{suffix}"] = (SEED_BYTES if suffix == ".txt" else whole).decode("utf-8").encode("utf-16")
        cases[f"empty{suffix}"] = b""
        cases[f"nul{suffix}"] = b"source_slug: a\x00b\n"
    return cases


def test_no_bad_chat_file_gets_a_traceback(seed, tmp_path: Path) -> None:
    registry = tmp_path / "sources" / "registry.yaml"
    (registry.parent).mkdir(parents=True)
    registry.write_text("sources: []\n", encoding="utf-8")
    registry_bytes = registry.read_bytes()
    outcomes: dict[str, int] = {}
    for name, data in _bad_files(seed, tmp_path).items():
        path = tmp_path / name
        path.write_bytes(data)
        result = runner.invoke(app, ["add", str(path), "--registry", str(registry), "--no-build"])
        outcomes[name] = result.exit_code
        assert result.exit_code in (0, 2), (name, result.output, result.exception)
        assert "Traceback" not in result.output and isinstance(result.exception, SystemExit | None), name
        if result.exit_code == 2:
            where = [m for m in PROBLEM.finditer(result.output) if m["file"] == str(path)]
            assert where, (name, result.output)
            assert registry.read_bytes() == registry_bytes, name
            assert sorted(p.name for p in registry.parent.iterdir()) == ["registry.yaml"], name
        else:
            registry.write_bytes(registry_bytes)  # an accepted file: start the next case from the same registry
            for extra in registry.parent.iterdir():
                if extra.name != "registry.yaml":
                    extra.unlink()
    refused = sum(1 for code in outcomes.values() if code == 2)
    assert refused >= len(outcomes) - 6, outcomes  # only a cut in the last lines of a file can be complete


def test_a_chat_naming_a_shared_organisation_otherwise_is_refused_and_changes_nothing(
    seed, seed_registry, tmp_path: Path
) -> None:
    """Organisations are shared nodes: chat B may not rename the seed's host (SHACL alone lets two names through)."""
    good, out = seed_registry
    registry = tmp_path / "sources" / "registry.yaml"
    registry.parent.mkdir()
    shutil.copy(good.parent / SEED.name, registry.parent / SEED.name)
    registry.write_bytes(good.read_bytes())
    before, registry_bytes = snapshot(out), registry.read_bytes()
    data = seed.model_dump(mode="json", exclude_defaults=True)
    orgs = [dict(o, name="Warwick School") if o["slug"] == seed.chat.host else o for o in data["organisations"]]
    chat = data["chat"] | {"slug": "2023-01-31", "date": "2023-01-31"}
    b = records_file(
        seed,
        tmp_path / "b.yaml",
        source_slug="test-b",
        chat=chat,
        organisations=orgs,
        quotes=data["quotes"][:3],
        follow_ups=[],
        measurements=[],
        influencers=[],
        lessons=[],
    )
    result = runner.invoke(app, ["add", str(b), "--registry", str(registry), "--out", str(out), "--no-reason"])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    renamed = line_of(b, "name: Warwick School")  # the build names the copy it reads, next to the registry
    assert f"{registry.parent / b.name}:{renamed}: organisations[" in result.output
    assert "is also in chat 2022-10-19" in result.output
    assert registry.read_bytes() == registry_bytes and snapshot(out) == before


def test_a_json_records_file_indented_with_tabs_still_gets_lines(seed, tmp_path: Path) -> None:
    data = seed.model_dump(mode="json", exclude_defaults=True) | {"source_slug": "test-b"}
    del data["quotes"][2]["text"]
    path = tmp_path / "b.json"
    path.write_text(json.dumps(data, indent="\t", ensure_ascii=False), encoding="utf-8")
    [problem] = problems_of(path)
    quotes = line_of(path, '"quotes"')
    item = [
        n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if n > quotes and line == "\t\t{"
    ][2]
    assert problem == f"{path}:{item}: quotes[2].text: Field required"
