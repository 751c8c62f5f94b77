"""Putting a finished build in place while a server may be reading it, and clearing what crashed runs left behind.

A build folder D is replaced as a whole: the new build is written into `.D.tmp-PID` beside it and the two folders
are exchanged in one `renameat2(RENAME_EXCHANGE)` call, so D always exists and always holds one complete build.
D's `store/` (the embedded Oxigraph store a server of D keeps its generations in) is carried into the new build as
hard links before the exchange: the generation a server is answering from keeps its path and its files, and the
server moves to the new build by loading it as a new generation (`api.state.GraphService`).

Builds and a server's loads into D/store take one lock (`folder_lock` on D's parent folder), so a build never
copies a generation that is being written. Temporary names carry the writer's PID; `clean_leftovers` removes those
whose process is gone (after kill -9), at the next build or server start.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import fcntl
import os
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

STORE = "store"  # the server's default store folder inside a build (kg.settings.Settings.resolved_store_dir)
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _renameat2() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        function = libc.renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


_RENAMEAT2 = _renameat2()


def exchange(a: Path, b: Path) -> bool:
    """Swap the paths `a` and `b` in one step (Linux `renameat2`); False where the system cannot."""
    if _RENAMEAT2 is None:
        return False
    if _RENAMEAT2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # a file system without RENAME_EXCHANGE: the caller renames twice
    raise OSError(code, os.strerror(code), str(a))


# --- a lock per folder, held across processes (flock) and re-entrant within one ------------------------------------

_held: dict[tuple[int, int, int], tuple[int, int]] = {}  # (st_dev, st_ino, thread) -> (fd, depth)
_held_lock = threading.Lock()


@contextmanager
def folder_lock(folder: Path, *, blocking: bool = True) -> Iterator[bool]:
    """An exclusive lock on `folder` (flock on the folder itself: no lock file to leave behind).

    Yields False when `blocking` is off and another holds it. The kernel drops the lock when its holder dies,
    kill -9 included. Re-entrant in one thread (the registry's folder may also be a build's parent); another thread
    of the same process waits like another process does.
    """
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    key = (os.fstat(fd).st_dev, os.fstat(fd).st_ino, threading.get_ident())
    with _held_lock:
        if key in _held:
            held_fd, depth = _held[key]
            _held[key] = (held_fd, depth + 1)
            os.close(fd)
            fd = -1
    if fd == -1:
        try:
            yield True
        finally:
            with _held_lock:
                held_fd, depth = _held[key]
                _held[key] = (held_fd, depth - 1)
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            got = True
        except BlockingIOError:
            got = False
        if not got:
            yield False
            return
        with _held_lock:
            _held[key] = (fd, 1)
        try:
            yield True
        finally:
            with _held_lock:
                _held.pop(key, None)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def build_lock(out_dir: Path) -> AbstractContextManager[bool]:
    """The lock a build's swap and a server's load into `out_dir/store` share."""
    return folder_lock(Path(out_dir).absolute().parent)


# --- the swap --------------------------------------------------------------------------------------------------------


def temp_name(out_dir: Path, kind: str = "tmp") -> Path:
    """`.NAME.tmp-PID` beside `out_dir`: where a build is written (and the old one goes on its way out)."""
    return out_dir.parent / f".{out_dir.name}.{kind}-{os.getpid()}"


def link_tree(source: Path, target: Path) -> None:
    """Hard-link every file of `source` into `target` (copied where links are refused); dot-files are temporaries."""
    target.mkdir(exist_ok=True)
    for child in sorted(source.iterdir()):
        if child.name.startswith("."):
            continue
        if child.is_dir() and not child.is_symlink():
            link_tree(child, target / child.name)
            continue
        try:
            os.link(child, target / child.name)
        except FileNotFoundError:
            continue  # gone meanwhile (RocksDB rotating its LOG): nothing a reader needs
        except OSError:
            shutil.copy2(child, target / child.name)


def swap_in(new: Path, out_dir: Path) -> None:
    """Make the complete build in `new` the content of `out_dir`, keeping `out_dir/store`; the old build is removed.

    Readers of `out_dir` see the old build or the new one, never neither (where the system can exchange two paths;
    elsewhere there is a moment with no `out_dir` between two renames, as before).
    """
    out_dir = Path(out_dir)
    with build_lock(out_dir):
        store = out_dir / STORE
        if store.is_dir() and not (new / STORE).exists():
            link_tree(store, new / STORE)
        if not out_dir.exists():
            os.replace(new, out_dir)
            return
        if exchange(new, out_dir):
            shutil.rmtree(new, ignore_errors=True)  # `new` now holds the old build
            return
        old = temp_name(out_dir, "old")
        os.replace(out_dir, old)
        try:
            os.replace(new, out_dir)
        except OSError:
            os.replace(old, out_dir)
            raise
    shutil.rmtree(old, ignore_errors=True)


# --- leftovers of processes that died --------------------------------------------------------------------------------

_DIR_LEFTOVER = re.compile(r"^\.(?P<name>.+)\.(?:tmp|old)-(?P<pid>\d+)$")  # .NAME.tmp-PID, .NAME.old-PID
_FILE_LEFTOVER = re.compile(r"^\..+\.(?P<pid>\d+)\.(?:tmp|next)$")  # .NAME.PID.tmp (atomic writes), .NAME.PID.next


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (one we may not signal counts as alive)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _dead(match: re.Match[str]) -> bool:
    pid = int(match["pid"])
    return pid != os.getpid() and not pid_alive(pid)


def clean_folder(folder: Path, prefix: str = ".") -> list[Path]:
    """Remove `.NAME.PID.tmp` files and `.NAME.tmp-PID` / `.NAME.old-PID` folders in `folder` whose PID is dead
    (only names starting with `prefix`: a shared folder may hold other programs' temporaries)."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for child in folder.iterdir():
        if not child.name.startswith(prefix):
            continue
        if child.is_dir() and not child.is_symlink():
            match = _DIR_LEFTOVER.match(child.name)
            if match and _dead(match):
                shutil.rmtree(child, ignore_errors=True)
                removed.append(child)
        else:
            match = _FILE_LEFTOVER.match(child.name)
            if match and _dead(match):
                child.unlink(missing_ok=True)
                removed.append(child)
    return removed


def clean_leftovers(out_dir: Path) -> list[Path]:
    """What crashed builds of `out_dir` and crashed loads into `out_dir/store` left: removed at the next start."""
    out_dir = Path(out_dir)
    return clean_folder(out_dir.parent, f".{out_dir.name}.") + clean_folder(out_dir / STORE)
