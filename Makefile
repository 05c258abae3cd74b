# ScaleKG. The two commands in the README are `make serve` and `make test`;
# each one creates the virtualenv, installs the project and builds the snapshot itself.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=
# uv installs about twice as fast as pip on a fresh machine (docs/development.md); INSTALLER=pip
# uses pip alone. Either way the result is the same editable install with the test extras.
INSTALLER ?= uv
FAST   := not browser and not virtuoso and not soak
# The repository keeps its own build/; outside it, scalekg builds under its data_dir (docs/settings.md).
export SCALEKG_BUILD_DIR ?= $(CURDIR)/build

.PHONY: serve test test-fast typecheck system-packages build inference check stats lint format \
	bench bench-scale screenshot clean readme-stats yasgui

$(STAMP): pyproject.toml
	@echo "make: installing ScaleKG and its dependencies into $(VENV) ($(INSTALLER); once, about 30 s)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { \
	  echo "make: '$(PYTHON) -m venv' failed. On Debian/Ubuntu: apt-get install python3-venv" >&2; \
	  exit 1; }
	@if [ "$(INSTALLER)" = uv ] && $(BIN)/python -m pip install -q uv; then \
	  $(BIN)/uv pip install -q --python $(BIN)/python -e '.[test]'; \
	else \
	  $(BIN)/python -m pip install -q -e '.[test]'; \
	fi
	@touch $(STAMP)

build: $(STAMP)
	@$(BIN)/scalekg build

serve: build
	$(BIN)/scalekg serve --host $(HOST) --port $(PORT)

# After changing ontology/ or data/: rerun HermiT and rewrite data/inferred.nt (commit it).
inference: $(STAMP)
	$(BIN)/scalekg build --write-inference

check: $(STAMP)
	$(BIN)/scalekg check

stats: build
	$(BIN)/scalekg stats

# Java, Chromium, Virtuoso and wrk: installed when missing (root and apt), else the exact command.
system-packages:
	@.ci/system-packages.sh

# The whole suite, the one CI runs (browser, Virtuoso and soak tests included: they run, not skip).
test: system-packages build
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# Everything but the browser, Virtuoso and soak tests: the quick loop while working.
test-fast: build
	$(BIN)/python -m pytest -q -m "$(FAST)" $(PYTEST_ARGS)

typecheck: $(STAMP)
	$(BIN)/mypy

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

# The /query workbench's YASGUI bundle, from the npm packages pinned in api/workbench/package-lock.json.
# The output (api/workbench/static/) is committed: serving and tests need no npm.
yasgui:
	cd api/workbench && npm ci --no-audit --no-fund --ignore-scripts && node build.mjs
