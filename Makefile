# compute-weekly: every command does its own set-up, from a machine with Python 3.11,
# pip, git and make. `make help` lists the targets.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin

# The Dagster instance runs from make, the CLI and the UI land in. By default the embedded
# one: SQLite files in .dagster/, no server. With COMPUTE_WEEKLY_PG_URL set, the team's:
# PostgreSQL (config/dagster.production.yaml; docs/operations.md, "Run it for a team"), its home in
# .dagster-production/ (settings and run logs only; `make serve DAGSTER_HOME=...` moves it).
ifeq ($(strip $(COMPUTE_WEEKLY_PG_URL)),)
INSTANCE_PROFILE := embedded
INSTANCE_CONFIG := config/dagster.yaml
DAGSTER_HOME := $(CURDIR)/.dagster
else
INSTANCE_PROFILE := production
INSTANCE_CONFIG := config/dagster.production.yaml
DAGSTER_HOME := $(CURDIR)/.dagster-production
# dagster-postgres runs on psycopg2, but SQLAlchemy 2.1 reads a plain postgresql:// as
# psycopg 3: name the driver, for every Dagster process make starts.
override COMPUTE_WEEKLY_PG_URL := $(patsubst postgres://%,postgresql+psycopg2://%,$(patsubst postgresql://%,postgresql+psycopg2://%,$(COMPUTE_WEEKLY_PG_URL)))
export COMPUTE_WEEKLY_PG_URL
endif
export DAGSTER_HOME
# Dagster hands a run's planned events and a partitioned output's materializations to the
# instance's event log in batches of this size, which it writes in one transaction
# (orchestration/dagster_internals/sqlite_event_log.py); unset, one by one, twice as slow. 1000 measured no
# faster, and a batch holds the event log's lock (about 2 ms an event), which the UI's
# reads in the same process wait for.
export DAGSTER_EVENT_BATCH_SIZE ?= 100
DEMO_AS_OF ?= 2024-12-18
DEMO_RANGE ?= 2023-12-25...2024-12-16
AS_OF ?= $(DEMO_AS_OF)
WAREHOUSE ?= $(or $(COMPUTE_WEEKLY_WAREHOUSE),warehouse/warehouse.duckdb)

.PHONY: help install prepare demo backfill exhibit report sql docs test unit bench lint dev serve worker clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

# --compile-bytecode: every dagster, dbt and test process imports a few thousand modules;
# compiled once here, they load in about half the time. Where PYTHONDONTWRITEBYTECODE is
# set (CI images often do), nothing would ever cache them, and each process would compile
# them all again (about 9 s of every Dagster run's start on a 2-core machine).
$(VENV)/.synced: $(UV) pyproject.toml uv.lock Makefile
	$(UV) sync --frozen --compile-bytecode
	touch $@

$(DAGSTER_HOME)/dagster.yaml: $(INSTANCE_CONFIG)
	mkdir -p $(DAGSTER_HOME)
	cp $(INSTANCE_CONFIG) $@
	@echo "Dagster instance ($(INSTANCE_PROFILE)): $(DAGSTER_HOME) (pool 'warehouse' limited to 1 writer)"

install: $(VENV)/.synced $(DAGSTER_HOME)/dagster.yaml ## Install Python, dbt and Dagster into .venv (uv, locked)

prepare: install ## Parse the dbt project (the manifest Dagster loads)
	$(BIN)/python -m orchestration.project

backfill: prepare ## Materialize every asset for DEMO_RANGE in one run
	$(BIN)/dagster asset materialize -m orchestration --select '*' --partition-range '$(DEMO_RANGE)'

exhibit: install ## Print exhibit 1 as of DEMO_AS_OF from the warehouse
	$(BIN)/python -m orchestration.exhibit --as-of $(DEMO_AS_OF)

report: install ## Render the weekly report as of AS_OF (default 2024-12-18) into reports/
	$(BIN)/python -m orchestration.report --as-of $(AS_OF)

# With the warehouse on object storage (COMPUTE_WEEKLY_WAREHOUSE=s3://...), the latest
# build (or BUILD=<name>) is fetched once into the cache and opened from there.
BUILD ?=
sql: install ## Open a read-only SQL shell (DuckDB CLI) on the published warehouse (BUILD=<name> on S3)
	@case "$(WAREHOUSE)" in \
	  s3://*) file=$$($(BIN)/python -m orchestration.published_builds path $(BUILD)) || exit 1 ;; \
	  *) file="$(WAREHOUSE)"; test -f "$$file" || { echo "no warehouse at $$file: run make demo first" >&2; exit 1; } ;; \
	esac; \
	exec $(BIN)/duckdb -readonly "$$file"

