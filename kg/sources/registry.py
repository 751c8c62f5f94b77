"""More chats: read a chat source (a report or a records file), and keep the registry of the chats the build reads.

A chat enters the graph as its own named graph (`kg.iris.source_graph(slug)`), so removing it removes exactly its
facts: people, organisations, themes and resources have deterministic IRIs, and each chat writes its own triples
about them into its own graph, so a node shared by two chats keeps the other chat's triples.

The registry (`<data directory>/registry.yaml`, `QIKG_REGISTRY` or `--registry` elsewhere; `kg.settings`) lists every
source with its format and SHA-256. Where there is no registry file yet, the registry is the packaged seed
(`kg/sources/registry.yaml`, read-only: it ships in the wheel), whose sources are named package-relative
(`package:kg/sources/....txt`), so the first `qikg add` writes a registry into the data directory that still finds
the seed wherever qikg is installed. `add` validates the whole source before anything is written and writes the registry
atomically, so a bad source changes nothing; adding the same content again changes nothing either.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kg import iris
from kg.records import ChatRecords, handle_fields, is_handle, is_synthetic, slug_fields
from kg.sources.aliases import AliasTable
from kg.sources.curation import curation_path
from kg.sources.inputs import InputError, LineIndex, dotted, load_data, validation_problems

PACKAGES_DIR = Path(__file__).resolve().parents[2]  # the folder the kg package is installed in (site-packages)
SEED_REGISTRY = Path(__file__).resolve().parent / "registry.yaml"  # package data: the repo's own seed report
PACKAGE = "package:"  # a registered path relative to PACKAGES_DIR (a packaged source), e.g. package:kg/sources/x.txt
REPORT_SUFFIXES = (".txt",)
RECORDS_SUFFIXES = (".json", ".yaml", ".yml")
LineOf = Callable[[tuple], "int | str"]  # the line of a field path in the file the records were read from
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_UNION_TAGS = {"Tweet": "tweet", "Quote": None}  # union members of ChatRecords.quotes, by their `kind`


class SourceError(InputError):
    """A source that cannot be added or read; `problems` lists every problem found, one a line."""


def package_path(path: Path) -> str | None:
    """`package:kg/...` for a file inside the installed packages (the seed report), else None."""
    path = Path(path).absolute()
    for package in ("kg", "api", "visualizations"):
        if path.is_relative_to(PACKAGES_DIR / package):
            return PACKAGE + path.relative_to(PACKAGES_DIR).as_posix()
    return None


def from_package(name: str) -> Path | None:
    """The file a `package:` name stands for (None when `name` is not one)."""
    if not name.startswith(PACKAGE):
        return None
    rest = Path(name.removeprefix(PACKAGE))
    if rest.is_absolute() or ".." in rest.parts:
        raise SourceError(f"{name}: a package path names a file inside the installed package")
    return PACKAGES_DIR / rest


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# --- reading a source ----------------------------------------------------------------------------------------------


def load_records(path: Path) -> ChatRecords:
    """Records of one chat source: a report (.txt, through the extractor) or a records file (.json / .yaml).

    Either way the records pass the same checks (`check_records`), so a report cannot bring in what a records file
    could not: a handle Twitter would not allow, two organisations under one slug, a quote of no question.
    """
    path = Path(path)
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix in REPORT_SUFFIXES:
            from kg.extract.report import extract

            records = extract(path)

            def line_of(loc: tuple) -> int | str:
                return _record_line(records, loc)

            # the report is kept as converted: a quote of an unknown question stays a build warning, not an error
            problems = [
                f"{path}:{line_of(loc)}: {dotted(loc)}: {message}"
                for loc, message in check_records(records, line_of, references=False)
            ]
            if problems:
                raise SourceError(f"{path}: {len(problems)} problem(s) in the records read from the report", problems)
            return records
        if suffix in RECORDS_SUFFIXES:
            return read_records_file(path)
    except SourceError:
        raise
    except InputError as error:  # the file itself, or the curation in kg/data it is read with
        raise SourceError(str(error).split("\n", 1)[0], error.problems) from None
    raise SourceError(
        f"{path}: unknown kind of source; expected a report ({', '.join(REPORT_SUFFIXES)}) or a "
        f"records file ({', '.join(RECORDS_SUFFIXES)}, see docs/records-format.md)"
    )


def read_records_file(path: Path) -> ChatRecords:
    """Parse and validate a records file; every problem is reported with its field path and line."""
    data, lines = load_data(path)
    if not isinstance(data, dict):
        raise SourceError(
            f"{path}: a records file holds one mapping (source_slug, chat, quotes, ...)",
            [f"{path}:1: (top level): found {type(data).__name__}"],
        )
    try:
        records = ChatRecords.model_validate(data)
    except ValidationError as error:
        problems = _problems(path, error, data, lines)
        raise SourceError(f"{path}: {len(problems)} problem(s) in the records", problems) from None
    problems = [
        f"{path}:{lines.line(loc)}: {dotted(loc)}: {message}" for loc, message in check_records(records, lines.line)
    ]
    if problems:
        raise SourceError(f"{path}: {len(problems)} problem(s) in the records", problems)
    return records


def _record_line(records: ChatRecords, loc: tuple) -> int | str:
    """The source line of the innermost record on a field path (records read from a report carry their lines)."""
    node: object = records
    found: int | str = "?"
    for key in loc:
        try:
            node = node[key] if isinstance(key, int) else getattr(node, key)  # type: ignore[index]
        except (IndexError, AttributeError, TypeError):
            break
        found = getattr(node, "line", found)
    if found == "?":
        found = records.chat.line
    return found


def _problems(path: Path, error: ValidationError, data: dict, lines: LineIndex) -> list[str]:
    """pydantic's errors as `file:line: field.path: message`, keeping only the union member the item claims."""
    out: list[str] = []
    for item in error.errors():
        loc = list(item["loc"])
        if len(loc) >= 3 and loc[0] == "quotes" and isinstance(loc[1], int) and loc[2] in _UNION_TAGS:
            quotes = data.get("quotes") or []
            kind = quotes[loc[1]].get("kind") if loc[1] < len(quotes) and isinstance(quotes[loc[1]], dict) else None
            wanted = "Tweet" if kind in (None, "tweet") else "Quote"  # only a tweet may leave `kind` out
            if loc[2] != wanted:
                continue
            del loc[2]
        line = f"{path}:{lines.line(tuple(loc))}: {dotted(tuple(loc))}: {item['msg']}"
        if line not in out:
            out.append(line)
    return out


