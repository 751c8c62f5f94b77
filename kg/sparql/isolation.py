"""OS-level blocks for the processes that run users' SPARQL: no network, and no life after the server's.

The query policy (api/sparql_policy.py) refuses SERVICE and friends, but a check can be wrong; these blocks hold even
then. `cut_network` moves the calling process into a network namespace of its own, which has nothing but a loopback
interface that is down: every connect() fails with "network unreachable", whatever the query says. It needs root or
unprivileged user namespaces (Linux); where neither is allowed it says so, and the sandbox refuses to run queries
unless the operator chose otherwise (QIKG_SPARQL_ISOLATION). `die_with_parent` asks the kernel to kill the process
when the thread that started it ends, so a killed server leaves no worker grinding on.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000
_PR_SET_PDEATHSIG = 1


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def cut_network() -> str | None:
    """Leave every network behind; return None on success, else why it could not be done."""
    libc = _libc()
    if libc is None:
        return f"network namespaces need Linux (this is {sys.platform})"
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(_CLONE_NEWNET) == 0:
        return None
    first = ctypes.get_errno()
    if libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) == 0:  # unprivileged: a user namespace first
        _map_ids(uid, gid)
        return None
    return (
        f"unshare(CLONE_NEWNET) failed ({os.strerror(first)}) and so did a user namespace "
        f"({os.strerror(ctypes.get_errno())})"
    )


def _map_ids(uid: int, gid: int) -> None:
    """Map our own ids into the new user namespace, so files keep their owner (best effort: reading needs none)."""
    try:
        with open("/proc/self/setgroups", "w") as f:
            f.write("deny")
        with open("/proc/self/gid_map", "w") as f:
            f.write(f"{gid} {gid} 1")
        with open("/proc/self/uid_map", "w") as f:
            f.write(f"{uid} {uid} 1")
    except OSError:
        pass


def die_with_parent(parent_pid: int) -> None:
    """Be killed when the starting thread ends; exit now if the parent is already gone (the race prctl leaves)."""
    libc = _libc()
    if libc is not None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:
        os._exit(1)
