# Two commands that work on a fresh machine:
#   make run   - set up, migrate, load the demo tenant, start the product
#   make test  - set up, start PostgreSQL and Redis if needed, run every test
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8080

.PHONY: venv run test lint services schema translations clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

run: venv
	$(BIN)/orchestrator db upgrade
	$(BIN)/orchestrator demo load
	-$(BIN)/orchestrator media build
	-$(BIN)/orchestrator apply
	$(BIN)/orchestrator web --host $(HOST) --port $(PORT)

services:
	scripts/ensure-test-deps.sh

test: venv services lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# ruff (lint and import order) and mypy (strict for domain, render, routing): pyproject.toml
lint: venv
	$(BIN)/ruff check .
	$(BIN)/mypy

schema: venv
	$(BIN)/orchestrator tenant schema -o docs/tenant-schema.json
	$(BIN)/orchestrator simulate-schema -o docs/simulate-schema.json

# Web UI messages: extract from webui/, merge into the French catalogue, compile.
translations: venv
	$(BIN)/pybabel extract -F webui/babel.cfg -o webui/translations/messages.pot --no-location --omit-header .
	$(BIN)/pybabel update -i webui/translations/messages.pot -d webui/translations --width 120 --ignore-obsolete
	$(BIN)/pybabel compile -d webui/translations --statistics

clean:
	rm -rf $(VENV) var .pytest_cache
