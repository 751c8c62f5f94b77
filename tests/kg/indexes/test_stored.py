"""The indexes a build stores for the API: read back only when they are of this build, this format and this id
base; the search index from its file answers as the one built in memory; the file is never written by a reader."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from kg.indexes import stored
from kg.indexes.catalogue import Catalogue
from kg.indexes.search import SearchIndex
from kg.store import OxigraphStore

MINI = Path(__file__).resolve().parents[2] / "api" / "fixtures" / "mini.trig"  # odd data: XSS labels, aliases
ID_BASE = "https://w3id.org/qikg/id/"
KEY = "key-of-this-build"


@pytest.fixture(scope="module")
def read() -> Catalogue:
    store = OxigraphStore(None)
    store.load(MINI, KEY)
    try:
        return Catalogue.read(store, ID_BASE)
    finally:
        store.close()


@pytest.fixture
def build(tmp_path: Path, read: Catalogue) -> Path:
    stored.write(tmp_path, read, KEY)
    return tmp_path


def _data(catalogue: Catalogue) -> str:
    return json.dumps(catalogue.to_data(), sort_keys=True)


def test_the_stored_catalogue_is_the_one_read_from_the_store(build: Path, read: Catalogue) -> None:
    found = stored.load(build, KEY, ID_BASE)
    assert found.reason == "loaded"
    assert found.catalogue is not None and _data(found.catalogue) == _data(read)
    assert found.catalogue.participants and found.catalogue.quotes  # not an empty catalogue


def test_files_of_another_build_or_id_base_or_none_at_all_are_not_used(build: Path, tmp_path: Path) -> None:
    assert "another build" in stored.load(build, "key-of-a-later-build", ID_BASE).reason
    assert stored.load(build, None, ID_BASE).catalogue is None
    assert "id base" in stored.load(build, KEY, "https://example.org/id/").reason
    assert "no stored indexes" in stored.load(tmp_path / "elsewhere", KEY, ID_BASE).reason


def test_a_file_of_another_format_version_is_refused_not_misread(build: Path) -> None:
    path = build / stored.FOLDER / stored.CATALOGUE_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    data["header"]["version"] = str(stored.VERSION + 1)
    path.write_text(json.dumps(data), encoding="utf-8")
    assert "format version" in stored.load(build, KEY, ID_BASE).reason


@pytest.mark.parametrize("damage", ["truncated catalogue", "not json", "search file of another build", "no search"])
def test_damaged_or_mismatched_files_are_refused_with_the_reason(build: Path, damage: str) -> None:
    folder = build / stored.FOLDER
    if damage == "truncated catalogue":
        text = (folder / stored.CATALOGUE_FILE).read_text(encoding="utf-8")
        (folder / stored.CATALOGUE_FILE).write_text(text[: len(text) // 2], encoding="utf-8")
    elif damage == "not json":
        (folder / stored.CATALOGUE_FILE).write_bytes(b"\x00\xff garbage")
    elif damage == "search file of another build":
        with sqlite3.connect(folder / stored.SEARCH_FILE) as db:
            db.execute("UPDATE info SET value = 'other' WHERE name = 'build_key'")
    else:
        (folder / stored.SEARCH_FILE).unlink()
    found = stored.load(build, KEY, ID_BASE)
    assert found.catalogue is None and found.reason != "loaded"


def test_search_from_the_stored_file_answers_as_the_index_built_in_memory(build: Path, read: Catalogue) -> None:
    found = stored.load(build, KEY, ID_BASE).catalogue
    assert found is not None
    from_file, in_memory = found.search_index(), read.search_index()
    assert from_file is not in_memory
    for text in ["gemba", "improvement", '"golden thread"', "coach*", "<script>", "jimmy", "nothing-like-it"]:
        assert from_file.search(text) == in_memory.search(text), text
    with pytest.raises(sqlite3.OperationalError):  # opened read-only: a server never changes the build's file
        from_file._db.execute("DELETE FROM meta")


def test_a_search_file_of_other_documents_is_not_served_but_rebuilt(build: Path, read: Catalogue) -> None:
    other = build / "other"
    SearchIndex(read.documents()[1:], read.synonyms()).save(other, {})
    with pytest.raises(ValueError, match="other documents"):
        SearchIndex.open(SearchIndex.connect(other)[0], read.documents(), read.synonyms())
    found = stored.load(build, KEY, ID_BASE).catalogue
    assert found is not None
    shutil.copy(other, build / stored.FOLDER / stored.SEARCH_FILE)  # info table says nothing: load refuses it
    assert stored.load(build, KEY, ID_BASE).catalogue is None
    found.use_stored_search(SearchIndex.connect(other)[0])  # a catalogue told to use it builds its own instead
    assert found.search_index().search("gemba") == read.search_index().search("gemba")


def test_a_loaded_catalogue_searches_its_own_file_after_a_new_build_replaces_it(build: Path, read: Catalogue) -> None:
    found = stored.load(build, KEY, ID_BASE).catalogue
    assert found is not None
    newer = build / "newer.sqlite"
    SearchIndex(read.documents()[:3], read.synonyms()).save(newer, {})
    os.replace(newer, build / stored.FOLDER / stored.SEARCH_FILE)  # as a swap of the build folder would
    index = found.search_index()
    assert index._db.execute("PRAGMA database_list").fetchone()[2]  # served from the stored file, not rebuilt
    assert index.search("gemba") == read.search_index().search("gemba")


def test_a_later_build_patches_the_previous_search_file_and_says_why_when_it_does_not(
    build: Path, read: Catalogue, tmp_path: Path
) -> None:
    later = tmp_path / "later"
    done = stored.write(later, read, "key-of-a-later-build", previous=build)
    assert str(done["search"]).startswith("patched: 0 added, 0 removed, 0 reworded")  # the same documents
    found = stored.load(later, "key-of-a-later-build", ID_BASE).catalogue
    assert found is not None
    for text in ["gemba", "improvement", '"golden thread"', "coach*", "jimmy"]:
        assert found.search_index().search(text) == read.search_index().search(text), text
    elsewhere = stored.write(tmp_path / "b", read, KEY, previous=tmp_path / "no-build-here")
    assert str(elsewhere["search"]).startswith("built whole: no previous index")
    with sqlite3.connect(build / stored.FOLDER / stored.SEARCH_FILE) as db:  # cut by another SQLite's FTS5
        db.execute("UPDATE info SET value = '3.0.0' WHERE name = 'sqlite'")
    other = stored.write(tmp_path / "c", read, KEY, previous=build)
    assert (
        other["search"]
        == f"built whole: the previous index's words were cut by SQLite 3.0.0, not {sqlite3.sqlite_version}"
    )
    assert stored.write(tmp_path / "d", read, KEY)["search"] == "built whole"  # `qikg build`: no previous index asked


def test_a_damaged_previous_search_file_is_built_whole_with_the_reason_not_a_traceback(
    build: Path, read: Catalogue, tmp_path: Path
) -> None:
    with sqlite3.connect(build / stored.FOLDER / stored.SEARCH_FILE) as db:  # meta's row ids no longer the rows'
        (rowid,) = db.execute("SELECT max(rowid) FROM meta").fetchone()
        db.execute("UPDATE meta SET rowid = ? WHERE rowid = ?", [rowid + 1000, rowid])
    done = stored.write(tmp_path / "later", read, KEY, previous=build)
    assert done["search"] == "built whole: the index's tables disagree (rows without a document, or a document twice)"
    found = stored.load(tmp_path / "later", KEY, ID_BASE).catalogue
    assert found is not None
    for text in ["gemba", "improvement", '"golden thread"']:
        assert found.search_index().search(text) == read.search_index().search(text), text
