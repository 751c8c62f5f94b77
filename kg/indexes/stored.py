"""The indexes the API keeps in memory, built once with the build and stored in it (`<build>/indexes/`).

Reading the catalogue from the store by SPARQL and building the FTS5 index cost seconds at 1 M quads, at every
start and every reload; a build does it once and writes:

- `catalogue.json`: the catalogue's data (kg/indexes/catalogue), compact JSON with a header naming the format
  version, the build key (kg/pipeline/manifest.build_key: the manifest's hash) and the id base it was made with;
- `search.sqlite`: the FTS5 index, an SQLite file the API opens read-only and memory-mapped, its `info` table
  naming the same key (and the SQLite and tokenizer that cut its words). `qikg add` / `remove` patch a copy of the
  previous build's (kg/indexes/search_patch.py) when it is of this format, else build it whole (`write`);
- `networks.json`: the networks' facts, the report's rankings, the organisations' context and the networkx measures
  of each network of all chats and of each chat (kg/indexes/network.py `Networks.stored`), compact JSON (every IRI
  once, the rest indexes into that list) whose header names its own format version, the build key and the networkx
  that measured (`write_networks`, `load_networks`: refused, with the reason, when absent, stale or damaged; the API
  then reads and measures from the store). JSON, not SQLite: a server needs all of it in memory at once (the graphs
  are rebuilt from every fact), so a file read in one parse is the simplest; sizes and parse times beside gzip,
  orjson and msgpack are in bench/results/startup.md.

`load` gives the catalogue only when both files are of this format and of exactly the build the store holds, with
the server's id base; anything else (absent, stale, foreign, damaged) is refused with the reason, and the caller
reads the store instead. The answers are the same either way (`Catalogue.from_data` rebuilds what `Catalogue.read`
builds; tests/api/test_stored_indexes.py compares every JSON route).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from kg.indexes import search_patch
from kg.indexes.catalogue import Catalogue
from kg.indexes.network import Fact, Measures, NetworkKey, Networks, RankingRow, StaleMeasures, StoredNetworks
from kg.indexes.search import TOKENIZE, SearchIndex

FOLDER = "indexes"
CATALOGUE_FILE = "catalogue.json"
SEARCH_FILE = "search.sqlite"
NETWORKS_FILE = "networks.json"
FORMAT = "qikg-indexes"
VERSION = 4  # raise when the stored data changes shape: older files are then refused, never misread
NETWORKS_VERSION = 1  # the same for networks.json


@dataclass
class Loaded:
    """A stored catalogue, or why there is none."""

    catalogue: Catalogue | None
    reason: str  # "loaded" or why the files were not used
    seconds: float = 0.0


def _header(key: str, id_base: str) -> dict[str, str]:
    return {"format": FORMAT, "version": str(VERSION), "build_key": key, "id_base": id_base}


def write(
    build_dir: Path, catalogue: Catalogue, key: str, previous: Path | None = None
) -> dict[str, float | int | str]:
    """Write `<build_dir>/indexes/` for `catalogue`, the catalogue of the build whose key is `key`; the timings and
    sizes (bytes) of what was written, and (`search`) how the search index was made.

    `previous` (`qikg add` / `remove`): the build folder this one replaces; its search index is copied and patched
    (kg/indexes/search_patch.py) when it is of this format, tokenizer and id base and the change is small; else
    (said in `search`) the index is built whole."""
    folder = Path(build_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    header = _header(key, catalogue.id_base)
    started = time.perf_counter()
    text = json.dumps({"header": header, "data": catalogue.to_data()}, ensure_ascii=False, separators=(",", ":"))
    tmp = folder / f".{CATALOGUE_FILE}.{os.getpid()}.tmp"
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, folder / CATALOGUE_FILE)
    catalogue_s = time.perf_counter() - started
    started = time.perf_counter()
    how = "built whole" if previous is None else _patched(Path(previous) / FOLDER / SEARCH_FILE, folder, catalogue, key)
    if not how.startswith("patched"):
        catalogue.search_index().save(folder / SEARCH_FILE, _search_header(key, catalogue.id_base))
    return {
        "search": how,
        "catalogue_s": round(catalogue_s, 3),
        "search_s": round(time.perf_counter() - started, 3),
        "catalogue_bytes": (folder / CATALOGUE_FILE).stat().st_size,
        "search_bytes": (folder / SEARCH_FILE).stat().st_size,
    }


def _search_header(key: str, id_base: str) -> dict[str, str]:
    """The search file's `info`: the header, and the SQLite whose FTS5 cut its words (a patch must cut the same)."""
    return {**_header(key, id_base), "sqlite": sqlite3.sqlite_version, "tokenize": TOKENIZE}


