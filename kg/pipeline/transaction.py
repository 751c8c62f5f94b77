"""`qikg add` and `qikg remove` as one transaction over two places: the registry and the build folder.

The new registry is staged beside the current one (`.registry.yaml.PID.next`), the build is made from it and swapped
in, and only then does the staged file replace the registry. The build's manifest records the digest of the registry
it was made from (`registry_sha256`), and a journal (`.registry.yaml.txn`) says what the transaction is doing, so a
crash at any point (kill -9 included) is repaired by the next command that starts (`recover`):

- the build was swapped in (its recorded registry digest is the new one): roll forward, the registry follows it;
- otherwise roll back: the staged registry and the copy of the source are removed; registry and build are the old.

So after any start either (old registry + old build) or (new registry + new build) is what a reader finds.
The registry's folder is locked (flock) for the whole transaction: two `qikg add` runs wait for each other, and
`recover` leaves a transaction alone while its process lives.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
from collections.abc import Callable
from pathlib import Path

from kg.pipeline.swap import clean_folder, clean_leftovers, folder_lock
from kg.sources.registry import Registry, SourceEntry

Build = Callable[[Path], bool]  # builds from the staged registry; True once the new build is swapped in


def journal_path(registry: Path) -> Path:
    return registry.with_name(f".{registry.name}.txn")


def _digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def crash_point(phase: str) -> None:
    """Tests only: `QIKG_CRASH_AT=<phase>` kills this process with SIGKILL here (the windows a random kill misses)."""
    if os.environ.get("QIKG_CRASH_AT") == phase:
        os.kill(os.getpid(), signal.SIGKILL)


def change(
    registry: Registry,
    entries: list[SourceEntry],
    *,
    out_dir: Path | None,
    build: Build | None,
    copy: Callable[[], None] | None = None,
    copied: Path | None = None,
    obsolete: list[Path] | None = None,
) -> bool:
    """Make `entries` the registry, with the build of `out_dir` made from them first (when `build` is given).

    `copy` puts a new source file beside the registry (`copied` names it, removed on roll-back); `obsolete` files
    are removed once the new registry is in place. False (everything as it was) when the build fails.
    """
    path = registry.path
    with folder_lock(path.parent):
        _recover_locked(path)
        staged = path.with_name(f".{path.name}.{os.getpid()}.next")
        next_registry = Registry(path, entries)
        text = next_registry.text().encode("utf-8")
        journal = {
            "pid": os.getpid(),
            "old_sha256": _digest(path),
            "new_sha256": hashlib.sha256(text).hexdigest(),
            "staged": staged.name,
            "out": str(Path(out_dir).absolute()) if out_dir is not None and build is not None else None,
            "rollback_delete": [copied.name] if copied is not None else [],
            "commit_delete": [p.name for p in obsolete or []],
        }
        _write_json(journal_path(path), journal)
        crash_point("journal")
        if copy is not None:
            copy()
        crash_point("copied")
        next_registry.save(staged)
        crash_point("staged")
        try:
            built = build is None or build(staged)
        except BaseException:
            _settle(path, journal)  # the build may have been swapped in just before the interruption
            raise
        if not built:
            _roll_back(path, journal)
            return False
        crash_point("built")
        os.replace(staged, path)  # the commit: the registry now names what the build holds
        crash_point("committed")
        _finish(path, journal)
        return True


def recover(registry: Path) -> str | None:
    """Repair what a crashed `qikg add` / `remove` left, unless it is still running; say what was done."""
    registry = Path(registry)
    if not registry.parent.is_dir():
        return None
    with folder_lock(registry.parent, blocking=False) as free:
        if not free:
            return None  # a transaction is in progress in a live process
        return _recover_locked(registry)


def _recover_locked(registry: Path) -> str | None:
    done = None
    try:
        journal = json.loads(journal_path(registry).read_text(encoding="utf-8"))
    except FileNotFoundError:
        journal = None
    except (OSError, ValueError):
        journal = {}  # a journal cut short cannot be: it is written to a temporary file and renamed
    if journal is not None:  # the lock is held: the journal's process is gone (its id may be reused, so not asked)
        done = _settle(registry, journal)
    clean_folder(registry.parent, f".{registry.name}.")
    return done


def _settle(registry: Path, journal: dict) -> str:
    """Finish or undo the journal's transaction, whichever the build folder says happened."""
    from kg.pipeline.manifest import built_registry_digest

    new = journal.get("new_sha256")
    staged = registry.with_name(journal.get("staged") or f".{registry.name}.none")
    out = journal.get("out")
    built = out is not None and new is not None and built_registry_digest(Path(out)) == new
    if new is not None and (_digest(registry) == new or (built and staged.is_file())):
        if _digest(registry) != new:
            os.replace(staged, registry)
        _finish(registry, journal)
        done = "rolled forward"
    else:
        _roll_back(registry, journal)
        done = "rolled back"
    if out is not None:
        clean_leftovers(Path(out))
    return done


def _remove_named(registry: Path, names: list[str], *, unless_registered: bool) -> None:
    keep: set[Path] = set()
    if unless_registered and registry.is_file():
        current = Registry.load(registry)
        keep = {current.resolve(e).resolve() for e in current.entries}
    for name in names:
        target = registry.parent / name
        if target.resolve() not in keep:
            target.unlink(missing_ok=True)


def _roll_back(registry: Path, journal: dict) -> None:
    staged = journal.get("staged")
    if staged:
        (registry.parent / staged).unlink(missing_ok=True)
    _remove_named(registry, journal.get("rollback_delete", []), unless_registered=True)
    journal_path(registry).unlink(missing_ok=True)


def _finish(registry: Path, journal: dict) -> None:
    _remove_named(registry, journal.get("commit_delete", []), unless_registered=True)
    journal_path(registry).unlink(missing_ok=True)
