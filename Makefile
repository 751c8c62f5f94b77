# Two commands: `make run` (build the graph, serve everything on 127.0.0.1:8000) and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup build lint bench clean

$(BIN)/qikg: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(BIN)/qikg

setup: $(BIN)/qikg

build: setup
	$(BIN)/qikg build

run: setup
	$(BIN)/qikg serve --host $(HOST) --port $(PORT)

test: setup
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check kg api visualizations tests bench

bench: setup
	$(BIN)/python -m bench.run

clean:
	rm -rf build qikg-data/build .pytest_cache  # build/: setuptools; qikg-data/build: the graph (added chats stay)