def _patched(source: Path, folder: Path, catalogue: Catalogue, key: str) -> str:
    """Patch a copy of the previous build's search file `source` into `folder` for `catalogue`: "patched: ..." when
    done, else why not (the caller builds the index whole)."""
    if not source.is_file():
        return f"built whole: no previous index ({source} is absent)"
    try:
        db, info = SearchIndex.connect(source)
        db.close()
    except (OSError, sqlite3.Error) as error:
        return f"built whole: the previous index is unreadable ({error})"
    want = _search_header(key, catalogue.id_base)
    for name, what in (("format", "format"), ("version", "format version"), ("id_base", "id base")):
        if info.get(name) != want[name]:
            return f"built whole: the previous index is of {what} {info.get(name)}, this build's is {want[name]}"
    for name, what in (("sqlite", "SQLite"), ("tokenize", "tokenizer")):
        if info.get(name) != want[name]:
            return f"built whole: the previous index's words were cut by {what} {info.get(name)}, not {want[name]}"
    tmp = folder / f".{SEARCH_FILE}.{os.getpid()}.tmp"
    shutil.copyfile(source, tmp)
    db = sqlite3.connect(tmp)
    # a scratch copy, used only once complete (os.replace below, after an fsync): no journal on disk, no syncs
    db.execute("PRAGMA journal_mode = MEMORY")
    db.execute("PRAGMA synchronous = OFF")
    try:
        done = search_patch.patch(db, catalogue.documents())
        with db:
            db.executemany("INSERT OR REPLACE INTO info VALUES (?, ?)", sorted(want.items()))
    except Exception as error:  # a damaged or unexpected previous index (any error): build it whole, and say why
        db.close()
        tmp.unlink(missing_ok=True)
        why = (
            error
            if isinstance(error, search_patch.CannotPatch)
            else f"the previous index could not be patched ({type(error).__name__}: {error})"
        )
        return f"built whole: {why}"
    db.close()
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, folder / SEARCH_FILE)
    return str(done)


def load(build_dir: Path, key: str | None, id_base: str) -> Loaded:
    """The stored catalogue of `build_dir` if it is of the build `key` (what the store holds) and of `id_base`, with
    its search index opened from the stored file; else none, and why."""
    started = time.perf_counter()
    folder = Path(build_dir) / FOLDER
    if key is None:
        return Loaded(None, "the store names no build")
    if not (folder / CATALOGUE_FILE).is_file() or not (folder / SEARCH_FILE).is_file():
        return Loaded(None, f"no stored indexes in {folder}")
    want = _header(key, id_base)
    try:
        stored = json.loads((folder / CATALOGUE_FILE).read_text(encoding="utf-8"))
        header = stored.get("header") if isinstance(stored, dict) else None
    except (OSError, ValueError) as error:
        return Loaded(None, f"{folder / CATALOGUE_FILE} is unreadable: {error}")
    why = _mismatch(header, want)
    if why:
        return Loaded(None, f"{folder / CATALOGUE_FILE}: {why}")
    try:  # opened now, so a later build swapped in meanwhile cannot put its file under this catalogue
        db, info = SearchIndex.connect(folder / SEARCH_FILE)
    except (OSError, sqlite3.Error) as error:
        return Loaded(None, f"{folder / SEARCH_FILE} is unreadable: {error}")
    why = _mismatch(info, want)
    if why:
        db.close()
        return Loaded(None, f"{folder / SEARCH_FILE}: {why}")
    try:
        catalogue = Catalogue.from_data(stored["data"])
    except (KeyError, TypeError, ValueError) as error:
        db.close()
        return Loaded(None, f"{folder / CATALOGUE_FILE} does not read as a catalogue: {error!r}")
    catalogue.use_stored_search(db)
    return Loaded(catalogue, "loaded", round(time.perf_counter() - started, 3))


