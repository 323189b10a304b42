# The few commands people type. Each does its own set-up on a fresh machine
# with Python 3.11+: a virtual environment in .venv, dependencies, migrations.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Test processes: pytest-xdist workers (each gets its own test database).
TEST_WORKERS ?= 2

.PHONY: run test fuzz lint format check schema worker clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## make run: migrate, load demo data, then serve the API on http://127.0.0.1:8000
## with a Celery worker beside it (embedded defaults: SQLite, folder broker).
run: $(STAMP)
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-true} HOST=$(HOST) PORT=$(PORT) $(BIN)/python manage.py seed_demo
	DEBUG=$${DEBUG:-true} $(BIN)/python bin/run_dev.py --host $(HOST) --port $(PORT)

## make test: the whole suite (SQLite unless DATABASE_URL is set; Redis when REDIS_URL is set).
## Schemathesis runs in its own, single process: its generated items do not survive xdist.
test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) -m "not schemathesis"
	$(BIN)/python -m pytest -m schemathesis

## make fuzz: the stack under gunicorn (gunicorn.conf.py) on a fresh database, fuzzed by schemathesis's
## CLI with every check for FUZZ_SECONDS (default 300); see bench/fuzz.py.
fuzz: $(STAMP)
	$(BIN)/python bench/fuzz.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: $(STAMP)
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

schema: $(STAMP)
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --format openapi-json --file schema.json

worker: $(STAMP)
	$(BIN)/celery -A aimg_site worker --loglevel INFO --concurrency 2 -B

clean:
	rm -rf $(VENV) var
