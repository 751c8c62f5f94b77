"""Does a refactoring change what users get? The seed build of this tree against the build of a reference commit.

The reference (tests/kg/pipeline/reference-build.txt) is a commit of this repository's history, checked out with
`git worktree` and built in its own process from its own code: every published file must be byte-identical.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
REFERENCE = Path(__file__).with_name("reference-build.txt")
SEED = "leadingqi-2022-10-19-report.txt"

# builds a checkout with whichever layout it has (one kg/pipeline.py before issue 11, a package after)
BUILD = """
import json, sys
from pathlib import Path
try:
    from kg.pipeline.run import build
except ImportError:
    from kg.pipeline import build
import kg
print(json.dumps({"code": kg.__file__, "files": build(Path(sys.argv[1]), [Path(sys.argv[2])]).files}))
"""


def _commit() -> str:
    lines = [ln.strip() for ln in REFERENCE.read_text(encoding="utf-8").splitlines()]
    return next(ln for ln in lines if ln and not ln.startswith("#"))


def _build(checkout: Path, out: Path) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    [seed] = (checkout / "kg").rglob(SEED)  # wherever that tree keeps the seed report
    done = subprocess.run(
        [sys.executable, "-c", BUILD, str(out), str(seed)],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(answer["code"]).resolve().is_relative_to(checkout.resolve()), answer["code"]  # that tree's own code
    return answer["files"]


@pytest.mark.timeout(900)
def test_the_seed_build_is_byte_identical_to_the_reference_commits(tmp_path: Path) -> None:
    commit = _commit()
    have = subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", f"{commit}^{{commit}}"], capture_output=True)
    assert have.returncode == 0, f"the reference commit {commit} is not in this clone's history (a shallow clone?)"
    checkout = tmp_path / "reference"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(checkout), commit], check=True)
    try:
        before = _build(checkout, tmp_path / "before")
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(checkout)], check=False)
    after = _build(ROOT, tmp_path / "after")
    assert sorted(after) == sorted(before)
    assert {name: after[name] == before[name] for name in after} == {name: True for name in after}
