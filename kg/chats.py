"""More chats: read a chat source (a report or a records file), and keep the registry of the chats the build reads.

A chat enters the graph as its own named graph (`kg.iris.source_graph(slug)`), so removing it removes exactly its
facts: people, organisations, themes and resources have deterministic IRIs, and each chat writes its own triples
about them into its own graph, so a node shared by two chats keeps the other chat's triples.

The registry (`kg/sources/registry.yaml` by default, `QIKG_REGISTRY` or `--registry` elsewhere) lists every source
with its format and SHA-256. `add` validates the whole source before anything is written and writes the registry
atomically, so a bad source changes nothing; adding the same content again changes nothing either.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from pydantic import ValidationError

from kg.records import ChatRecords
from kg.synth import is_synthetic

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REGISTRY = ROOT / "kg" / "sources" / "registry.yaml"
REPORT_SUFFIXES = (".txt",)
RECORDS_SUFFIXES = (".json", ".yaml", ".yml")
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_UNION_TAGS = {"Tweet": "tweet", "Quote": None}  # union members of ChatRecords.quotes, by their `kind`


class SourceError(ValueError):
    """A source that cannot be added or read; `problems` lists every problem found, one a line."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = problems or []
        super().__init__("\n".join([message, *(f"  {p}" for p in self.problems)]))


def registry_path() -> Path:
    """The registry in use: `QIKG_REGISTRY` when set, else the project's."""
    return Path(os.environ.get("QIKG_REGISTRY") or DEFAULT_REGISTRY)


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# --- reading a source ----------------------------------------------------------------------------------------------


def load_records(path: Path) -> ChatRecords:
    """Records of one chat source: a report (.txt, through the extractor) or a records file (.json / .yaml)."""
    path = Path(path)
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in REPORT_SUFFIXES:
        from kg.extract.report import extract

        try:
            return extract(path)
        except ValueError as error:
            raise SourceError(f"{path}: not a chat report in the known format: {error}") from None
    if suffix in RECORDS_SUFFIXES:
        return read_records_file(path)
    raise SourceError(f"{path}: unknown kind of source; expected a report ({', '.join(REPORT_SUFFIXES)}) or a "
                      f"records file ({', '.join(RECORDS_SUFFIXES)}, see docs/records-format.md)")


