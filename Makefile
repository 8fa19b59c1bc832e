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
export HOST PORT
export FLEXDESK_PORT := $(PORT)
run: seed
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho --procfile Procfile --env /dev/null start --port $(PORT)

test: install
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run

# One process of the Procfile alone (e.g. a second worker): `make worker`, `make beat`.
worker: install
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho --procfile Procfile --env /dev/null start worker

beat: install
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho --procfile Procfile --env /dev/null start beat

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 var