def _mismatch(header: object, want: dict[str, str]) -> str | None:
    """Why a stored header is not the one wanted (None: it is)."""
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        return "not a qikg index file"
    if header.get("version") != want["version"]:
        return f"format version {header.get('version')}, this code reads {want['version']}"
    if header.get("build_key") != want["build_key"]:
        return "made for another build than the one the store holds"
    if "id_base" in want and header.get("id_base") != want["id_base"]:
        return f"made with the id base {header.get('id_base')}, the server uses {want['id_base']}"
    return None


# --- the networks ---------------------------------------------------------------------------------------------------


@dataclass
class LoadedNetworks:
    """Stored networks, or why there are none."""

    networks: Networks | None
    reason: str  # "loaded" or why the file was not used
    seconds: float = 0.0


def _networks_header(key: str) -> dict[str, str]:
    """networks.json's header: no id base (its IRIs are the store's own; a page URL is made from the catalogue);
    the networkx that measured (a chat's measures are reused by the next `qikg add` only if it measures alike)."""
    import networkx

    return {
        "format": FORMAT,
        "version": str(NETWORKS_VERSION),
        "content": "networks",
        "build_key": key,
        "networkx": networkx.__version__,
    }


def previous_networks(build_dir: Path) -> StoredNetworks | None:
    """The stored networks of the build `qikg add` / `remove` replaces, whatever its build key, when they are of this
    format and were measured by this networkx (None: absent, damaged or otherwise: everything is measured)."""
    path = Path(build_dir) / FOLDER / NETWORKS_FILE
    try:
        found = json.loads(path.read_bytes())
        header = found["header"]
        want = _networks_header(str(header["build_key"]))
        if _mismatch(header, want) or header.get("content") != "networks" or header.get("networkx") != want["networkx"]:
            return None
        return networks_from_data(found["data"])
    except (OSError, KeyError, TypeError, IndexError, ValueError):
        return None


def networks_data(found: StoredNetworks) -> dict:
    """The networks as compact JSON data: every IRI and word once (`terms`), everything else as its index into it;
    a fact is [kind, a, b, evidence, chat], a ranking row [ranking, label, chat, rank, participant] (null: none)."""
    terms: dict[str, int] = {}

    def t(value: str | None) -> int | None:
        return None if value is None else terms.setdefault(value, len(terms))

    def facts(rows: list[Fact]) -> list[list[int | None]]:
        return [[t(f.kind), t(f.a), t(f.b), t(f.evidence), t(f.chat)] for f in rows]

    return {
        "facts": facts(found.facts),
        "context": facts(found.context),
        "rankings": [[t(r.ranking), t(r.label), t(r.chat), r.rank, t(r.participant)] for r in found.rankings],
        "networks": [
            {
                "network": name,
                "chat": t(chat),
                "ties": list(ties),
                "sampled": m.sampled,
                "nodes": [t(n) for n in m.nodes],
                "betweenness": list(m.betweenness),
                "brokerage": list(m.brokerage),
                "communities": [[t(n) for n in c] for c in m.communities],
            }
            for (name, chat, ties), m in found.measures.items()
        ],
        "terms": list(terms),
    }


def _indexes(rows: list, width: int) -> list:
    """`rows` if each is `width` entries, each null or an index (a non-negative int); else ValueError."""
    if not isinstance(rows, list):
        raise ValueError("not a list of rows")
    for row in rows:
        if not isinstance(row, list) or len(row) != width:
            raise ValueError(f"{row!r} is not a row of {width}")
        for x in row:
            if x is not None and (type(x) is not int or x < 0):
                raise ValueError(f"{x!r} is not an index of terms")
    return rows


def _number(x: object) -> float:
    if type(x) not in (int, float):
        raise ValueError(f"{x!r} is not a number")
    return float(x)  # type: ignore[arg-type]


