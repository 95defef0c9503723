"""Where compute-weekly keeps its files, and the environment variables that move them.

Every path the project reads or writes is resolved here, at call time (never at import),
so tests and users can point the pipeline somewhere else with an environment variable.
The dbt profile (`dbt_project/profiles.yml`) and the generated sources
(`orchestration/dbt_sources.py`) use the same variables with the same defaults, relative
to `dbt_project/`; Dagster passes them to dbt as absolute paths.

The warehouse exists twice: dbt builds in a private file (`build_warehouse_path`), and a
successful build is published over the file analysts open (`warehouse_path`) in one
atomic rename, in a storage version older DuckDB clients read (`orchestration.warehouse`).
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"

RAW_DIR_ENV = "COMPUTE_WEEKLY_RAW_DIR"
WAREHOUSE_ENV = "COMPUTE_WEEKLY_WAREHOUSE"
BUILD_WAREHOUSE_ENV = "COMPUTE_WEEKLY_BUILD_WAREHOUSE"
STORAGE_VERSION_ENV = "COMPUTE_WEEKLY_STORAGE_VERSION"
REPORTS_DIR_ENV = "COMPUTE_WEEKLY_REPORTS_DIR"
CACHE_DIR_ENV = "COMPUTE_WEEKLY_CACHE_DIR"
# The half-open window [start, end) of dates a dbt build rebuilds, set by Dagster for the
# dbt process only (dbt_project/macros/partition_window.sql); unset: all time.
WINDOW_START_ENV = "COMPUTE_WEEKLY_WINDOW_START"
WINDOW_END_ENV = "COMPUTE_WEEKLY_WINDOW_END"
# DuckDB 1.0 and every later release (the DuckDB 1.5 CLI, older JDBC drivers) read it.
DEFAULT_STORAGE_VERSION = "v1.0.0"

DEFAULT_RAW_DIR = PROJECT_ROOT / "raw"
DEFAULT_WAREHOUSE = PROJECT_ROOT / "warehouse" / "warehouse.duckdb"
DEFAULT_CACHE_DIR = PROJECT_ROOT / ".cache"
DEFAULT_REPORTS_DIR = PROJECT_ROOT / "reports"


def raw_dir() -> Path:
    """The landing zone: one folder per raw dataset, one sub-folder per weekly partition."""
    return Path(os.environ.get(RAW_DIR_ENV) or DEFAULT_RAW_DIR).resolve()


def warehouse_path() -> Path:
    """The published DuckDB file analysts query (read-only); runs replace it atomically."""
    return Path(os.environ.get(WAREHOUSE_ENV) or DEFAULT_WAREHOUSE).resolve()


def build_warehouse_path() -> Path:
    """The private DuckDB file dbt builds in, beside the published one by default
    (`.building/` in its folder). Same file name, so views keep their catalog name."""
    explicit = os.environ.get(BUILD_WAREHOUSE_ENV)
    if explicit:
        return Path(explicit).resolve()
    published = warehouse_path()
    return published.parent / ".building" / published.name


def cache_dir() -> Path:
    """What is derived once and kept between runs (the exchange calendars' sessions, the
    report's cut font): safe to delete."""
    return Path(os.environ.get(CACHE_DIR_ENV) or DEFAULT_CACHE_DIR).resolve()


def reports_dir() -> Path:
    """Where the weekly reports are written, one folder per week."""
    return Path(os.environ.get(REPORTS_DIR_ENV) or DEFAULT_REPORTS_DIR).resolve()


def storage_version() -> str:
    """The DuckDB storage version the warehouse is published in."""
    return os.environ.get(STORAGE_VERSION_ENV) or DEFAULT_STORAGE_VERSION
