"""Does every network answer read the same from the networks the build stored as from the store and networkx?

Two apps on one build: one finds `<build>/indexes/networks.json` (the facts and the measures the build computed) and
serves from it, with no query and no networkx measure for the networks it holds; the other serves a copy of the build
without `indexes/` and reads the facts by SPARQL and measures them itself (what it does on a remote store loaded by
someone else). Every network route (JSON, exports, what links two organisations), /connections and the entity pages
that show a node's network are asked, for all chats and each chat, on the seed build and on a build of several
invented chats (tests/kg/extract/fixtures/, TEST DATA). And a stale or damaged file is refused with its reason.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from kg.indexes import stored
from kg.pipeline.manifest import build_key
from kg.settings import Settings
from tests.api.test_stored_indexes import same_answers

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "kg" / "extract" / "fixtures"
LATER = [FIXTURES / f"leadingqi-{day}-report.txt" for day in ("2023-01-31", "2023-02-28", "2023-06-27")]
MEASURES = ("betweenness", "brokerage", "degree", "ties")


@pytest.fixture(scope="module")
def several_chats(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed and three invented later chats, built by the pipeline (no reasoner: the networks do not need it)."""
    from kg.pipeline.inputs import default_sources
    from kg.pipeline.run import build

    out = tmp_path_factory.mktemp("several") / "build"
    build(out, [*default_sources(), *LATER], reasoner=False)
    return out


def _copy(build: Path, target: Path, indexes: bool) -> Path:
    """The build's files (not its store), with or without its stored indexes."""
    target.mkdir(parents=True)
    for path in build.iterdir():
        if path.is_file():
            shutil.copy2(path, target / path.name)
    if indexes:
        shutil.copytree(build / stored.FOLDER, target / stored.FOLDER)
    return target


@contextmanager
def _apps(build: Path, tmp: Path) -> Iterator[tuple[TestClient, TestClient]]:
    if not (build / "manifest.json").is_file():
        pytest.skip("QIKG_TEST_GRAPH names a folder that is not a build of the pipeline")
    assert (build / stored.FOLDER / stored.NETWORKS_FILE).is_file(), "the build stores the networks"
    bare = _copy(build, tmp / "bare", indexes=False)
    with (
        TestClient(create_app(Settings(data_dir=build, store_dir=tmp / "store-a", reload_interval=0))) as with_files,
        TestClient(create_app(Settings(data_dir=bare, store_dir=tmp / "store-b", reload_interval=0))) as from_store,
    ):
        yield with_files, from_store
        assert with_files.app.state.service.networks_source == "stored"
        assert from_store.app.state.service.networks_source == "store"


def _urls(client: TestClient) -> list[str]:
    """Every network route with each chat, measure, kind and node id its own lists give; the pages showing them."""
    chats: list[str | None] = [None, *_chats(client)]
    urls = ["/api/network", "/api/network/organisations/links", "/connections"]
    for measure in MEASURES:
        urls.append(f"/api/network/compare?measure={measure}")
    for chat in chats:
        q = f"chat={quote(chat)}&" if chat else ""
        urls += [f"/api/network/compare?{q}", f"/api/network/organisations/links?{q}limit=500"]
        for network in ("people", "organisations", "themes"):
            base = f"/api/network/{network}"
            urls += [f"{base}?{q}", f"{base}/communities?{q}", f"{base}/bridges?{q}limit=500"]
            urls += [f"{base}/export?{q}format=gexf", f"{base}/export?{q}format=graphml"]
            for measure in MEASURES:
                for kind in ("participant", "organisation", "theme"):
                    urls.append(f"{base}/nodes?{q}measure={measure}&kind={kind}&limit=500")
            ids = {n["id"] for k in ("participant", "organisation", "theme") for n in _nodes(client, base, q, k)}
            urls += [f"{base}/nodes/{quote(i)}?{q}" for i in sorted(ids)]
        # the people network with other ties: measured on first use in both apps, from stored facts in one
        urls += [f"/api/network/people?{q}ties=reply,mention,co-answer,co-shared", f"/api/network/people?{q}ties=reply"]
        urls.append(f"/api/network/people/nodes?{q}ties=co-answer&limit=500")
    orgs = [o["id"] for o in client.get("/api/organisations?limit=500").json()["items"]]
    for first in orgs[:6]:
        for second in orgs:
            if first != second:
                urls.append(f"/api/network/organisations/between?first={quote(first)}&second={quote(second)}")
        urls += [f"/connections?organisation={quote(first)}", f"/connections?first={quote(first)}&second={orgs[-1]}"]
    for chat in chats[1:]:
        urls.append(f"/api/network/organisations/between?first={quote(orgs[0])}&second={quote(orgs[1])}&chat={chat}")
    for person in client.get("/api/participants?limit=500").json()["items"]:
        urls.append(f"/id/participant/{quote(person['handle'])}")
    urls += [f"/id/organisation/{quote(o)}" for o in orgs]
    urls += [f"/id/theme/{quote(t['id'])}" for t in client.get("/api/themes?flat=true&limit=500").json()["items"]]
    urls += [f"/id/chat/{quote(c)}" for c in chats if c]
    return urls


