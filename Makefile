VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUNTIME := $(VENV)/.runtime
CATALOGUES := $(wildcard locales/*/LC_MESSAGES/relais.po)
COMPILED := $(CATALOGUES:.po=.mo)
HOST ?= 127.0.0.1
PORT ?= 8000

# The PostgreSQL server the storage tests also run against (this machine's, trust auth).
RELAIS_TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
export RELAIS_TEST_POSTGRES_URL

.PHONY: install run test lint typecheck pytest bench locales extract clean

install: $(STAMP) $(COMPILED)

# What running the server needs: the project and its runtime dependencies only.
$(RUNTIME): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $(RUNTIME)

# What the tests need besides: the development tools.
$(STAMP): $(RUNTIME)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

locales/%/LC_MESSAGES/relais.mo: locales/%/LC_MESSAGES/relais.po $(RUNTIME)
	$(BIN)/pybabel compile --use-fuzzy -D relais -i $< -o $@

# Re-extract the strings of the code and merge them into every catalogue.
extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ -k ngettext:1,2 --no-location --sort-output \
		--project=relais --copyright-holder="Relais" -o locales/relais.pot bot
	$(BIN)/pybabel update -D relais -i locales/relais.pot -d locales --no-fuzzy-matching --ignore-obsolete

locales: $(COMPILED)

run: $(RUNTIME) $(COMPILED)
	$(BIN)/relais serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

# One worker per CPU: the suite is mostly waiting on SQLite, PostgreSQL and loopback servers.
pytest: install
	$(BIN)/pytest -n auto

test: lint typecheck pytest

# `make bench BENCH=campaigns REPEATS=3`: only the kills, three per channel and database.
bench: install
	$(PY) -m bench $(BENCH) $(if $(REPEATS),--repeats $(REPEATS))

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .cache