def check_records(
    records: ChatRecords, line_of: LineOf, aliases: AliasTable | None = None, *, references: bool = True
) -> list[tuple[tuple, str]]:
    """What the types cannot say: slugs fit IRIs, handles are handles, numbers and slugs are unique, references
    point at something (unless `references` is False). Each problem is (field path, message); `line_of` gives the
    line of a field path."""
    aliases = aliases or AliasTable.load().with_reports([records])
    own = _consistency(records)
    if not references:
        own = [(loc, message) for loc, message in own if loc in (("source_slug",), ("chat", "slug"))]
    slugs = [
        (loc, f"{slug!r} is not a slug (lower-case words and digits joined by '-'): it names a node of the graph")
        for loc, slug in slug_fields(records)
        if not SLUG.match(slug)
    ]
    return [*own, *slugs, *_handle_problems(records, aliases), *_conflicting_duplicates(records, aliases, line_of)]


def _consistency(records: ChatRecords) -> list[tuple[tuple, str]]:
    """What the types cannot say: slugs fit IRIs, numbers are unique, references point at something."""
    problems: list[tuple[tuple, str]] = []
    if not SLUG.match(records.source_slug):
        problems.append((("source_slug",), "must be lower-case words joined by '-' (it names the chat's graph)"))
    if not SLUG.match(records.chat.slug):
        problems.append((("chat", "slug"), "must be lower-case words and digits joined by '-', e.g. 2022-10-19"))
    seen: dict[int, int] = {}
    for i, quote in enumerate(records.quotes):
        if quote.number in seen:
            problems.append(
                (
                    ("quotes", i, "number"),
                    f"quote number {quote.number} is used twice (also quotes[{seen[quote.number]}])",
                )
            )
        seen.setdefault(quote.number, i)
    questions = {q.number for q in records.questions}
    if len(questions) != len(records.questions):
        problems.append((("questions",), "two questions have the same number"))
    for i, quote in enumerate(records.quotes):
        if quote.question is not None and quote.question not in questions:
            problems.append((("quotes", i, "question"), f"no question number {quote.question} in this chat"))
    orgs = {o.slug for o in records.organisations}
    for key in ("host", "report_for"):
        if getattr(records.chat, key) not in orgs:
            problems.append((("chat", key), f"{getattr(records.chat, key)!r} is not an organisation slug of the file"))
    return problems


