"""Does a real wheel work? Built from the tree, installed into a fresh venv outside the repo, used from an empty folder.

The wheel is built offline (`pip wheel --no-deps --no-build-isolation`) from a copy of the tree, so the checkout
gets no setuptools `build/`. The new venv takes qikg only from the wheel; its dependencies come from the project's
venv through a `.pth` line (no registry needed). Then, in a temporary folder: `qikg build`, `qikg query`, and
`qikg serve` on a free port (GET /health and one /api call).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parents[1]
SKIP = (".git", ".venv", "qikg-data", "build", "dist", "tests", "bench", "test-artifacts", "__pycache__", "*.egg-info")


def _run(*args: str | Path, cwd: Path, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{args}: {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A venv outside the repo with the wheel of this tree installed (and nothing else of qikg)."""
    base = tmp_path_factory.mktemp("wheel")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QIKG_", "PYTHON", "VIRTUAL_ENV"))}
    env["PIP_NO_INDEX"] = "1"  # offline: nothing is fetched
    src = base / "src"
    shutil.copytree(ROOT, src, symlinks=True, ignore=shutil.ignore_patterns(*SKIP))
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        src,
        "--no-deps",
        "--no-build-isolation",
        "-w",
        base / "dist",
        cwd=base,
        env=env,
    )
    [wheel] = (base / "dist").glob("qikg-*.whl")
    venv = base / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=base, env=env)
    python = venv / "bin" / "python"
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", wheel, cwd=base, env=env)
    site = Path(
        _run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=base, env=env).stdout.strip()
    )
    (site / "zz-project-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return venv, env


def test_the_installed_qikg_is_the_wheels_and_the_repo_is_not_on_its_path(installed, tmp_path: Path) -> None:
    venv, env = installed
    probe = "import json, sys, kg, api, visualizations; print(json.dumps([kg.__file__, api.__file__, sys.path]))"
    kg_file, api_file, path = json.loads(_run(venv / "bin" / "python", "-c", probe, cwd=tmp_path, env=env).stdout)
    assert Path(kg_file).is_relative_to(venv) and Path(api_file).is_relative_to(venv), (kg_file, api_file)
    assert ROOT not in [Path(p).resolve() for p in path if p], path
    others = [p for p in path if p and (Path(p) / "kg" / "__init__.py").is_file() and not Path(p).is_relative_to(venv)]
    assert others == [], others  # no other kg anywhere on the path
    packaged = Path(kg_file).parent
    for data in (
        "ontology/qikg.ttl",
        "ontology/shapes.ttl",
        "ontology/themes.ttl",
        "ontology/queries/qc",
        "data",
        "sources/leadingqi-2022-10-19-report.txt",
        "sources/ATTRIBUTION.md",
        "indexes/queries/resources.rq",
    ):
        assert (packaged / data).exists(), data
    for data in (
        "api/templates/base.html",
        "api/static/style.css",
        "api/static/favicon.svg",
        "api/templates/report.html",
        "api/queries/entity_out.rq",
        "visualizations/templates/graph.html.j2",
        "visualizations/static/graph.js",
    ):
        assert (packaged.parent / data).exists(), data


def test_build_query_and_serve_from_an_empty_folder(installed, tmp_path: Path) -> None:
    venv, env = installed
    qikg = venv / "bin" / "qikg"
    work = tmp_path / "work"
    work.mkdir()
    _run(qikg, "build", cwd=work, env=env, timeout=900)
    build = work / "qikg-data" / "build"
    assert (build / "qikg.trig").is_file() and (build / "store" / "CURRENT.json").is_file()
    assert not any(p.name == "qikg-data" for p in venv.rglob("qikg-data"))  # nothing written into the install
    manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["sources"] == ["package:kg/sources/leadingqi-2022-10-19-report.txt"]

    handle = "<https://w3id.org/qikg/ontology#handle>"
    answer = _run(
        qikg, "query", f"SELECT ?h WHERE {{ ?p {handle} ?h }} ORDER BY ?h", "--format", "csv", cwd=work, env=env
    )
    rows = answer.stdout.strip().splitlines()
    assert rows[0] == "h" and len(rows) > 10 and "jimmy_parvin" in answer.stdout.lower()

    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [str(qikg), "serve", "--port", str(port)],
            cwd=work,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180
        while True:
            assert server.poll() is None, log.read_text()
            try:
                if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
        themes = httpx.get(f"{url}/api/themes", params={"flat": True}, timeout=30)
        assert themes.status_code == 200 and themes.json()["items"], themes.text[:500]
        assert "building first" not in log.read_text()  # the build is current: serve opens it
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(10)
