# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench install services system-packages test-tools bench-tools lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

## Run the whole product on embedded defaults (SQLite, in-process tasks), with demo data.
run: install
	$(BIN)/worklist db upgrade
	$(BIN)/worklist serve --demo

services:
	scripts/ensure-services.sh

system-packages:
	scripts/ensure-system-packages.sh

# The OpenID Connect provider of the single sign-on tests (npm); without Node they are skipped.
test-tools:
	-scripts/ensure-test-tools.sh

## Run the whole test suite against real PostgreSQL, Redis, DICOM peers and a browser.
test: install services test-tools
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The benchmarks' peers (Orthanc beside dcmtk's storescp).
bench-tools:
	scripts/ensure-bench-tools.sh

## Run the benchmarks and write bench/RESULTS.md.
bench: install services bench-tools
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
