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

.PHONY: serve test build inference check stats lint format bench bench-scale screenshot clean readme-stats yasgui report-pdf

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

# The /query workbench's YASGUI bundle, from the npm packages pinned in api/workbench/package-lock.json.
# The output (api/workbench/static/) is committed: serving and tests need no npm.
yasgui:
	cd api/workbench && npm ci --no-audit --no-fund --ignore-scripts && node build.mjs

# An assessment report as a PDF (headless Chromium, the report's print stylesheet):
# make report-pdf [ASSESSMENT=my-org.yaml] [REPORT_PDF=build/report.pdf]
ASSESSMENT ?= data/examples/late-stage-scaleup.yaml
REPORT_PDF ?= build/report.pdf
report-pdf: build
	$(BIN)/scalekg assess run $(ASSESSMENT) --html $(REPORT_PDF:.pdf=.html) > /dev/null
	$(BIN)/python -m scalekg.api.report_pdf $(REPORT_PDF:.pdf=.html) $(REPORT_PDF)
