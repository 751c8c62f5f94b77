"""Does the API answer the same from the indexes the build stored as from reading the store itself?

Two apps on one build: one finds `<build>/indexes/` (written by the build) and loads it, the other serves a copy of
the build without that folder and reads its catalogue from the store by SPARQL (what it does on a remote store
loaded by someone else). Every JSON route, and the pages that read the catalogue, is asked with every id the lists
give, on the seed build and on the seed with an invented later chat (tests/kg/extract/fixtures/, TEST DATA).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from kg.indexes import stored
from kg.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
LATER = ROOT / "tests" / "kg" / "extract" / "fixtures" / "leadingqi-2023-02-28-report.txt"
SEARCHES = ["genba", "improvement", '"golden thread"', "coach*", "gemba", "leaders", "nhs trust", "zzzz", "a*"]


def _without_indexes(build: Path, target: Path) -> Path:
    """The build's files (not its store, not its indexes): a server of it loads and reads the store itself."""
    target.mkdir(parents=True)
    for path in build.iterdir():
        if path.is_file():
            shutil.copy2(path, target / path.name)
    return target


@pytest.fixture(scope="module")
def later_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed and an invented later chat, built by the pipeline (no reasoner: the answers do not need it)."""
    from kg.pipeline.inputs import default_sources
    from kg.pipeline.run import build

    out = tmp_path_factory.mktemp("later") / "build"
    build(out, [*default_sources(), LATER], reasoner=False)
    return out


@contextmanager
def _apps(build: Path, tmp: Path) -> Iterator[tuple[TestClient, TestClient]]:
    if not (build / "manifest.json").is_file():
        pytest.skip("QIKG_TEST_GRAPH names a folder that is not a build of the pipeline")
    assert (build / stored.FOLDER / stored.CATALOGUE_FILE).is_file(), "the build stores the API's indexes"
    bare = _without_indexes(build, tmp / "bare")
    with (
        TestClient(create_app(Settings(data_dir=build, store_dir=tmp / "store-a", reload_interval=0))) as with_files,
        TestClient(create_app(Settings(data_dir=bare, store_dir=tmp / "store-b", reload_interval=0))) as from_store,
    ):
        assert with_files.app.state.service.catalogue_source == "stored"
        assert from_store.app.state.service.catalogue_source == "store"
        yield with_files, from_store


def _urls(client: TestClient) -> list[str]:
    """Every JSON route of the API, with each id its lists give, and the pages that read the catalogue."""

    def items(path: str) -> list[dict]:
        """Every item of a paginated list (pages of 500)."""
        found: list[dict] = []
        while True:
            body = client.get(f"{path}&offset={len(found)}").json()
            found += body["items"]
            if not body["items"] or len(found) >= body["total"]:
                return found

    urls = ["/health", "/api/themes", "/api/themes?flat=true", "/api/themes?flat=true&limit=5&offset=3", "/api/stats"]
    urls += ["/api/quotes?limit=500&offset=500", "/api/participants?limit=500", "/api/organisations?limit=500"]
    urls += ["/api/questions?limit=500"]
    urls += ["/api/quotes?limit=500", "/api/resources?limit=500", "/api/resources?core=true", "/download"]
    urls += ["/api/network", "/api/network/organisations/links", "/", "/thesaurus", "/connections"]
    for theme in items("/api/themes?flat=true&limit=500"):
        tid = quote(theme["id"])
        urls += [f"/api/themes/{tid}", f"/api/themes/{tid}?include_narrower=false", f"/api/resources?theme={tid}"]
        urls += [f"/api/resources?theme={tid}&include_narrower=false", f"/api/quotes?theme={tid}&limit=500"]
        urls += [f"/api/search?q=leaders&theme={tid}", f"/id/theme/{tid}"]
    for person in items("/api/participants?limit=500"):
        handle = quote(person["handle"])
        urls += [
            f"/api/participants/{handle}",
            f"/api/quotes?author={handle}&limit=500",
            f"/api/search?q=*&author={handle}",
        ]
    for org in items("/api/organisations?limit=500"):
        urls.append(f"/api/organisations/{quote(org['id'])}")
    for question in items("/api/questions?limit=500"):
        chat, number = quote(question["chat"] or ""), question["number"]
        urls += [f"/api/questions/{number}?chat={chat}", f"/api/quotes?question={number}&chat={chat}&limit=500"]
        urls += [f"/api/questions?chat={chat}", f"/api/search?q=improvement&chat={chat}&kind=quote"]
    for resource in items("/api/resources?limit=500"):
        urls.append(f"/api/resources/{quote(resource['id'])}")
    for text in SEARCHES:
        urls += [f"/api/search?q={quote(text)}", f"/api/search?q={quote(text)}&limit=3&offset=2"]
        urls += [f"/search?q={quote(text)}", f"/api/quotes?q={quote(text)}"]
        urls += [f"/api/search?q={quote(text)}&kind={kind}" for kind in ("quote", "resource", "participant", "theme")]
    for network in ("people", "organisations", "themes"):
        urls += [f"/api/network/{network}", f"/api/network/{network}/nodes?limit=500"]
        urls += [f"/api/network/{network}/communities", f"/api/network/{network}/bridges"]
    return urls


def same_answers(
    with_files: TestClient, from_store: TestClient, urls_of: Callable[[TestClient], list[str]] | None = None
) -> int:
    """Every URL `urls_of` lists (by default this module's) answers byte for byte the same from both apps; how many."""
    urls_of = urls_of or _urls
    urls = urls_of(from_store)
    assert urls == urls_of(with_files)  # the lists name the same things
    differ = []
    for url in urls:
        a, b = with_files.get(url), from_store.get(url)
        if (a.status_code, a.content) != (b.status_code, b.content):
            differ.append(f"{url}: {a.status_code} vs {b.status_code}")
    assert differ == []
    return len(urls)


def test_the_seed_build_answers_the_same_from_its_stored_indexes_and_from_the_store(
    graph_dir: Path, tmp_path: Path
) -> None:
    with _apps(graph_dir, tmp_path) as (with_files, from_store):
        assert same_answers(with_files, from_store) > 500


def test_a_later_chat_answers_the_same_from_the_stored_indexes_and_from_the_store(
    later_build: Path, tmp_path: Path
) -> None:
    with _apps(later_build, tmp_path) as (with_files, from_store):
        assert with_files.get("/api/questions?chat=2023-02-28").json()["total"] > 0  # the later chat is served
        assert same_answers(with_files, from_store) > 500
