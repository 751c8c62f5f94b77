"""What the sandbox tests share: query workers over an embedded store loaded from a TriG text."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kg.sparql.sandbox import QuerySandbox, WorkerLimits
from kg.store import OxigraphStore


@contextmanager
def sandbox_over(folder: Path, trig: str, workers: int = 1) -> Iterator[QuerySandbox]:
    """A sandbox of one worker (or `workers`) on a store made from `trig` in `folder`, closed (workers, then store)
    afterwards."""
    path = folder / "data.trig"
    path.write_text(trig)
    store = OxigraphStore(folder / "store")
    store.load(path)
    spec = store.spec()
    box = QuerySandbox(lambda: spec, workers=workers, limits=WorkerLimits("best-effort"))
    try:
        yield box
    finally:
        box.close()
        store.close()
