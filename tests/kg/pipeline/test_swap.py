"""No lost builds: the build folder is exchanged whole (its store kept), `qikg add` / `remove` are one transaction
even under kill -9, and what dead processes left behind is cleared at the next start."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from kg.pipeline.swap import clean_leftovers, folder_lock, swap_in
from kg.store import StoreError, StoreSpec, reopen
from tests.kg.smallchats import (
    ROOT,
    built_registry,
    copy_world,
    has_chat_b,
    make_world,
    qikg,
    sha256,
)


def _build_folder(path: Path, text: str) -> Path:
    path.mkdir(parents=True)
    (path / "manifest.json").write_text(text)
    return path


def test_a_swap_keeps_the_store_and_the_folder_is_never_missing(tmp_path: Path) -> None:
    """A reader looping over the build folder while builds are swapped in never finds it missing or half there."""
    out = _build_folder(tmp_path / "out", "0")
    generation = out / "store" / "gen-1"
    generation.mkdir(parents=True)
    (generation / "000001.sst").write_bytes(b"data")
    (out / "store" / "CURRENT.json").write_text('{"generation": "gen-1"}')
    misses: list[str] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                (out / "manifest.json").read_text()
                assert (generation / "000001.sst").read_bytes() == b"data"
            except (OSError, AssertionError) as error:
                misses.append(repr(error))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(1, 200):
            swap_in(_build_folder(tmp_path / f".out.tmp-{i}", str(i)), out)
    finally:
        stop.set()
        reader.join()
    assert misses == []
    assert (out / "manifest.json").read_text() == "199"
    assert (out / "store" / "CURRENT.json").read_text() == '{"generation": "gen-1"}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"], "the old builds are removed"


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_leftovers_of_dead_processes_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    out = _build_folder(tmp_path / "out", "0")
    (out / "store").mkdir()
    dead, live = _dead_pid(), subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        gone = [
            tmp_path / f".out.tmp-{dead}",
            tmp_path / f".out.old-{dead}",
            out / "store" / f".CURRENT.json.{dead}.tmp",
        ]
        kept = [
            tmp_path / f".out.tmp-{live.pid}",
            tmp_path / f".other.tmp-{dead}",
            tmp_path / f".x.{dead}.tmp",
            out / "store" / f".CURRENT.json.{live.pid}.tmp",
        ]
        for path in gone + kept:
            if path.name.endswith(".tmp"):
                path.write_text("half")
            else:
                (path / "sub").mkdir(parents=True)
        removed = clean_leftovers(out)
        assert sorted(removed) == sorted(gone)
        assert not any(p.exists() for p in gone) and all(p.exists() for p in kept)
    finally:
        live.kill()
        live.wait()


def test_the_folder_lock_is_held_across_processes_and_freed_by_kill_9(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import sys, time; from pathlib import Path; from kg.pipeline.swap import folder_lock\n"
                "with folder_lock(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(60)"
            ),
            str(tmp_path),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with folder_lock(tmp_path, blocking=False) as free:
            assert not free
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(10)
        with folder_lock(tmp_path, blocking=False) as free:
            assert free
            with folder_lock(tmp_path, blocking=False) as again:  # re-entrant in one thread
                assert again
            other: list[bool] = []

            def try_lock() -> None:
                with folder_lock(tmp_path, blocking=False) as got:
                    other.append(got)

            thread = threading.Thread(target=try_lock)
            thread.start()
            thread.join()
            assert other == [False], "another thread waits, as another process does"
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()


def test_a_generation_that_is_gone_is_refused_without_naming_its_path(tmp_path: Path) -> None:
    missing = tmp_path / "out" / "store" / "gen-1-1"
    with pytest.raises(StoreError) as caught:
        reopen(StoreSpec("oxigraph", str(missing)))
    assert str(tmp_path) not in str(caught.value)


# --- qikg add / remove under kill -9 -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Chat A registered and built; chat B's records file ready to add. Copied afresh for every case."""
    base = tmp_path_factory.mktemp("world")
    make_world(base)
    return base