def _chats(client: TestClient) -> list[str]:
    return sorted({q["chat"] for q in client.get("/api/questions?limit=500").json()["items"] if q["chat"]})


def _nodes(client: TestClient, base: str, q: str, kind: str) -> list[dict]:
    return client.get(f"{base}/nodes?{q}kind={kind}&limit=500").json()["items"]


def _same_answers(with_files: TestClient, from_store: TestClient) -> int:
    count = same_answers(with_files, from_store, _urls)
    urls = _urls(with_files)
    assert sum(with_files.get(u).status_code == 200 for u in urls[:50]) > 40  # answers, not 404s compared
    return count


def test_the_seed_builds_networks_answer_the_same_stored_and_computed(graph_dir: Path, tmp_path: Path) -> None:
    with _apps(graph_dir, tmp_path) as (with_files, from_store):
        assert _same_answers(with_files, from_store) > 300


def test_several_chats_networks_answer_the_same_stored_and_computed(several_chats: Path, tmp_path: Path) -> None:
    with _apps(several_chats, tmp_path) as (with_files, from_store):
        assert len(_chats(with_files)) == 4
        assert with_files.get("/api/network/people?chat=2023-02-28").json()["nodes"] > 0
        assert _same_answers(with_files, from_store) > 500


def test_the_build_stores_each_network_of_all_chats_and_of_each_chat(several_chats: Path) -> None:
    found = stored.load_networks(several_chats, build_key(several_chats))
    assert found.reason == "loaded" and found.networks is not None
    catalogue = stored.load(several_chats, build_key(several_chats), Settings().id_base).catalogue
    assert catalogue is not None and len(catalogue.chats) >= 4  # the four reports, and the chats they announce
    assert {chat for _, chat, _ in found.networks.measured} == {None, *catalogue.chats}  # all chats, and each
    assert {name for name, _, _ in found.networks.measured} == {"people", "organisations", "themes"}


def _refused(build: Path, tmp: Path, change) -> str:  # noqa: ANN001 - a function of the parsed file
    copy = _copy(build, tmp, indexes=True)
    path = copy / stored.FOLDER / stored.NETWORKS_FILE
    text = change(path.read_text(encoding="utf-8"))
    path.write_text(text, encoding="utf-8")
    found = stored.load_networks(copy, build_key(copy))
    assert found.networks is None
    return found.reason


