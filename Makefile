# ScaleKG. The two commands in the README are `make serve` and `make test`;
# each one creates the virtualenv, installs the project and builds the snapshot itself.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=
# uv installs about twice as fast as pip on a fresh machine (docs/development.md); INSTALLER=pip
# uses pip alone. Either way the result is the same editable install with the test extras.
INSTALLER ?= uv
FAST   := not browser and not virtuoso and not soak
# The repository keeps its own build/; outside it, scalekg builds under its data_dir (docs/settings.md).
export SCALEKG_BUILD_DIR ?= $(CURDIR)/build

.PHONY: serve test test-fast typecheck system-packages install build inference check stats lint format \
	bench bench-scale bench-diagnostic bench-questions devset screenshot clean readme-stats yasgui report-pdf

# Two steps: what serving needs, then the test tools (playwright, ruff, mypy) only for the
# targets that use them, so a first `make serve` does not wait for them.
$(STAMP): pyproject.toml
	@echo "make: installing ScaleKG into $(VENV) with $(INSTALLER) (first run only)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { \
	  echo "make: '$(PYTHON) -m venv' failed. On Debian/Ubuntu: apt-get install python3-venv" >&2; \
	  exit 1; }
	@$(MAKE) --no-print-directory install EXTRAS=
	@touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	@echo "make: installing the test tools (pytest, playwright, ruff, mypy) into $(VENV)"
	@$(MAKE) --no-print-directory install EXTRAS='[test]'
	@touch $(TEST_STAMP)

install:
	@if [ "$(INSTALLER)" = uv ] && { test -x $(BIN)/uv || $(BIN)/python -m pip install -qq uv; }; then \
	  $(BIN)/uv pip install -q --python $(BIN)/python -e '.$(EXTRAS)'; \
	else \
	  $(BIN)/python -m pip install -q -e '.$(EXTRAS)'; \
	fi

build: $(STAMP)
	@$(BIN)/scalekg build

# `scalekg serve` builds first when the snapshot is missing or stale (one Python start, not two).
serve: $(STAMP)
	$(BIN)/scalekg serve --host $(HOST) --port $(PORT)

# After changing ontology/ or data/: rerun HermiT and rewrite data/inferred.nt (commit it).
inference: $(TEST_STAMP)
	$(BIN)/scalekg build --write-inference

check: $(STAMP)
	$(BIN)/scalekg check

stats: build
	$(BIN)/scalekg stats

# Java, Chromium, Virtuoso and wrk: installed when missing (root and apt), else the exact command.
system-packages:
	@.ci/system-packages.sh

# The whole suite, the one CI runs (browser, Virtuoso and soak tests included: they run, not skip).
test: system-packages build $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q --durations=10 $(PYTEST_ARGS)

# Everything but the browser, Virtuoso and soak tests: the quick loop while working.
test-fast: build $(TEST_STAMP)
	$(BIN)/python -m pytest -q --durations=10 -n auto -m "$(FAST)" $(PYTEST_ARGS)

typecheck: $(TEST_STAMP)
	$(BIN)/mypy

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(TEST_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: build $(TEST_STAMP)
	$(BIN)/python -m bench.run_http

bench-scale: build $(TEST_STAMP)
	$(BIN)/python -m bench.run_scale

# Top-three concentration of the diagnostic over 200 random organisations per stage.
bench-diagnostic: build
	$(BIN)/python -m bench.diagnostic_concentration --orgs 200

# First-time questions (response cache bypassed) and suggest per keystroke, shipped and synthetic
# graphs of 5,000 and 50,000 concepts; writes docs/benchmarks.md (section Questions).
bench-questions: build $(TEST_STAMP)
	$(BIN)/python -m bench.run_questions

# The question reader's development set score (it also runs in `make test`).
devset: build $(TEST_STAMP)
	$(BIN)/python -m tests.graph.test_question_devset

# The default /graph (README), a focused chain, and the other pages' screenshots for docs/.
screenshot: build $(TEST_STAMP)
	$(BIN)/python -m bench.screenshot docs/img/graph.png
	$(BIN)/python -m bench.screenshot docs/img/graph-chain.png --query "$$($(BIN)/python -c 'import bench.screenshot as s; print(s.CHAIN_QUERY)')"
	$(BIN)/python -m bench.screenshot_pages docs/img

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
	$(BIN)/python -m bench.report_pdf $(REPORT_PDF:.pdf=.html) $(REPORT_PDF)
