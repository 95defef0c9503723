"""Where compute-weekly keeps its files, and the environment variables that move them.

Every path the project reads or writes is resolved here, at call time (never at import),
so tests and users can point the pipeline somewhere else with an environment variable.
The dbt profile (`dbt_project/profiles.yml`) and the generated sources
(`orchestration/dbt_sources.py`) use the same variables with the same defaults, relative
to `dbt_project/`; Dagster passes them to dbt as absolute paths.

The warehouse exists twice: dbt builds in a private file (`build_warehouse_path`), and a
successful build is published over the file analysts open (`warehouse_path`) in one
atomic rename, in a storage version older DuckDB clients read (`orchestration.warehouse`).

The landing zone and the warehouse may also be an S3 prefix (`s3://bucket/prefix`,
`orchestration.object_store`): the landing zone is then read and written there, and each
build of the warehouse is published there as an object of its own
(`orchestration.published_builds`), which readers fetch into `cache_dir()`.
"""

from __future__ import annotations

import os
from pathlib import Path

from upath import UPath

from orchestration import object_store

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


def location(value: str | os.PathLike[str]) -> Path | UPath:
    """A configured location: an `s3://` URL as an object-storage path, anything else as
    an absolute local path."""
    if object_store.is_s3(value):
        return object_store.s3_path(str(value))
    return Path(value).resolve()


def raw_dir() -> Path | UPath:
    """The landing zone: one folder (or S3 prefix) per raw dataset, one below it per
    weekly partition."""
    return location(os.environ.get(RAW_DIR_ENV) or DEFAULT_RAW_DIR)


def warehouse_on_s3() -> bool:
    return object_store.is_s3(os.environ.get(WAREHOUSE_ENV) or "")


def warehouse_prefix() -> UPath:
    """Where the warehouse's builds are published, when `COMPUTE_WEEKLY_WAREHOUSE` is an
    `s3://` prefix."""
    value = os.environ.get(WAREHOUSE_ENV) or ""
    if not object_store.is_s3(value):
        raise ValueError(f"{WAREHOUSE_ENV}={value!r} is not an s3:// prefix")
    return object_store.s3_path(value)


def warehouse_path() -> Path:
    """The published DuckDB file analysts query (read-only); runs replace it atomically.
    With the warehouse on object storage there is no one such file: readers fetch a build
    (`orchestration.published_builds.readable_warehouse`)."""
    if warehouse_on_s3():
        raise ValueError(
            f"{WAREHOUSE_ENV} is an s3:// prefix: open a published build with "
            "orchestration.published_builds.readable_warehouse()"
        )
    return Path(os.environ.get(WAREHOUSE_ENV) or DEFAULT_WAREHOUSE).resolve()


def build_warehouse_path() -> Path:
    """The private DuckDB file dbt builds in: beside the published one by default
    (`.building/` in its folder), or in the cache when the warehouse is on object storage.
    Same file name, so views keep their catalog name."""
    explicit = os.environ.get(BUILD_WAREHOUSE_ENV)
    if explicit:
        return Path(explicit).resolve()
    if warehouse_on_s3():
        return cache_dir() / "building" / DEFAULT_WAREHOUSE.name
    published = warehouse_path()
    return published.parent / ".building" / published.name


def cache_dir() -> Path:
    """What is derived once and kept between runs (the exchange calendars' sessions, the
    report's cut font): safe to delete."""
    return Path(os.environ.get(CACHE_DIR_ENV) or DEFAULT_CACHE_DIR).resolve()


def reports_dir() -> Path | UPath:
    """Where the weekly reports are written, one folder per week: a local folder or an
    `s3://` prefix."""
    return location(os.environ.get(REPORTS_DIR_ENV) or DEFAULT_REPORTS_DIR)


def storage_version() -> str:
    """The DuckDB storage version the warehouse is published in."""
    return os.environ.get(STORAGE_VERSION_ENV) or DEFAULT_STORAGE_VERSION
