# The two commands of the README:
#   make run   set up and serve the application on SQLite with the demo loaded
#   make test  set up and run the whole test suite on SQLite, then on PostgreSQL
# And for production (README, "Production"):
#   make serve-prod  check, collect static files, migrate, then serve with gunicorn
#   make lock        rewrite the hashed lock files after editing requirements*.txt

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/atf

export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install install-dev browser run serve serve-prod lock migrate demo test test-sqlite test-postgres test-live lint check bench install-load load clean

NHSUK_BUILT := build/nhsuk/nhsuk-frontend.min.css

# Build .venv with the application's dependencies only, exactly as locked (versions and hashes),
# and the NHS.UK design system files the pages use.
install: $(VENV)/.installed $(NHSUK_BUILT)

$(VENV)/.installed: requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q --require-hashes -r requirements.lock
	touch $@

# The NHS.UK design system, the Sass compiler for it, and axe-core for the tests.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The few files of it that are published (scripts/build-static).
$(NHSUK_BUILT): node_modules/.package-lock.json frontend/nhsuk.scss scripts/build-static
	$(PYTHON) scripts/build-static

# The test and lint tools on top.
install-dev: $(VENV)/.installed-dev

$(VENV)/.installed-dev: $(VENV)/.installed $(NHSUK_BUILT) requirements-dev.lock
	$(PIP) install -q --require-hashes -r requirements-dev.lock
	touch $@

# After editing requirements.txt or requirements-dev.txt: pin every dependency, with hashes.
# The development lock is constrained to the runtime one, so both name the same versions.
PIP_COMPILE := $(VENV)/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links
lock: $(VENV)/.installed-dev
	$(PIP_COMPILE) --output-file requirements.lock requirements.txt
	$(PIP_COMPILE) --constraint requirements.lock --output-file requirements-dev.lock requirements-dev.txt
	$(PIP_COMPILE) --constraint requirements-dev.lock --output-file requirements-load.lock requirements-load.txt

# Debian's Chromium for the end-to-end tests; with CI=true a missing browser fails the run.
browser:
	@scripts/ensure-chromium || [ "$${CI:-}" != "true" ]

migrate: install
	DEBUG=true $(PY) manage.py migrate --noinput

demo: migrate
	DEBUG=true $(PY) manage.py load_demo

# Beside the web server: the background worker (imports, exports, mail) and the notifications'
# schedule, every minute. Mail goes to this terminal unless EMAIL_HOST is set. Ctrl-C stops all three.
NOTIFY_EVERY ?= 60
run: demo
	@echo "Serving on http://$(HOST):$(PORT)/ (admin at http://$(HOST):$(PORT)/admin/), with the background worker"
	@export DEBUG=true SITE_URL="$${SITE_URL:-http://$(HOST):$(PORT)}"; \
	$(PY) manage.py db_worker --no-startup-delay & worker=$$!; \
	$(PY) manage.py send_notifications --every $(NOTIFY_EVERY) & notifier=$$!; \
	trap 'kill $$worker $$notifier 2>/dev/null; wait' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

# As production runs it: DEBUG off, static files collected, the deployment checks (errors stop it
# here), migrations applied, then gunicorn (gunicorn.conf.py). DATABASE_URL, SECRET_KEY,
# ALLOWED_HOSTS and the rest come from the environment; for a trial on this machine over plain
# HTTP, ALLOWED_HOSTS defaults to localhost and SECURE_SSL_REDIRECT to false, and a missing
# SECRET_KEY is replaced by a random one for this run only.
serve-prod: install
	@set -e; \
	if [ -z "$${SECRET_KEY:-}" ]; then \
		SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))'); export SECRET_KEY; \
		echo "SECRET_KEY is not set: using a random key for this run only (sign-ins end when it stops)."; \
		echo "A real deployment sets its own SECRET_KEY."; \
	fi; \
	export DEBUG=false; \
	export ALLOWED_HOSTS="$${ALLOWED_HOSTS:-localhost,127.0.0.1}"; \
	export SECURE_SSL_REDIRECT="$${SECURE_SSL_REDIRECT:-false}"; \
	export HOST="$(HOST)" PORT="$(PORT)"; \
	echo "== Static files =="; \
	$(PY) manage.py collectstatic --noinput --clear -v 1; \
	echo "== Deployment checks (errors stop here; warnings are shown) =="; \
	$(PY) manage.py check --deploy --fail-level ERROR; \
	echo "== Migrations =="; \
	$(PY) manage.py migrate --noinput; \
	echo "Serving with gunicorn on http://$(HOST):$(PORT)/ (Ctrl-C stops it)"; \
	exec $(VENV)/bin/gunicorn --config gunicorn.conf.py

test: install-dev browser
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

# The suite runs in one process per core (pytest-xdist), each with its own test database (pytest-django
# names them test_<name>_gw0, _gw1...; on SQLite each is in memory), temporary directory and ports. Tests
# go to whichever process is free (--dist loadgroup), except those marked with one xdist_group, which run
# in one process together (the gunicorn races share one server). Up to four processes; TEST_WORKERS=0
# runs everything in this one process, as before.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); [ "$$n" -gt 4 ] && n=4; echo $$n)
PYTEST := $(VENV)/bin/pytest -q -n $(TEST_WORKERS) --dist loadgroup

test-sqlite: install-dev
	@echo "== Tests on SQLite ($(TEST_WORKERS) processes) =="
	env -u DATABASE_URL $(PYTEST)

# With CI=true an unreachable PostgreSQL fails the run; elsewhere it is skipped with a warning.
test-postgres: install-dev
	@echo "== Tests on PostgreSQL ($(TEST_WORKERS) processes) =="
	@if scripts/ensure-postgres; then \
		DATABASE_URL=$(PG_URL) $(PYTEST); \
	elif [ "$${CI:-}" = "true" ]; then \
		echo "PostgreSQL is required in CI and could not be started." >&2; exit 1; \
	else \
		echo "WARNING: PostgreSQL is not reachable; the PostgreSQL run was skipped." >&2; \
	fi

# The live round played by several users at once, with many more random interleavings than CI runs,
# and the API against its schema with many more generated requests.
test-live: install-dev
	LIVE_ROUND_PROFILE=thorough API_FUZZ_EXAMPLES=200 env -u DATABASE_URL $(PYTEST) stocktake/tests/test_live_round.py notifications/tests/test_notifications_live.py api/tests/test_schema.py

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

check: install-dev
	DEBUG=true $(PY) manage.py check
	DEBUG=true $(PY) manage.py makemigrations --check --dry-run

bench: install-dev
	DEBUG=true $(PY) bench/workbook.py
	DEBUG=true $(PY) bench/indicators.py
	DEBUG=true $(PY) bench/notifications.py
	DEBUG=true $(PY) bench/api.py

# The fault and load suite: many leads at once on SQLite, then PostgreSQL, under gunicorn with several
# workers, with hostile files sent meanwhile (loadtest/run.py; LOAD_ARGS="--users 40 --time 120s" for more).
install-load: $(VENV)/.installed-load

$(VENV)/.installed-load: $(VENV)/.installed-dev requirements-load.lock
	$(PIP) install -q --require-hashes -r requirements-load.lock
	touch $@

load: install-load
	@scripts/ensure-postgres
	$(PY) loadtest/run.py $(LOAD_ARGS)

clean:
	rm -rf $(VENV) var staticfiles build
