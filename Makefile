# 职评 — the two set-up commands: `make run` (platform on SQLite with demo data) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# Test processes (pytest-xdist); each module stays on one worker so module fixtures are built once.
TEST_WORKERS ?= 2
PYTEST := $(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadscope

.PHONY: run install install-test setup test test-sqlite test-postgresql translations clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pybabel compile -d translations

setup: install
	$(BIN)/flask --app run setup
	$(BIN)/flask --app run demo load
	$(BIN)/flask --app run demo history

run: setup
	@echo "职评 is starting at http://$(HOST):$(PORT)/"
	$(BIN)/flask --app run run --host $(HOST) --port $(PORT)

install-test: $(BIN)/python
	bash tools/install-test-deps.sh
	$(BIN)/pip install --quiet -r requirements-test.txt
	$(BIN)/pybabel compile -d translations

test: install-test test-sqlite test-postgresql

test-sqlite:
	$(PYTEST) --db=sqlite

test-postgresql:
	$(PYTEST) --db=postgresql tests/functional

translations:
	bash tools/i18n.sh update

clean:
	rm -rf $(VENV) instance
