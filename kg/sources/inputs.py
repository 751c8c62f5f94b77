"""Reading the files people hand to qikg (chat sources, the registry, the curation in kg/data) without tracebacks.

Every problem becomes one line `FILE:LINE: field.path: message`, so a bad file says what is wrong and where:
text that is not UTF-8 (a binary file, UTF-16), YAML or JSON syntax, duplicate keys (PyYAML and `json` keep the
last value silently), and pydantic validation errors, whose location path is mapped back to the line of the node
(PyYAML's composer records a line for every node, and JSON is read by it too for that purpose).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

BOMS = {b"\xff\xfe": "UTF-16", b"\xfe\xff": "UTF-16"}
# libyaml's parser where PyYAML has it (same nodes, marks and errors, ~15x faster), else PyYAML's own
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class InputError(ValueError):
    """A file that cannot be used; `problems` lists every problem found, one a line (`FILE:LINE: field: message`)."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = problems or []
        super().__init__("\n".join([message, *(f"  {p}" for p in self.problems)]))


def dotted(loc: tuple | list) -> str:
    """A field path as written in the docs: `quotes[1].text`; `(top level)` for the whole document."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _line_of(raw: bytes, offset: int) -> tuple[int, int]:
    line = raw.count(b"\n", 0, offset) + 1
    return line, offset - (raw.rfind(b"\n", 0, offset) + 1) + 1


def read_text(path: Path) -> tuple[bytes, str]:
    """The bytes and the UTF-8 text of `path` (a UTF-8 byte-order mark is dropped); binary or UTF-16 is an error."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot be read", [f"{path}:1: (file): {error.strerror or error}"]) from None
    for bom, name in BOMS.items():
        if raw.startswith(bom):
            raise InputError(
                f"{path}: not UTF-8 text",
                [
                    f"{path}:1: (encoding): the file is {name} text (it starts with a {name} byte-order mark); "
                    "save it as UTF-8"
                ],
            )
    if b"\x00" in raw:
        line, column = _line_of(raw, raw.index(b"\x00"))
        raise InputError(
            f"{path}: not a text file",
            [
                f"{path}:{line}: (encoding): a NUL byte at column {column}: this is a binary file (or UTF-16 "
                "without a byte-order mark), not UTF-8 text"
            ],
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = _line_of(raw, error.start)
        raise InputError(
            f"{path}: not UTF-8 text",
            [
                f"{path}:{line}: (encoding): byte 0x{raw[error.start]:02x} at column {column} is not UTF-8 "
                f"({error.reason}): a binary file, or text in another encoding; save it as UTF-8"
            ],
        ) from None
    return raw, text.removeprefix("\ufeff")


# --- YAML and JSON with lines ---------------------------------------------------------------------------------------


def _yaml_problem(path: Path, text: str, error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    if mark is not None:
        line = mark.line + 1
    elif isinstance(error, yaml.reader.ReaderError):
        line = text.count("\n", 0, error.position) + 1
    else:
        line = 1
    if isinstance(error, yaml.reader.ReaderError):
        message = f"character {error.character!r} is not allowed in YAML text (a binary file?)"
    else:
        message = " ".join(str(x) for x in (getattr(error, "context", None), getattr(error, "problem", None)) if x)
    return f"{path}:{line}: (syntax): {message or error}"


def _walk(node: yaml.Node, loc: tuple = ()) -> Iterator[tuple[tuple, yaml.Node]]:
    """Every node with its field path, each node once (anchors and aliases make a graph, not a tree)."""
    seen: set[int] = set()
    stack = [(loc, node)]
    while stack:
        loc, node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield loc, node
        if isinstance(node, yaml.MappingNode):
            stack += [(loc + (getattr(k, "value", "?"),), v) for k, v in reversed(node.value)]
        elif isinstance(node, yaml.SequenceNode):
            stack += [(loc + (i,), v) for i, v in reversed(list(enumerate(node.value)))]


def duplicate_keys(path: Path, root: yaml.Node | None) -> list[str]:
    """Keys given twice in one mapping (YAML and JSON readers keep the last value without a word)."""
    problems = []
    for loc, node in _walk(root) if root is not None else ():
        if not isinstance(node, yaml.MappingNode):
            continue
        first: dict[tuple[str, str], int] = {}
        for key, _value in node.value:
            if not isinstance(key, yaml.ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
                continue
            line = key.start_mark.line + 1
            if (key.tag, key.value) in first:
                problems.append(
                    f"{path}:{line}: {dotted(loc + (key.value,))}: duplicate key (also on line "
                    f"{first[key.tag, key.value]}); each key may appear once"
                )
            first.setdefault((key.tag, key.value), line)
    return problems


MAX_NODES = 1_000_000  # a records file of a long chat has tens of thousands; YAML aliases can make billions


def _expanded_size(path: Path, root: yaml.Node | None) -> list[str]:
    """How many nodes the data has once aliases are expanded (what pydantic would walk): a recursive alias, or
    a 'billion laughs' of aliases of aliases, is an error rather than a hang."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node) -> int:
        if id(node) in sizes:
            return sizes[id(node)]
        if id(node) in open_nodes:
            raise InputError(
                f"{path}: not usable data",
                [f"{path}:{node.start_mark.line + 1}: (syntax): a recursive alias (the node contains itself)"],
            )
        open_nodes.add(id(node))
        children = (
            [v for pair in node.value for v in pair]
            if isinstance(node, yaml.MappingNode)
            else node.value
            if isinstance(node, yaml.SequenceNode)
            else []
        )
        total = 1 + sum(size(child) for child in children)
        open_nodes.discard(id(node))
        sizes[id(node)] = total
        return total

    if root is not None and size(root) > MAX_NODES:
        return [
            f"{path}:{root.start_mark.line + 1}: (top level): the data expands to {size(root):,} values (through "
            f"YAML aliases?); at most {MAX_NODES:,} are read"
        ]
    return []


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def bad_characters(path: Path, data: Any, lines: LineIndex, loc: tuple = ()) -> list[str]:
    """Strings holding what no text has: control characters (escaped as \\u0000 and the like) or halves of a
    UTF-16 surrogate pair, which would break the graph files when they are written."""
    out: list[str] = []
    if isinstance(data, str):
        m = _CONTROL.search(data)
        if m:
            out.append(
                f"{path}:{lines.line(loc)}: {dotted(loc)}: character U+{ord(m.group()):04X} is not allowed "
                "in text (a control character or half a surrogate pair)"
            )
    elif isinstance(data, dict):
        for key, value in data.items():
            out += bad_characters(path, key, lines, loc) + bad_characters(path, value, lines, (*loc, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out += bad_characters(path, value, lines, (*loc, i))
    return out


class LineIndex:
    """The line of any field path in a YAML or JSON text: that of the nearest enclosing node that has one."""

    def __init__(self, root: yaml.Node | None) -> None:
        self.root = root

    def line(self, loc: tuple | list) -> int | str:
        node = self.root
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


def _compose(text: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=Loader)
    except yaml.YAMLError:
        pass
    try:  # libyaml refuses what PyYAML reads, e.g. JSON's escaped surrogate pairs ("\ud83d\ude04")
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None


def load_data(path: Path, *, what: str = "file") -> tuple[Any, LineIndex]:
    """Parse a YAML (or, by its suffix, JSON) file; syntax errors, bad encodings and duplicate keys are errors."""
    path = Path(path)
    _, text = read_text(path)
    if path.suffix.lower() == ".json":
        duplicates: list[str] = []

        def pairs(items: list[tuple[str, Any]]) -> dict:
            keys = [k for k, _ in items]
            duplicates.extend(k for i, k in enumerate(keys) if k in keys[:i])
            return dict(items)

        try:
            data = json.loads(text, object_pairs_hook=pairs)
        except json.JSONDecodeError as error:
            raise InputError(
                f"{path}: not valid JSON", [f"{path}:{error.lineno}: (syntax): {error.msg} (column {error.colno})"]
            ) from None
        except RecursionError:
            raise InputError(f"{path}: not valid JSON", [f"{path}:1: (syntax): nested too deeply"]) from None
        root = _compose(text.replace("\t", " "))  # JSON has no raw tab inside a string; YAML allows none as indent
        problems = bad_characters(path, data, LineIndex(root))
        if problems:
            raise InputError(f"{path}: {len(problems)} problem(s) in the text", problems)
        if duplicates:
            problems = duplicate_keys(path, root) or [
                f"{path}:?: {key}: duplicate key; each key may appear once" for key in dict.fromkeys(duplicates)
            ]
            raise InputError(f"{path}: {len(problems)} duplicate key(s)", problems)
        return data, LineIndex(root)
    loader = Loader(text)
    try:
        root = loader.get_single_node()
        problems = duplicate_keys(path, root) or _expanded_size(path, root)
        if problems:
            raise InputError(f"{path}: {len(problems)} problem(s) in the file", problems)
        data = loader.construct_document(root) if root is not None else None
        problems = bad_characters(path, data, LineIndex(root))
        if problems:
            raise InputError(f"{path}: {len(problems)} problem(s) in the text", problems)
    except yaml.YAMLError as error:
        raise InputError(f"{path}: not valid YAML", [_yaml_problem(path, text, error)]) from None
    except RecursionError:
        raise InputError(f"{path}: not valid YAML", [f"{path}:1: (syntax): nested too deeply"]) from None
    finally:
        loader.dispose()
    return data, LineIndex(root)


def validation_problems(path: Path, error: ValidationError, lines: LineIndex) -> list[str]:
    """pydantic's errors as `FILE:LINE: field.path: message`, each once."""
    out: list[str] = []
    for item in error.errors():
        loc = tuple(item["loc"])
        line = f"{path}:{lines.line(loc)}: {dotted(loc)}: {item['msg']}"
        if line not in out:
            out.append(line)
    return out


@functools.cache
def _adapter(schema: Any) -> TypeAdapter:
    return TypeAdapter(schema)


def load_checked(path: Path, schema: Any) -> tuple[Any, LineIndex]:
    """A YAML/JSON file checked against `schema` (a pydantic model or type); returns the data as read."""
    data, lines = load_data(path)
    try:
        _adapter(schema).validate_python(data)
    except ValidationError as error:
        problems = validation_problems(path, error, lines)
        raise InputError(f"{path}: {len(problems)} problem(s)", problems) from None
    return data, lines