def _handle_problems(records: ChatRecords, aliases: AliasTable) -> list[tuple[tuple, str]]:
    """A handle is what Twitter allows; a misprint the source really shows passes once aliases.yaml lists it."""
    problems = []
    for loc, handle in handle_fields(records):
        if not is_handle(handle) and handle.lstrip("@") not in aliases.reasons:
            problems.append(
                (
                    loc,
                    f"{handle!r} is not a Twitter handle (1-15 letters, digits or '_', with or without "
                    "'@'); a misprint the source really shows can be listed as an alias of the "
                    "account in kg/data/aliases.yaml",
                )
            )
    return problems


def _identities(aliases: AliasTable) -> list[tuple[str, str, Callable[[Any], str | None], tuple[str, ...], str]]:
    """Records that are one node of the graph when their key is the same: (list, noun, key, facts, how to fix)."""
    return [
        ("organisations", "organisation", lambda o: o.slug, ("name", "kind", "part_of", "handle"), "each its own slug"),
        (
            "people",
            "person",
            lambda p: f"@{aliases.canonical(p.handle)}" if p.handle else None,
            ("name",),
            "list the handles as two accounts",
        ),
        (
            "people",
            "person",
            lambda p: None if p.handle else iris.person_name(p.name).rsplit("/", 1)[1],
            ("name",),
            "spell the two names apart",
        ),
        ("resources", "resource", lambda r: r.slug, ("title", "type"), "each its own slug"),
    ]


# a person's name with and without a title ('Dr Nicola Burgess', 'Nicola Burgess') is one name: reports print both
# (other case is not: that stays a conflict to review)
_TITLES = re.compile(r"^(?:(?:Dr|Prof|Professor|Mr|Mrs|Ms|Mx|Miss|Sir|Dame)\.?\s+)+", re.IGNORECASE)


def _same(what: str, fact: str, a: Any, b: Any) -> bool:
    if what == "person" and fact == "name" and isinstance(a, str) and isinstance(b, str):
        return _TITLES.sub("", " ".join(a.split())) == _TITLES.sub("", " ".join(b.split()))
    return a == b


def _clashes(mine: Any, theirs: Any, facts: tuple[str, ...], what: str = "") -> Iterator[tuple[str, Any, Any]]:
    """Facts both records state, differently (a fact one leaves out is no conflict: the build merges both; a
    person's name printed with or without a title is the same name, each chat's graph keeps its printing)."""
    for fact in facts:
        a, b = getattr(mine, fact), getattr(theirs, fact)
        if a is not None and b is not None and not _same(what, fact, a, b):
            yield fact, a, b


