"""The build's step that stores the API's indexes (kg/pipeline/indexes.py): from the build's own store, or from its
TriG when the build loads no store; never from a store that holds another build."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kg.indexes import stored
from kg.pipeline.indexes import write_indexes
from kg.pipeline.manifest import build_key
from kg.store import OxigraphStore

MINI = Path(__file__).resolve().parents[2] / "api" / "fixtures" / "mini.trig"
ID_BASE = "https://w3id.org/qikg/id/"


def _build(folder: Path) -> Path:
    folder.mkdir()
    shutil.copy(MINI, folder / "qikg.trig")
    return folder


def test_a_build_without_a_store_gets_its_indexes_from_its_trig(tmp_path: Path) -> None:
    build = _build(tmp_path / "build")
    done = write_indexes(build, None, ID_BASE)
    assert done["catalogue_bytes"] > 0 and done["search_bytes"] > 0
    found = stored.load(build, build_key(build), ID_BASE)
    assert found.reason == "loaded" and found.catalogue is not None and found.catalogue.quotes
    assert done["networks_bytes"] > 0 and done["networks_stored"] == 3 * (1 + len(found.catalogue.chats))
    networks = stored.load_networks(build, build_key(build))
    assert networks.reason == "loaded" and networks.networks is not None
    assert networks.networks.get("people").graph.number_of_nodes() > 0  # from the stored facts and measures


def test_the_indexes_are_read_from_the_builds_store_and_only_if_it_holds_this_build(tmp_path: Path) -> None:
    build = _build(tmp_path / "build")
    store = OxigraphStore(build / "store")
    store.load(build / "qikg.trig", "another build's key")
    store.close()
    with pytest.raises(RuntimeError, match="does not hold the build"):
        write_indexes(build, build / "store", ID_BASE)
    assert not (build / stored.FOLDER / stored.CATALOGUE_FILE).exists()
    store = OxigraphStore(build / "store")
    store.load(build / "qikg.trig", build_key(build))
    store.close()
    write_indexes(build, build / "store", ID_BASE)
    assert stored.load(build, build_key(build), ID_BASE).catalogue is not None
