# Two commands for a newcomer: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install migrate seed lint worker beat bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Flexdesk needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py setup_periodic_tasks

# Links in e-mails (invitations, surveys, trials, contracts) open the server `make run` starts, unless SITE_URL is set.
export SITE_URL ?= http://$(HOST):$(PORT)

# Seeding runs its tasks in-process (eager) after its commit, with e-mail dropped: nothing it enqueues reaches
# the worker, which would send the demo people's e-mails for real (EMAIL_URL) or run them at a surprising time.
seed: migrate
	CELERY_TASK_ALWAYS_EAGER=true $(PY) manage.py seed_demo

# The web server, a Celery worker and Celery beat together (Procfile), on the embedded broker under var/celery
# unless CELERY_BROKER_URL is set (redis://…). honcho reads no .env: the settings read it themselves, and the
# environment wins over it there, as it does for the commands above.
# The three share one cache, files under var/cache unless CACHE_URL is set: a session signed out or a user changed by
# one process (the worker ends a contract, the web server signs someone out) is seen by the others at once
# (docs/adr/0031-cached-sessions-and-users.md); a per-process cache would keep stale copies for 10 minutes.
export HOST PORT
export FLEXDESK_PORT := $(PORT)
run: export CACHE_URL ?= filecache://$(CURDIR)/var/cache
run: seed
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho --procfile Procfile --env /dev/null start --port $(PORT)

# On PostgreSQL when one answers at 127.0.0.1:5432 (as in CI) and DATABASE_URL is unset, else on SQLite; the
# first line says which (tools/test_database.py). Under CI (CI=true), or with COVERAGE=1, it measures line and
# branch coverage and fails below the floor (pyproject's [tool.coverage.report] fail_under).
# Extra pytest arguments: `make test ARGS="tests/queues -x"`.
COVERAGE ?= $(CI)
PYTEST_COVERAGE = $(if $(COVERAGE),--cov --cov-report=term-missing:skip-covered,)
test: install
	@url="$$($(PY) tools/test_database.py)" && if [ -n "$$url" ]; then export DATABASE_URL="$$url"; fi; \
	$(PY) -m pytest $(PYTEST_COVERAGE) $(ARGS)

# The checks pre-commit runs on a commit's files (.pre-commit-config.yaml), here on the whole tree.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) tools/mypy_baseline.py

# One process of the Procfile alone (e.g. a second worker): `make worker`, `make beat`.
worker: install
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho --procfile Procfile --env /dev/null start worker

beat: install
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho --procfile Procfile --env /dev/null start beat

# Issue #22's benchmarks (bench/run.py, on PostgreSQL and Redis at 127.0.0.1): builds the data sets that are missing
# (bench/datasets.py, once: 10k, 100k and 1m tickets, each in a database of its own), times every page on each
# against gunicorn with production settings, runs the intake benches, prints one table and adds it to
# docs/benchmarks.md. A quick look (printed only): `make bench SIZES=10k PAGES=floor,inhouse ROUNDS=1 REQUESTS=10`.
SIZES ?= 10k,100k,1m
BENCH_ARGS = --sizes $(SIZES) $(if $(PAGES),--pages $(PAGES)) $(if $(ROUNDS),--rounds $(ROUNDS)) \
	$(if $(REQUESTS),--requests $(REQUESTS)) $(if $(WARMUP),--warmup $(WARMUP))
bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 var