def _conflicting_duplicates(records: ChatRecords, aliases: AliasTable, line_of: LineOf) -> list[tuple[tuple, str]]:
    """One slug (or handle) is one node of the graph: two records of it in one file must not state different facts."""
    problems: list[tuple[tuple, str]] = []
    for kind, what, key, facts, fix in _identities(aliases):
        items = getattr(records, kind)
        first: dict[str, int] = {}
        for i, item in enumerate(items):
            k = key(item)
            if k is None or first.setdefault(k, i) == i:
                continue
            j = first[k]
            for fact, mine, theirs in _clashes(item, items[j], facts, what):
                problems.append(
                    (
                        (kind, i, fact),
                        f"the {what} {k!r} is also {kind}[{j}] (line {line_of((kind, j))}), "
                        f"with {fact} {theirs!r} there and {mine!r} here: one {what} is one node of the "
                        f"graph; give both the same {fact}, or {fix}",
                    )
                )
    return problems


def source_lines(path: Path, records: ChatRecords) -> LineOf:
    """The line of a field path in the file `records` were read from (a report: the record's own line)."""
    if Path(path).suffix.lower() in REPORT_SUFFIXES:
        return lambda loc: _record_line(records, loc)
    try:
        return load_data(path)[1].line
    except InputError:
        return lambda loc: "?"


def check_across(sources: list[tuple[Path, ChatRecords]], aliases: AliasTable | None = None) -> list[str]:
    """Chats share organisation and person nodes: a later chat must not state other facts about one (another name for
    the same slug) than an earlier chat does; each problem as `FILE:LINE: field: message`. Resources are not checked
    here: a resource several chats print is one node whatever case its title is printed in, and one title, DOI or
    address is one resource (`kg.rdf.identity`, which keeps each chat's printing)."""
    aliases = aliases or AliasTable.load().with_reports(records for _, records in sources)
    problems: list[str] = []
    lines = {path: source_lines(path, records) for path, records in sources}
    for kind, what, key, facts, fix in _identities(aliases):
        if kind == "resources":
            continue  # across chats a resource is one node by title, DOI or address, named once (kg.rdf.identity)
        first: dict[str, tuple[Path, ChatRecords, int]] = {}
        for path, records in sources:
            for i, item in enumerate(getattr(records, kind)):
                k = key(item)
                if k is None:
                    continue
                where = first.setdefault(k, (path, records, i))
                if where[0] == path:
                    continue  # within one file: check_records' business
                theirs = getattr(where[1], kind)[where[2]]
                for fact, mine, other in _clashes(item, theirs, facts, what):
                    loc = (kind, i, fact)
                    problems.append(
                        f"{path}:{lines[path](loc)}: {dotted(loc)}: the {what} {k!r} is also in chat "
                        f"{where[1].chat.slug} ({where[0]}:{lines[where[0]]((kind, where[2]))}), with {fact} "
                        f"{other!r} there and {mine!r} here: one {what} is one node of the graph for all chats; give "
                        f"both the same {fact}, or {fix}"
                    )
    return problems


# --- the registry --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceEntry:
    """One chat source the build reads."""

    slug: str  # the source slug: its facts live in the named graph kg.iris.source_graph(slug)
    chat: str  # the chat's slug (its date)
    path: str  # relative to the registry's folder, `package:kg/...` (a packaged source), or absolute
    format: Literal["report", "records"]
    sha256: str
    copied: bool = False  # `qikg add` put this copy next to the registry; `qikg remove` deletes it


class _RegistryEntry(BaseModel):
    """What `SourceEntry` holds, checked as it is read back from the registry file."""

    model_config = ConfigDict(extra="forbid", strict=True)

    slug: str = Field(min_length=1)
    chat: str = Field(min_length=1)
    path: str = Field(min_length=1)
    format: Literal["report", "records"]
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    copied: bool = False


class _RegistryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sources: list[_RegistryEntry] | None = None


@dataclass
class AddResult:
    status: Literal["added", "unchanged", "replaced"]
    entry: SourceEntry
    records: ChatRecords


@dataclass
class AddPlan:
    """What `Registry.add` would change: the result, the new entries, a copy to make and a replaced copy to drop."""

    result: AddResult
    entries: list[SourceEntry]
    copy: tuple[Path, Path] | None = None  # (source, where its copy goes beside the registry)
    obsolete: Path | None = None  # the replaced source's copy, deleted once the new registry is in place


