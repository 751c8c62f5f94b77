"""Is the code as the team's guide asks: `ruff check` and `ruff format` clean, and mypy clean on the packages
pyproject.toml's [tool.mypy] lists? Each tool runs as a developer would run it; a failure shows its output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ["kg", "api", "visualizations", "bench", "tests"]
BIN = Path(sys.executable).parent


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize(
    "command",
    [["ruff", "check", *FOLDERS], ["ruff", "format", "--check", *FOLDERS]],
    ids=["ruff check", "ruff format"],
)
def test_ruff_finds_nothing(command: list[str]) -> None:
    run = _run(str(BIN / command[0]), *command[1:])
    assert run.returncode == 0, run.stdout + run.stderr


def test_mypy_finds_nothing_in_the_checked_packages() -> None:
    run = _run(sys.executable, "-m", "mypy")  # the packages and settings of pyproject.toml's [tool.mypy]
    assert run.returncode == 0, run.stdout + run.stderr
