# Two commands on a fresh machine: `make run` and `make test`. Everything else is set up here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

# Debian packages: WeasyPrint renders ten times faster with HarfBuzz's subsetter,
# and the browser tests drive Debian's Chromium (never a downloaded browser).
RUN_DEBS := libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
TEST_DEBS := $(RUN_DEBS) chromium

.PHONY: run test lint format bench loadtest worker daily setup setup-dev debs-run debs-test migrate demo clean help

help:
	@echo "make run    set everything up, load the demo and serve on http://$(HOST):$(PORT)"
	@echo "make test   set everything up and run the tests (DATABASE_URL picks the database)"
	@echo "make lint   ruff (check + format check), djhtml and bandit"
	@echo "make bench  run the benchmarks in bench/"
	@echo "make loadtest  200 learners in locust against gunicorn and PostgreSQL (LOADTEST_DATABASE_URL)"
	@echo "make worker run a background task worker for the configured task backend"
	@echo "make daily  queue the daily job (waves, recertifications, reminders); run it from cron"

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip

$(VENV)/.requirements: requirements.txt | $(VENV)/bin/python
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.requirements-dev: requirements-dev.txt $(VENV)/.requirements
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

$(VENV)/.requirements-load: requirements-load.txt $(VENV)/.requirements
	$(VENV)/bin/pip install --quiet -r requirements-load.txt
	touch $@

setup: $(VENV)/.requirements debs-run
setup-dev: $(VENV)/.requirements-dev debs-test

debs-run:
	@bash scripts/ensure-debs.sh $(RUN_DEBS)

debs-test:
	@bash scripts/ensure-debs.sh $(TEST_DEBS)

migrate: setup
	$(MANAGE) migrate --noinput
	$(MANAGE) createcachetable

demo: migrate
	$(MANAGE) seed_demo

run: demo
	@echo "Serving on http://$(HOST):$(PORT)/ with a task worker; Ctrl-C stops both."
	@trap 'kill 0' INT TERM EXIT; \
	PY=$(PY) bash scripts/worker.sh & \
	$(MANAGE) runserver $(HOST):$(PORT)

worker: setup
	PY=$(PY) bash scripts/worker.sh

daily: setup
	$(MANAGE) run_daily

test: setup-dev
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(VENV)/.requirements-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djhtml --check $$(find templates home courses assessments learning -name '*.html' -not -path '*/node_modules/*')
	$(VENV)/bin/bandit --quiet --configfile pyproject.toml --recursive config home courses assessments learning bench

format: $(VENV)/.requirements-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	$(VENV)/bin/djhtml $$(find templates home courses assessments learning -name '*.html')

bench: setup-dev
	$(PY) bench/run.py
	$(PY) bench/scenario_steps.py
	$(PY) bench/org_import.py
	$(PY) bench/certificates.py
	$(PY) bench/dashboards.py

# A benchmark, not a test: 200 simulated learners against gunicorn and PostgreSQL.
loadtest: $(VENV)/.requirements-load debs-run
	$(PY) bench/loadtest.py

clean:
	rm -rf $(VENV) staticfiles test-artifacts .pytest_cache .ruff_cache