def test_stale_foreign_or_damaged_networks_are_refused_with_the_reason(graph_dir: Path, tmp_path: Path) -> None:
    if not (graph_dir / stored.FOLDER / stored.NETWORKS_FILE).is_file():
        pytest.skip("QIKG_TEST_GRAPH names a folder that is not a build of the pipeline")

    def edit(what):  # noqa: ANN001, ANN202
        def change(text: str) -> str:
            data = json.loads(text)
            what(data)
            return json.dumps(data)

        return change

    assert "another build" in _refused(graph_dir, tmp_path / "a", edit(lambda d: d["header"].update(build_key="x")))
    assert "format version" in _refused(graph_dir, tmp_path / "b", edit(lambda d: d["header"].update(version="0")))
    assert "unreadable" in _refused(graph_dir, tmp_path / "c", lambda text: text[: len(text) // 2])
    assert "does not read as networks" in _refused(graph_dir, tmp_path / "d", edit(lambda d: d["data"].pop("terms")))
    assert "not a networks file" in _refused(graph_dir, tmp_path / "e", edit(lambda d: d["header"].pop("content")))
    assert "absent" in stored.load_networks(tmp_path / "nowhere", "k").reason


def test_measures_that_do_not_fit_their_graph_are_measured_again(graph_dir: Path, tmp_path: Path) -> None:
    """A file whose header is right but whose measures are not of its facts' graph: that network is measured."""
    if not (graph_dir / stored.FOLDER / stored.NETWORKS_FILE).is_file():
        pytest.skip("QIKG_TEST_GRAPH names a folder that is not a build of the pipeline")
    copy = _copy(graph_dir, tmp_path / "copy", indexes=True)
    path = copy / stored.FOLDER / stored.NETWORKS_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    for network in data["data"]["networks"]:
        network["nodes"] = network["nodes"][::-1]  # another order than the graph's
    path.write_text(json.dumps(data), encoding="utf-8")
    good = stored.load_networks(graph_dir, build_key(graph_dir)).networks
    bad = stored.load_networks(copy, build_key(copy)).networks
    assert good is not None and bad is not None
    for name in ("people", "organisations", "themes"):
        assert bad.get(name).betweenness == good.get(name).betweenness
        assert bad.get(name).communities == good.get(name).communities


def test_a_damaged_measure_is_measured_again_not_a_server_error(graph_dir: Path, tmp_path: Path) -> None:
    """One bad value in a file of this very build (its header right, its measures read when first asked for): that
    network is measured from its facts and answers as the good file's; nothing else about the file is refused."""
    if not (graph_dir / stored.FOLDER / stored.NETWORKS_FILE).is_file():
        pytest.skip("QIKG_TEST_GRAPH names a folder that is not a build of the pipeline")
    copy = _copy(graph_dir, tmp_path / "copy", indexes=True)
    path = copy / stored.FOLDER / stored.NETWORKS_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    spoilt = 0
    for network in data["data"]["networks"]:
        if network["chat"] is None and network["network"] in ("people", "themes") and network["betweenness"]:
            network["betweenness"][0] = "x"
            spoilt += 1
    assert spoilt == 2
    path.write_text(json.dumps(data), encoding="utf-8")
    loaded = stored.load_networks(copy, build_key(copy)).networks
    assert loaded is not None and all(key in loaded.measured for key in list(loaded.measured))  # asks, never reads
    with (
        TestClient(create_app(Settings(data_dir=graph_dir, store_dir=tmp_path / "sa", reload_interval=0))) as good,
        TestClient(create_app(Settings(data_dir=copy, store_dir=tmp_path / "sb", reload_interval=0))) as bad,
    ):
        for url in ("/api/network/people", "/api/network/themes", "/api/network/organisations"):
            got, want = bad.get(url), good.get(url)
            assert got.status_code == 200 and got.json() == want.json(), url


@pytest.mark.timeout(900)
def test_an_added_chat_keeps_the_other_chats_measures_and_answers_as_a_full_build(tmp_path: Path) -> None:
    """`qikg add` measures only the networks its chat changes (the seed's stay as they were) and the server of the
    added build answers every network route as one of a full build of the same chats does."""
    from tests.kg.pipeline.test_incremental_add import FEB, JAN, _registry, _run

    registry = _registry(tmp_path / "chats", JAN)
    out, full = tmp_path / "build", tmp_path / "full"
    said = _run("build", "--out", str(out), "--no-reason", "--registry", str(registry))
    assert ", 0 of them kept" in said
    said = _run("add", str(FEB), "--out", str(out), "--no-reason", "--registry", str(registry))
    kept = [line for line in said.splitlines() if line.startswith("networks:")][0]
    assert int(kept.split(", ")[1].split()[0]) >= 3, kept  # at least the seed chat's three networks
    assert int(kept.split()[1]) > int(kept.split(", ")[1].split()[0]), kept  # the all-chats ones measured again
    _run("build", "--out", str(full), "--no-reason", "--registry", str(registry))
    a = stored.load_networks(out, build_key(out)).networks
    b = stored.load_networks(full, build_key(full)).networks
    assert a is not None and b is not None and a.measured == b.measured
    with (
        TestClient(create_app(Settings(data_dir=out, store_dir=tmp_path / "sa", reload_interval=0))) as added,
        TestClient(create_app(Settings(data_dir=full, store_dir=tmp_path / "sb", reload_interval=0))) as whole,
    ):
        assert _same_answers(added, whole) > 300
