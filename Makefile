# Kompeten: two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export KOMPETEN_HTTPS ?= 0

.PHONY: run demo test lint check-migrations pytest bench messages screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/kompeten demo

test: $(STAMP) lint check-migrations pytest

lint: $(STAMP)
	$(BIN)/ruff check .

check-migrations: $(STAMP)
	DATABASE_URL= $(BIN)/kompeten makemigrations --check --dry-run --settings=kompeten.settings_test

# pytest on SQLite always; again on PostgreSQL when DATABASE_URL points at one. The end-to-end journeys
# (tests/journeys/) share one demo server, so they stay together on one worker (--dist loadgroup).
PYTEST := $(BIN)/pytest -n 2 --dist loadgroup -q
pytest: $(STAMP)
	DATABASE_URL= $(PYTEST)
	@if echo "$$DATABASE_URL" | grep -q '^postgres'; then \
		echo "== again on PostgreSQL =="; $(PYTEST); \
	else echo "(DATABASE_URL is not PostgreSQL: skipped the PostgreSQL run)"; fi

bench: $(STAMP)
	$(BIN)/python bench/import_persons.py

# The user guide's screenshots (docs/guide/img/) from the end-to-end journeys, on the demo as `make run` builds it.
screenshots: $(STAMP)
	KOMPETEN_SCREENSHOTS=docs/guide/img KOMPETEN_JOURNEY_PERSONS=5000 DATABASE_URL= $(BIN)/pytest -p no:xdist -q tests/journeys

messages: $(STAMP)
	cd kompeten && ../$(BIN)/kompeten makemessages -l id --no-location --no-obsolete
	$(BIN)/python -m kompeten.core.compilemo

clean:
	rm -rf $(VENV) var