docs: prepare ## Build the static dbt documentation into docs/dbt/index.html
	mkdir -p warehouse/.building
	cd dbt_project && ../$(BIN)/dbt docs generate --static --quiet
	mkdir -p docs/dbt
	cp dbt_project/target/static_index.html docs/dbt/index.html
	@echo "dbt docs: docs/dbt/index.html"

# The same backfill, exhibit and report as `make backfill exhibit report`, quietly: one line
# per step, what to act on, exhibit 1; the whole log in logs/demo-<time>.log (orchestration/demo.py).
demo: prepare ## Backfill the demo history, build the marts, print exhibit 1 as of 2024-12-18, render the report
	@$(BIN)/python -m orchestration.demo --range '$(DEMO_RANGE)' --as-of $(DEMO_AS_OF)

# Two workers (pytest-xdist): tests sharing a built base (a backfilled year, two weeks) stay
# on one worker, so each base is built once. TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2

test: prepare ## Run the whole test suite
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup

unit: prepare ## Run the unit tests only (seconds)
	$(BIN)/pytest -m "not integration"

bench: prepare ## Run the benchmarks (BENCH_ARGS, e.g. --only 3), print the table, write benchmarks/results/latest.md
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

lint: install ## Check style and common mistakes (ruff)
	$(BIN)/ruff check orchestration tests benchmarks
	$(BIN)/ruff format --check orchestration tests benchmarks

dev: prepare ## Open the Dagster UI (http://127.0.0.1:3000)
	$(BIN)/dagster dev -w workspace.yaml

# The team's services (docs/operations.md, "Run it for a team"): the code server of the `orchestration`
# location, the webserver and the daemon, as separate processes under honcho
# (deploy/Procfile), against the PostgreSQL instance, its schema migrated first.
DAGSTER_WEBSERVER_HOST ?= 127.0.0.1
DAGSTER_WEBSERVER_PORT ?= 3000
COMPUTE_WEEKLY_CODE_SERVER_HOST ?= 127.0.0.1
COMPUTE_WEEKLY_CODE_SERVER_PORT ?= 4000
export DAGSTER_WEBSERVER_HOST DAGSTER_WEBSERVER_PORT COMPUTE_WEEKLY_CODE_SERVER_HOST COMPUTE_WEEKLY_CODE_SERVER_PORT

serve: prepare ## Run the team's services on PostgreSQL (COMPUTE_WEEKLY_PG_URL); Ctrl-C stops them
	@if [ "$(INSTANCE_PROFILE)" != production ]; then \
	  echo "make serve runs the team's instance on PostgreSQL: set COMPUTE_WEEKLY_PG_URL=postgresql://user:password@host:5432/dagster (docs/operations.md: Run it for a team)" >&2; \
	  exit 2; fi
	$(BIN)/python -m orchestration.alerts
	$(BIN)/dagster instance migrate
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho --procfile deploy/Procfile --app-root $(CURDIR) start

# A Celery worker for the steps of runs (COMPUTE_WEEKLY_EXECUTOR=celery; docs/operations.md, "Run it for a
# team"), in its own folder (WORKER_DIR, default a new temporary one), with the broker in
# COMPUTE_WEEKLY_CELERY_BROKER and the data on object storage. Start one per machine or more.
WORKER_DIR ?=
WORKER_NAME ?=
worker: prepare ## Start a Celery worker for runs' steps (COMPUTE_WEEKLY_CELERY_BROKER; data on S3)
	$(BIN)/python -m orchestration.celery_worker $(if $(WORKER_DIR),--dir "$(WORKER_DIR)") $(if $(WORKER_NAME),--name "$(WORKER_NAME)")

clean: ## Remove landed data, the warehouse, reports, the cache and the Dagster instance (keeps .venv)
	rm -rf raw/*/ warehouse/*.duckdb* warehouse/.building reports .cache docs/dbt $(DAGSTER_HOME) dbt_project/target