@dataclass
class Registry:
    path: Path
    entries: list[SourceEntry] = field(default_factory=list)
    _lines: dict[int, int | str] = field(default_factory=dict, repr=False, compare=False)  # entry -> line of its path

    @classmethod
    def load(cls, path: Path | None = None) -> Registry:
        """The registry at `path` (default: the packaged seed); with no file there yet, the seed's entries, to be
        saved at `path` by the first change."""
        path = Path(path or SEED_REGISTRY)
        if not path.is_file():
            seed = cls.load(SEED_REGISTRY) if SEED_REGISTRY.is_file() else cls(SEED_REGISTRY)
            entries = [replace(e, path=package_path(seed.resolve(e)) or e.path) for e in seed.entries]
            return cls(path, entries)
        try:
            data, lines = load_data(path)
        except InputError as error:
            raise SourceError(str(error).split("\n", 1)[0], error.problems) from None
        if not isinstance(data, dict | None):
            raise SourceError(
                f"{path}: not a source registry",
                [
                    f"{path}:{lines.line(())}: (top level): found {type(data).__name__}; a registry is a mapping with "
                    "`sources:`, a list of entries (slug, chat, path, format, sha256, copied)"
                ],
            )
        try:
            checked = _RegistryFile.model_validate({} if data is None else data)
        except ValidationError as error:
            problems = validation_problems(path, error, lines)
            raise SourceError(f"{path}: not a source registry ({len(problems)} problem(s))", problems) from None
        entries = [SourceEntry(**item.model_dump()) for item in checked.sources or []]
        problems = [
            f"{path}:{lines.line(('sources', i, 'slug'))}: sources[{i}].slug: {e.slug!r} is registered twice"
            for i, e in enumerate(entries)
            if e.slug in [x.slug for x in entries[:i]]
        ]
        if problems:
            raise SourceError(f"{path}: not a source registry ({len(problems)} problem(s))", problems)
        registry = cls(path, entries)
        registry._lines = {i: lines.line(("sources", i, "path")) for i in range(len(entries))}
        return registry

    def resolve(self, entry: SourceEntry) -> Path:
        packaged = from_package(entry.path)
        if packaged is not None:
            return packaged
        candidate = Path(entry.path)
        return candidate if candidate.is_absolute() else self.path.parent / candidate

    def sources(self) -> list[Path]:
        """The files the build reads; a registered file that is not there is an error naming its registry line."""
        paths = [self.resolve(e) for e in self.entries]
        lines = self._lines
        missing = [
            f"{self.path}:{lines.get(i, '?')}: sources[{i}].path: no such file {str(p)!r}"
            for i, p in enumerate(paths)
            if not p.is_file()
        ]
        if missing:
            raise SourceError(f"{self.path}: {len(missing)} registered source(s) missing", missing)
        return paths

    def find(self, name: str) -> SourceEntry | None:
        """A source by its slug, its chat's slug, or its file name."""
        for entry in self.entries:
            if name in (entry.slug, entry.chat, entry.path, Path(entry.path).name) and name:
                return entry
        return None

    def text(self) -> str:
        """The registry file's content for the current entries."""
        body = {"sources": [asdict(e) for e in self.entries]}
        return (
            "# Chat sources the build reads, maintained by `qikg add` and `qikg remove`.\n"
            "# Each source becomes its own named graph: https://w3id.org/qikg/graph/source/<slug>.\n"
            + yaml.safe_dump(body, sort_keys=False, allow_unicode=True)
        )

    def save(self, path: Path | None = None) -> None:
        """Write the registry (to `path`, default its own file) atomically: a temporary file, then a rename."""
        target = Path(path or self.path)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.write_text(self.text(), encoding="utf-8")
        os.replace(tmp, target)

    def plan_add(self, source: Path, *, replace: bool = False) -> AddPlan:
        """Validate `source` and work out what adding it changes, without writing anything."""
        source = Path(source)
        records = load_records(source)
        if is_synthetic(records):
            raise SourceError(
                f"{source}: synthetic records (source slug {records.source_slug!r}) are refused: "
                "synthetic chats are for scale work only (`python -m bench.synth`) and never enter the real graph"
            )
        digest = sha256_file(source)
        fmt: Literal["report", "records"] = "report" if source.suffix.lower() in REPORT_SUFFIXES else "records"
        existing = next((e for e in self.entries if e.slug == records.source_slug), None)
        if existing is not None:
            current = self.resolve(existing)
            if current.is_file() and sha256_file(current) == digest:
                return AddPlan(AddResult("unchanged", existing, records), list(self.entries))
            if not replace:
                raise SourceError(
                    f"{source}: the chat source {records.source_slug!r} is already registered with "
                    f"other content ({existing.path}); pass --replace to replace it"
                )
        clash = next((e for e in self.entries if e.chat == records.chat.slug and e.slug != records.source_slug), None)
        if clash is not None:
            raise SourceError(
                f"{source}: the chat of {records.chat.slug} is already in the graph from source "
                f"{clash.slug!r}; one chat has one source"
            )
        folder = self.path.parent
        if source.resolve().parent == folder.resolve():
            target, copied = source, False
        else:
            target = folder / source.name
            if target.exists() and sha256_file(target) != digest:
                target = folder / f"{records.source_slug}{source.suffix.lower()}"
            copied = not target.exists()
        entry = SourceEntry(
            slug=records.source_slug,
            chat=records.chat.slug,
            path=target.name if target.parent.resolve() == folder.resolve() else str(target),
            format=fmt,
            sha256=digest,
            copied=copied or bool(existing and existing.copied),
        )
        others = [e for e in self.entries if e.slug != records.source_slug]
        obsolete = None
        if existing is not None and existing.copied and self.resolve(existing) != self.resolve(entry):
            obsolete = self.resolve(existing)
        return AddPlan(
            AddResult("replaced" if existing is not None else "added", entry, records),
            sorted([*others, entry], key=lambda e: (e.chat, e.slug)),
            copy=(source, target) if target != source and not target.exists() else None,
            obsolete=obsolete,
        )

    def copy_in(self, plan: AddPlan) -> None:
        """Put the plan's copy of the source beside the registry (atomically: a reader never sees half a file)."""
        if plan.copy is None:
            return
        source, target = plan.copy
        target.parent.mkdir(parents=True, exist_ok=True)
        # the report's own curation (REPORT.curation.yaml) travels with it: it is checked against that text only
        pairs = [(source, target), (curation_path(source), curation_path(target))]
        for src, dst in pairs:
            if src.is_file():
                tmp = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
                shutil.copyfile(src, tmp)
                os.replace(tmp, dst)

    def add(self, source: Path, *, replace: bool = False) -> AddResult:
        """Validate `source` and register it (copied next to the registry). Nothing is written on any error."""
        plan = self.plan_add(source, replace=replace)
        if plan.result.status == "unchanged":
            return plan.result
        self.copy_in(plan)
        self.entries = plan.entries
        self.save()
        if plan.obsolete is not None:
            plan.obsolete.unlink(missing_ok=True)
        return plan.result

    def plan_remove(self, name: str) -> tuple[SourceEntry, list[SourceEntry]]:
        """The entry `name` finds and the entries without it; nothing is written."""
        entry = self.find(name)
        if entry is None:
            known = ", ".join(f"{e.slug} ({e.chat})" for e in self.entries) or "none"
            raise SourceError(f"no chat {name!r} in {self.path}; registered: {known}")
        return entry, [e for e in self.entries if e != entry]

    def remove(self, name: str) -> SourceEntry:
        """Unregister one chat (and delete the copy `add` made); the next build has no graph for it."""
        entry, self.entries = self.plan_remove(name)
        self.save()
        if entry.copied:
            self.resolve(entry).unlink(missing_ok=True)
            curation_path(self.resolve(entry)).unlink(missing_ok=True)
        return entry
