"""Where compute-weekly keeps its files, and the environment variables that move them.

Every path the project reads or writes is resolved here, at call time (never at import),
so tests and users can point the pipeline somewhere else with an environment variable.
The dbt profile (`dbt_project/profiles.yml`) and sources (`dbt_project/models/sources.yml`)
use the same variables with the same defaults, relative to `dbt_project/`.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"

RAW_DIR_ENV = "COMPUTE_WEEKLY_RAW_DIR"
WAREHOUSE_ENV = "COMPUTE_WEEKLY_WAREHOUSE"

DEFAULT_RAW_DIR = PROJECT_ROOT / "raw"
DEFAULT_WAREHOUSE = PROJECT_ROOT / "warehouse" / "warehouse.duckdb"


def raw_dir() -> Path:
    """The landing zone: one folder per raw dataset, one sub-folder per weekly partition."""
    return Path(os.environ.get(RAW_DIR_ENV) or DEFAULT_RAW_DIR).resolve()


def warehouse_path() -> Path:
    """The DuckDB file dbt builds and analysts query."""
    return Path(os.environ.get(WAREHOUSE_ENV) or DEFAULT_WAREHOUSE).resolve()
