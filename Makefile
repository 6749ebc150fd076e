# The two commands of the README: `make run` and `make test` (the whole suite; `make test-unit`
# runs only the pure, database-free tests of tests/unit/ in a few seconds).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
DATABASE_URL ?= sqlite:///var/innovation.db
export DATABASE_URL
# A first start prints what a newcomer needs and nothing alarming: no pip notices or warnings
# about running as root, no npm deprecation lines (errors still show).
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PIP_ROOT_USER_ACTION := ignore

.PHONY: run test test-unit lint install

$(BIN)/innovation: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --quiet --upgrade pip
	$(BIN)/pip install --quiet --quiet -e '.[test]'
	touch $@

# Front-end packages (bpmn-js; playwright-core for tests/browser/) from the lock file.
# npm ci writes web/node_modules/.package-lock.json, so this reruns only when the lock changes.
web/node_modules/.package-lock.json: web/package-lock.json
	npm ci --prefix web --no-audit --no-fund --loglevel=error
	touch $@

install: $(BIN)/innovation web/node_modules/.package-lock.json

run: install
	mkdir -p var
	$(BIN)/innovation db upgrade
	$(BIN)/innovation deploy --keep-newer processes/*.bpmn
	$(BIN)/innovation users bootstrap
	$(BIN)/innovation demo --seed --if-empty
	CHECKOUT_WRITABLE=1 $(BIN)/innovation serve

# The layer contracts (import-linter) and ruff, then every test: what CI runs.
lint: install
	$(BIN)/lint-imports --no-cache
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest

# Seconds, no database: engine logic and the innovation domain (in one process: starting
# test workers would cost more than the tier).
test-unit: $(BIN)/innovation
	$(BIN)/python -m pytest tests/unit -q -n 0