class StoredMeasures(Mapping[NetworkKey, Measures]):
    """The stored measures of each network, read from the file's data when first asked for (a server asks for the
    three of all chats; a chat's only when someone looks at that chat)."""

    def __init__(self, entries: list, terms: list[str]) -> None:
        self._terms = terms
        self._raw: dict[NetworkKey, dict] = {}
        for n in entries:
            chat = n["chat"]
            if chat is not None and (type(chat) is not int or chat < 0):
                raise ValueError(f"{chat!r} is not an index of terms")
            key = (str(n["network"]), None if chat is None else terms[chat], tuple(str(x) for x in n["ties"]))
            self._raw[key] = n
        self._read: dict[NetworkKey, Measures] = {}

    def __getitem__(self, key: NetworkKey) -> Measures:
        if key not in self._read:
            n, terms = self._raw[key], self._terms
            try:
                self._read[key] = Measures(
                    tuple(terms[i] for i in _indexes([n["nodes"]], len(n["nodes"]))[0]),
                    tuple(_number(x) for x in n["betweenness"]),
                    tuple(None if x is None else _number(x) for x in n["brokerage"]),
                    tuple(tuple(terms[i] for i in _indexes([c], len(c))[0]) for c in n["communities"]),
                    n["sampled"] is True,
                )
            except (KeyError, TypeError, IndexError, ValueError) as error:
                raise StaleMeasures(f"the stored {key[0]} network is damaged: {error!r}") from error
        return self._read[key]

    def __contains__(self, key: object) -> bool:
        """Whether the file holds the network, without reading it (Mapping's test reads the entry, and a damaged
        one would raise where no caller expects it)."""
        return key in self._raw

    def __iter__(self) -> Iterator[NetworkKey]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


def networks_from_data(data: dict) -> StoredNetworks:
    """What `networks_data` wrote, back as the objects `Networks` takes (KeyError, TypeError, IndexError or
    ValueError when the data is not of that shape; a network's measures are checked when first read)."""
    terms: list[str] = data["terms"]
    if not isinstance(terms, list) or not all(type(x) is str for x in terms):
        raise ValueError("terms is not a list of strings")
    t = terms

    def facts(rows: list) -> list[Fact]:  # a null where a term is required: TypeError
        return [
            Fact(t[k], t[a], t[b], None if e is None else t[e], None if c is None else t[c])
            for k, a, b, e, c in _indexes(rows, 5)
        ]

    rankings = [
        RankingRow(t[r], None if lb is None else t[lb], None if c is None else t[c], int(rank), t[p])
        for r, lb, c, rank, p in data["rankings"]
    ]
    return StoredNetworks(
        facts(data["facts"]), rankings, facts(data["context"]), StoredMeasures(data["networks"], terms)
    )


def write_networks(build_dir: Path, found: StoredNetworks, key: str) -> dict[str, float | int]:
    """Write `<build_dir>/indexes/networks.json` for the build whose key is `key`; its time and size (bytes)."""
    folder = Path(build_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    text = json.dumps(
        {"header": _networks_header(key), "data": networks_data(found)}, ensure_ascii=False, separators=(",", ":")
    )
    tmp = folder / f".{NETWORKS_FILE}.{os.getpid()}.tmp"
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, folder / NETWORKS_FILE)
    return {"networks_write_s": round(time.perf_counter() - started, 3), "networks_bytes": len(text.encode())}


def load_networks(build_dir: Path, key: str | None) -> LoadedNetworks:
    """The stored networks of `build_dir` if they are of the build `key` (what the store holds); else none, and why
    (absent, unreadable, of another format version or build, not of the expected shape)."""
    started = time.perf_counter()
    path = Path(build_dir) / FOLDER / NETWORKS_FILE
    if key is None:
        return LoadedNetworks(None, "the store names no build")
    if not path.is_file():
        return LoadedNetworks(None, f"no stored networks ({path} is absent)")
    try:
        stored = json.loads(path.read_bytes())
        header = stored.get("header") if isinstance(stored, dict) else None
    except (OSError, ValueError) as error:
        return LoadedNetworks(None, f"{path} is unreadable: {error}")
    want = _networks_header(key)
    why = _mismatch(header, want)
    if why is None and header.get("content") != "networks":  # type: ignore[union-attr]
        why = "not a networks file"
    if why:
        return LoadedNetworks(None, f"{path}: {why}")
    try:
        networks = Networks(stored=networks_from_data(stored["data"]))
    except (KeyError, TypeError, IndexError, ValueError) as error:
        return LoadedNetworks(None, f"{path} does not read as networks: {error!r}")
    return LoadedNetworks(networks, "loaded", round(time.perf_counter() - started, 3))
