"""A load into the embedded Oxigraph store is atomic: `kill -9` in the middle leaves the previous complete graph."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from kg.store import OxigraphStore

ROOT = Path(__file__).resolve().parents[3]
FIXTURE = ROOT / "tests" / "api" / "fixtures" / "mini.trig"
QUADS = 1_500_000

LOADER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from kg.store import OxigraphStore

    store = OxigraphStore(Path(sys.argv[1]))
    print("loading", flush=True)
    store.load(Path(sys.argv[2]), key="big")
    print("done", flush=True)
""")


def _big_dump(path: Path) -> Path:
    """About 1.5 M quads in one named graph: a load that takes long enough to be interrupted."""
    graph = "<https://w3id.org/qikg/graph/source/big>"
    with path.open("w", encoding="utf-8") as out:
        for i in range(0, QUADS, 1000):
            out.write(
                "".join(
                    f'<https://x.org/s{j}> <https://x.org/p{j % 7}> "value {j}" {graph} .\n' for j in range(i, i + 1000)
                )
            )
    return path


def test_kill_9_during_a_load_leaves_the_previous_complete_graph(tmp_path: Path) -> None:
    location = tmp_path / "store"
    good = OxigraphStore(location)
    good.load(FIXTURE, key="good")
    expected = good.triple_count()
    themes = good.query("SELECT ?t WHERE { ?t a <https://w3id.org/qikg/ontology#Theme> } ORDER BY ?t").rows
    good.close()
    del good

    dump = _big_dump(tmp_path / "big.nq")
    loader = subprocess.Popen(
        [sys.executable, "-c", LOADER, str(location), str(dump)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert loader.stdout is not None and loader.stdout.readline().strip() == "loading"
        deadline = time.monotonic() + 60
        generations = []
        while time.monotonic() < deadline and not generations:  # wait until the new generation is being written
            generations = [
                p for p in location.glob("gen-*") if p.is_dir() and any(p.iterdir()) and str(loader.pid) in p.name
            ]
            time.sleep(0.02)
        time.sleep(0.3)
        assert loader.poll() is None, "the load finished before it could be interrupted: make the dump bigger"
        os.kill(loader.pid, signal.SIGKILL)
        loader.wait(10)
    finally:
        if loader.poll() is None:
            loader.kill()
            loader.wait(10)
    assert loader.returncode == -signal.SIGKILL
    assert "done" not in loader.stdout.read()
    assert generations, "the loader never started writing its generation"

    again = OxigraphStore(location)
    assert again.loaded_key() == "good"
    assert again.triple_count() == expected
    assert again.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0]["n"].toPython() == expected
    assert again.query("SELECT ?t WHERE { ?t a <https://w3id.org/qikg/ontology#Theme> } ORDER BY ?t").rows == themes
    assert not again.query("ASK { ?s <https://x.org/p0> ?o }").boolean
    assert not any(p.exists() for p in generations), "the half-written generation is cleared away"

    small = tmp_path / "small.nq"
    small.write_text('<https://x.org/s> <https://x.org/p> "o" <https://w3id.org/qikg/graph/source/small> .\n')
    again.load(small, key="after")
    assert again.loaded_key() == "after" and again.triple_count() == 1
