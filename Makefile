# The README's two commands: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
VENDOR := static/vendor
# `python -m pytest` puts the project on sys.path before plugins load, so `-p tests.services`
# (the throwaway PostgreSQL and Redis, see tests/services.py) can be imported that early.
PYTEST := $(BIN)/python -m pytest
# Extra pytest arguments for any test target, e.g. make test-postgres PYTEST_ARGS="-x tests/contacts"
PYTEST_ARGS ?=
# `make run PORT=8123` serves elsewhere; SITE_URL (OAuth redirects, the emulator) follows it.
PORT ?= 8000

.PHONY: run test test-sqlite test-postgres test-integration install assets migrate lint bench clean

run: export SITE_URL ?= http://127.0.0.1:$(PORT)
run: install assets migrate  ## Set up and serve Convene on http://127.0.0.1:$(PORT) (embedded defaults)
	$(MANAGE) seed_demo --once
	$(MANAGE) goto_emulator_seed
	$(MANAGE) seed_goto_demo_account
	@# The demo account connects and syncs through the emulator over HTTP, so the server must
	@# be up first: start it, connect and sync once in the background, then wait on the server.
	@( $(MANAGE) seed_goto_demo_account --connect && $(MANAGE) citrix_sync --quiet ; \
	   $(MANAGE) seed_demo_form ; \
	   echo "Demo GoTo sync done: open a contact to see registrations on its timeline." ) &
	@# No broker, so no beat: the periodic tasks (sync, retries, sweeps) run in a process of their own.
	@$(MANAGE) run_schedule &
	$(MANAGE) runserver 127.0.0.1:$(PORT)

test: install assets  ## Install what the tests need and run every stage, stopping at the first failure
	$(MAKE) lint
	$(MAKE) test-sqlite
	$(MAKE) test-postgres
	$(MAKE) test-integration

test-sqlite: install assets  ## The suite on SQLite, Celery tasks inline (the embedded mode)
	$(PYTEST) -m "not integration" $(PYTEST_ARGS)

test-postgres: install assets  ## The same suite on a throwaway PostgreSQL cluster
	$(PYTEST) -p tests.services --postgres -m "not integration" $(PYTEST_ARGS)

test-integration: install  ## PostgreSQL, Redis and a real Celery worker process
	$(PYTEST) -p tests.services --postgres --redis -m integration $(PYTEST_ARGS) tests/integration

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

# Front-end assets come from the npm registry and are copied into static/vendor: no CDN.
assets: $(VENDOR)/.installed

$(VENDOR)/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/bootstrap $(VENDOR)/bootstrap-icons
	cp node_modules/bootstrap/dist/css/bootstrap.min.css* node_modules/bootstrap/dist/js/bootstrap.bundle.min.js* $(VENDOR)/bootstrap/
	cp -r node_modules/bootstrap-icons/font/bootstrap-icons.min.css node_modules/bootstrap-icons/font/fonts $(VENDOR)/bootstrap-icons/
	@touch $@

migrate: install
	$(MANAGE) migrate --noinput

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy .
	$(MANAGE) makemigrations --check --dry-run

bench: install
	$(BIN)/python bench/import_contacts.py
	$(BIN)/python bench/goto_sync.py
	$(BIN)/python bench/segments.py

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var
