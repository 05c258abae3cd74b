# ScaleKG. The two commands in the README are `make serve` and `make test`;
# each one creates the virtualenv, installs the project and builds the snapshot itself.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=
# The repository keeps its own build/; outside it, scalekg builds under its data_dir (docs/settings.md).
export SCALEKG_BUILD_DIR ?= $(CURDIR)/build

.PHONY: serve test build inference check stats lint format bench bench-scale screenshot clean readme-stats

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

build: $(STAMP)
	$(BIN)/scalekg build

serve: build
	$(BIN)/scalekg serve --host $(HOST) --port $(PORT)

# After changing ontology/ or data/: rerun HermiT and rewrite data/inferred.nt (commit it).
inference: $(STAMP)
	$(BIN)/scalekg build --write-inference

check: $(STAMP)
	$(BIN)/scalekg check

stats: build
	$(BIN)/scalekg stats

test: build
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: build
	$(BIN)/python -m bench.run_http

bench-scale: build
	$(BIN)/python -m bench.run_scale

screenshot: build
	$(BIN)/python -m bench.screenshot docs/img/graph.png

clean:
	rm -rf build dist *.egg-info .pytest_cache

readme-stats: build
	$(BIN)/python -m bench.readme_stats