def _leftovers(registry: Path, out: Path) -> list[str]:
    """Temporary files and folders of the transaction or the build: none may remain after a start."""
    names = [p.name for p in registry.parent.iterdir() if p.name.startswith(".")]
    names += [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]
    return sorted(names)


def _assert_agree(registry: Path, out: Path) -> bool:
    """Registry and build are one state: the build records this registry and holds chat B iff it is registered."""
    registered = "test-chat-b" in registry.read_text(encoding="utf-8")
    assert built_registry(out) == sha256(registry)
    assert has_chat_b(out) == registered
    copies = sorted(p.name for p in registry.parent.iterdir() if not p.name.startswith("."))
    assert copies == sorted(["registry.yaml", "chat-a.yaml"] + (["chat-b.yaml"] if registered else []))
    return registered


def _after_the_crash(registry: Path, out: Path) -> bool:
    """The next start repairs; then registry and build agree, nothing temporary is left, and a build works."""
    qikg("chats", "--registry", str(registry))
    registered = _assert_agree(registry, out)
    assert _leftovers(registry, out) == []
    qikg("build", "--registry", str(registry), "--out", str(out), "--no-reason")
    assert _assert_agree(registry, out) == registered
    assert _leftovers(registry, out) == []
    return registered


PHASES = {"copied": False, "built": True, "committed": True}  # phase -> chat B is in afterwards


@pytest.mark.parametrize("phase", list(PHASES))
def test_kill_9_of_add_at_each_phase_leaves_registry_and_build_agreeing(
    world: Path, tmp_path: Path, phase: str
) -> None:
    registry, out, chat_b = copy_world(world, tmp_path / "w")
    crashed = qikg(
        "add",
        str(chat_b),
        "--registry",
        str(registry),
        "--out",
        str(out),
        "--no-reason",
        env={**os.environ, "QIKG_CRASH_AT": phase},
        check=False,
    )
    assert crashed.returncode == -signal.SIGKILL, crashed.stdout + crashed.stderr
    assert _after_the_crash(registry, out) == PHASES[phase]


@pytest.mark.parametrize("phase", ["staged", "built"])
def test_kill_9_of_remove_leaves_registry_and_build_agreeing(world: Path, tmp_path: Path, phase: str) -> None:
    registry, out, chat_b = copy_world(world, tmp_path / "w")
    qikg("add", str(chat_b), "--registry", str(registry), "--out", str(out), "--no-reason")
    crashed = qikg(
        "remove",
        "test-chat-b",
        "--registry",
        str(registry),
        "--out",
        str(out),
        "--no-reason",
        env={**os.environ, "QIKG_CRASH_AT": phase},
        check=False,
    )
    assert crashed.returncode == -signal.SIGKILL, crashed.stdout + crashed.stderr
    assert _after_the_crash(registry, out) == (phase == "staged")  # removed once the build without B is in


@pytest.fixture(scope="module")
def add_length(world: Path, tmp_path_factory: pytest.TempPathFactory) -> float:
    """How long an uninterrupted add runs here: only to spread the kills over the run, never asserted."""
    registry, out, chat_b = copy_world(world, tmp_path_factory.mktemp("whole") / "w")
    started = time.monotonic()
    qikg("add", str(chat_b), "--registry", str(registry), "--out", str(out), "--no-reason")
    return time.monotonic() - started


_DRAWS = random.Random(20261201)
DELAYS = [(case + _DRAWS.random()) / 3 for case in range(3)]  # fractions of an add, one drawn in each third


@pytest.mark.parametrize("fraction", DELAYS, ids=[f"{d:.2f}" for d in DELAYS])
def test_kill_9_of_add_after_a_random_delay(world: Path, tmp_path: Path, add_length: float, fraction: float) -> None:
    """kill -9 from outside, at a delay drawn with a fixed seed over the length of an uninterrupted add."""
    registry, out, chat_b = copy_world(world, tmp_path / "w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kg.cli",
            "add",
            str(chat_b),
            "--registry",
            str(registry),
            "--out",
            str(out),
            "--no-reason",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(fraction * add_length)
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    _after_the_crash(registry, out)
