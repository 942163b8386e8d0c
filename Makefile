# The two commands of the README:
#   make run   set up and serve the application on SQLite with the demo loaded
#   make test  set up and run the whole test suite on SQLite, then on PostgreSQL

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/atf

export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install install-dev browser run serve migrate demo test test-sqlite test-postgres test-live lint check bench clean

# Build .venv with the application's dependencies only.
install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt package.json package-lock.json
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements.txt
	# The NHS.UK design system (and axe-core for the tests), served as static files.
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The test and lint tools on top.
install-dev: $(VENV)/.installed-dev

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP) install -q -r requirements-dev.txt
	touch $@

# Debian's Chromium for the end-to-end tests; with CI=true a missing browser fails the run.
browser:
	@scripts/ensure-chromium || [ "$${CI:-}" != "true" ]

migrate: install
	DEBUG=true $(PY) manage.py migrate --noinput

demo: migrate
	DEBUG=true $(PY) manage.py load_demo

run: demo
	@echo "Serving on http://$(HOST):$(PORT)/ (admin at http://$(HOST):$(PORT)/admin/)"
	DEBUG=true $(PY) manage.py runserver $(HOST):$(PORT)

test: install-dev browser
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: install-dev
	@echo "== Tests on SQLite =="
	env -u DATABASE_URL $(VENV)/bin/pytest -q

# With CI=true an unreachable PostgreSQL fails the run; elsewhere it is skipped with a warning.
test-postgres: install-dev
	@echo "== Tests on PostgreSQL =="
	@if scripts/ensure-postgres; then \
		DATABASE_URL=$(PG_URL) $(VENV)/bin/pytest -q; \
	elif [ "$${CI:-}" = "true" ]; then \
		echo "PostgreSQL is required in CI and could not be started." >&2; exit 1; \
	else \
		echo "WARNING: PostgreSQL is not reachable; the PostgreSQL run was skipped." >&2; \
	fi

# The live round played by several users at once, with many more random interleavings than CI runs.
test-live: install-dev
	LIVE_ROUND_PROFILE=thorough env -u DATABASE_URL $(VENV)/bin/pytest -q stocktake/tests/test_live_round.py

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

check: install-dev
	DEBUG=true $(PY) manage.py check
	DEBUG=true $(PY) manage.py makemigrations --check --dry-run

bench: install-dev
	DEBUG=true $(PY) bench/workbook.py

clean:
	rm -rf $(VENV) var staticfiles