def read_records_file(path: Path) -> ChatRecords:
    """Parse and validate a records file; every problem is reported with its field path and line."""
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as error:
        raise SourceError(f"{path}: not valid JSON", [f"{path}:{error.lineno}: {error.msg} "
                                                      f"(column {error.colno})"]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise SourceError(f"{path}: not valid YAML", [f"{where}: {getattr(error, 'problem', None) or error}"]) \
            from None
    if not isinstance(data, dict):
        raise SourceError(f"{path}: a records file holds one mapping (source_slug, chat, quotes, ...)",
                          [f"{path}:1: found {type(data).__name__}"])
    lines = _LineIndex(text)
    try:
        records = ChatRecords.model_validate(data)
    except ValidationError as error:
        problems = _problems(path, error, data, lines)
        raise SourceError(f"{path}: {len(problems)} problem(s) in the records", problems) from None
    problems = [f"{path}:{lines.line(loc)}: {_dotted(loc)}: {message}" for loc, message in _consistency(records)]
    if problems:
        raise SourceError(f"{path}: {len(problems)} problem(s) in the records", problems)
    return records


class _LineIndex:
    """Line of any field path in a JSON or YAML text (best effort: the nearest enclosing node that has one)."""

    def __init__(self, text: str) -> None:
        try:
            self.root = yaml.compose(text)
        except yaml.YAMLError:
            self.root = None

    def line(self, loc: tuple) -> int | str:
        node, found = self.root, None
        if node is None:
            return "?"
        found = node.start_mark.line + 1
        for key in loc:
            if isinstance(node, yaml.MappingNode):
                match = next((v for k, v in node.value if getattr(k, "value", None) == str(key)), None)
                if match is None:
                    break
                node = match
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
                node = node.value[key]
            else:
                break
            found = node.start_mark.line + 1
        return found


def _dotted(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _problems(path: Path, error: ValidationError, data: dict, lines: _LineIndex) -> list[str]:
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
        line = f"{path}:{lines.line(tuple(loc))}: {_dotted(tuple(loc))}: {item['msg']}"
        if line not in out:
            out.append(line)
    return out


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
            problems.append((("quotes", i, "number"), f"quote number {quote.number} is used twice "
                                                       f"(also quotes[{seen[quote.number]}])"))
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


# --- the registry --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceEntry:
    """One chat source the build reads."""

    slug: str  # the source slug: its facts live in the named graph kg.iris.source_graph(slug)
    chat: str  # the chat's slug (its date)
    path: str  # relative to the registry's folder (or absolute)
    format: Literal["report", "records"]
    sha256: str
    copied: bool = False  # `qikg add` put this copy next to the registry; `qikg remove` deletes it


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

    @classmethod
    def load(cls, path: Path | None = None) -> Registry:
        """The registry at `path`; with no file, the reports found next to it (how the seed was read before)."""
        path = Path(path or registry_path())
        if not path.is_file():
            reports = sorted(path.parent.glob("*.txt")) if path.parent.is_dir() else []
            entries = []
            for report in reports:
                records = load_records(report)
                entries.append(SourceEntry(slug=records.source_slug, chat=records.chat.slug, path=report.name,
                                           format="report", sha256=sha256_file(report)))
            return cls(path, entries)
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        try:
            entries = [SourceEntry(**item) for item in data.get("sources") or []]
        except TypeError as error:
            raise SourceError(f"{path}: not a source registry: {error}") from None
        return cls(path, entries)

    def resolve(self, entry: SourceEntry) -> Path:
        candidate = Path(entry.path)
        return candidate if candidate.is_absolute() else self.path.parent / candidate

    def sources(self) -> list[Path]:
        return [self.resolve(e) for e in self.entries]

    def find(self, name: str) -> SourceEntry | None:
        """A source by its slug, its chat's slug, or its file name."""
        for entry in self.entries:
            if name in (entry.slug, entry.chat, entry.path, Path(entry.path).name) and name:
                return entry
        return None

    def text(self) -> str:
        """The registry file's content for the current entries."""
        body = {"sources": [asdict(e) for e in self.entries]}
        return ("# Chat sources the build reads, maintained by `qikg add` and `qikg remove`.\n"
                "# Each source becomes its own named graph: https://w3id.org/qikg/graph/source/<slug>.\n"
                + yaml.safe_dump(body, sort_keys=False, allow_unicode=True))

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
            raise SourceError(f"{source}: synthetic records (source slug {records.source_slug!r}) are refused: "
                              "synthetic chats are for scale work only (`qikg synth`) and never enter the real graph")
        digest = sha256_file(source)
        fmt: Literal["report", "records"] = "report" if source.suffix.lower() in REPORT_SUFFIXES else "records"
        existing = next((e for e in self.entries if e.slug == records.source_slug), None)
        if existing is not None:
            current = self.resolve(existing)
            if current.is_file() and sha256_file(current) == digest:
                return AddPlan(AddResult("unchanged", existing, records), list(self.entries))
            if not replace:
                raise SourceError(f"{source}: the chat source {records.source_slug!r} is already registered with "
                                  f"other content ({existing.path}); pass --replace to replace it")
        clash = next((e for e in self.entries if e.chat == records.chat.slug and e.slug != records.source_slug), None)
        if clash is not None:
            raise SourceError(f"{source}: the chat of {records.chat.slug} is already in the graph from source "
                              f"{clash.slug!r}; one chat has one source")
        folder = self.path.parent
        if source.resolve().parent == folder.resolve():
            target, copied = source, False
        else:
            target = folder / source.name
            if target.exists() and sha256_file(target) != digest:
                target = folder / f"{records.source_slug}{source.suffix.lower()}"
            copied = not target.exists()
        entry = SourceEntry(slug=records.source_slug, chat=records.chat.slug,
                            path=target.name if target.parent.resolve() == folder.resolve() else str(target),
                            format=fmt, sha256=digest, copied=copied or bool(existing and existing.copied))
        others = [e for e in self.entries if e.slug != records.source_slug]
        obsolete = None
        if existing is not None and existing.copied and self.resolve(existing) != self.resolve(entry):
            obsolete = self.resolve(existing)
        return AddPlan(AddResult("replaced" if existing is not None else "added", entry, records),
                       sorted([*others, entry], key=lambda e: (e.chat, e.slug)),
                       copy=(source, target) if target != source and not target.exists() else None,
                       obsolete=obsolete)

    def copy_in(self, plan: AddPlan) -> None:
        """Put the plan's copy of the source beside the registry (atomically: a reader never sees half a file)."""
        if plan.copy is None:
            return
        source, target = plan.copy
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)

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
        return entry
