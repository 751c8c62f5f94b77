"""TEST DATA shared by the swap / transaction / reload tests: two small chats cut from the seed report's records.

Chat A is the seed chat with its first three questions (every fact still the report's); chat B is made from part of
the seed's records, dated as the follow-up the seed announces. Both build in a few
seconds without the reasoner.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import yaml

from kg.records import ChatRecords
from kg.sources.registry import Registry, load_records

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "kg" / "sources" / "leadingqi-2022-10-19-report.txt"
CHAT_B_GRAPH = "https://w3id.org/qikg/graph/source/test-chat-b"


@cache
def _seed() -> ChatRecords:
    return load_records(SEED)


def chat_a() -> ChatRecords:
    seed = _seed()
    return seed.model_copy(
        update={
            "questions": [q for q in seed.questions if q.number <= 3],
            "quotes": [q for q in seed.quotes if q.question in (2, 3)],
            "resources": seed.resources[:3],
            "measurements": [],
        }
    )


def chat_b_from(seed: ChatRecords, **changes) -> ChatRecords:
    """TEST DATA: a second chat made from part of the seed's records, dated as the follow-up the seed announces.

    Its people, organisations and resources are the seed's, so they are shared nodes; its chat, questions and quotes
    are its own (minted from its own chat slug)."""
    update = {
        "source_slug": "test-chat-b",
        "source_title": "Test chat B (test data)",
        "source_path": "chat-b.yaml",
        "chat": seed.chat.model_copy(
            update={"slug": "2023-01-31", "date": dt.date(2023, 1, 31), "timezone": "GMT", "utc_offset": "+00:00"}
        ),
        "follow_ups": [],
        "questions": [q for q in seed.questions if q.number <= 3],
        "quotes": [q for q in seed.quotes if q.question in (2, 3)],
        "measurements": [],
        "influencers": [],
        "lessons": [],
        "resources": seed.resources[:3],
        "warnings": [],
    }
    update.update(changes)
    return seed.model_copy(update=update)


def chat_b() -> ChatRecords:
    return chat_b_from(_seed())


def write_records(records: ChatRecords, path: Path) -> Path:
    data = records.model_dump(mode="json", exclude_defaults=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def qikg(
    *args: str, env: dict[str, str] | None = None, check: bool = True, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """The real command line in its own process."""
    result = subprocess.run(
        [sys.executable, "-m", "kg.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def make_world(base: Path) -> tuple[Path, Path, Path]:
    """A registry holding chat A (`base/sources/registry.yaml`), its build (`base/out`) and chat B's file."""
    registry = base / "sources" / "registry.yaml"
    Registry(registry).add(write_records(chat_a(), base / "chat-a.yaml"))
    (base / "chat-a.yaml").unlink()
    out = base / "out"
    qikg("build", "--registry", str(registry), "--out", str(out), "--no-reason")
    return registry, out, write_records(chat_b(), base / "chat-b.yaml")


def copy_world(world: Path, target: Path) -> tuple[Path, Path, Path]:
    shutil.copytree(world, target)
    return target / "sources" / "registry.yaml", target / "out", target / "chat-b.yaml"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def built_registry(out: Path) -> str | None:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8")).get("registry_sha256")


def has_chat_b(out: Path) -> bool:
    """Whether the build's TriG holds chat B's named graph."""
    store = ox.Store()
    store.bulk_load(path=str(out / "qikg.trig"), format=ox.RdfFormat.TRIG)
    return ox.NamedNode(CHAT_B_GRAPH) in set(store.named_graphs())
