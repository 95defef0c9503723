"""The marts built week by week equal the marts built from all history, row for row."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from orchestration.assets.dbt import WINDOW_MODELS
from orchestration.settings import BUILD_WAREHOUSE_ENV, RAW_DIR_ENV
from tests.integration.dbt_in_process import dbt, private_dbt_target, set_window  # noqa: F401
from tests.marts import assert_same_marts, mart_rows

pytestmark = pytest.mark.integration

MARTS = (
    "stock_performance",
    "sector_performance_daily",
    "sector_performance_weekly",
    "web_traffic_weekly",
    "app_downloads_weekly",
    "app_downloads_monthly",
    "gpu_prices_weekly",
)
FIRST_WEEK, LAST_WEEK = dt.date(2023, 12, 25), dt.date(2024, 12, 16)


def marts(warehouse) -> dict[str, list[tuple]]:
    # Not read-only: dbt ran in this process and holds the file open read-write, and DuckDB
    # wants one configuration per file within a process.
    return mart_rows(warehouse, MARTS, read_only=False)


def test_a_year_built_week_by_week_equals_a_full_rebuild(demo_year, tmp_path, monkeypatch):
    monkeypatch.setenv(RAW_DIR_ENV, str(demo_year.raw))
    weekly, full = tmp_path / "weekly.duckdb", tmp_path / "full.duckdb"

    monkeypatch.setenv(BUILD_WAREHOUSE_ENV, str(weekly))
    dbt("build", "--exclude", WINDOW_MODELS, "resource_type:test")
    week = FIRST_WEEK
    while week <= LAST_WEEK:
        set_window(monkeypatch, week, week + dt.timedelta(days=7))
        dbt("run", "--select", WINDOW_MODELS)
        week += dt.timedelta(days=7)

    monkeypatch.setenv(BUILD_WAREHOUSE_ENV, str(full))
    set_window(monkeypatch, None, None)
    dbt("build", "--exclude", WINDOW_MODELS, "resource_type:test")
    dbt("run", "--select", WINDOW_MODELS, "--full-refresh")

    assert_same_marts(marts(weekly), marts(full))


def test_a_week_rebuilt_from_fewer_rows_leaves_no_stale_rows(demo_year, tmp_path, monkeypatch):
    monkeypatch.setenv(RAW_DIR_ENV, str(demo_year.raw))
    monkeypatch.setenv(BUILD_WAREHOUSE_ENV, str(tmp_path / "warehouse.duckdb"))
    dbt("build", "--exclude", WINDOW_MODELS, "resource_type:test")
    set_window(monkeypatch, dt.date(2024, 12, 9), dt.date(2024, 12, 16))
    dbt("run", "--select", WINDOW_MODELS)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        before = con.execute("select count(*) from marts.stock_performance").fetchone()[0]
        # The source loses a listing's week: NVDA.O's bars are masked out of staging.
        con.execute("alter table staging.stg_market_bars rename to stg_market_bars_all")
        con.execute(
            "create view staging.stg_market_bars as "
            "select * from staging.stg_market_bars_all where symbol <> 'NVDA.O'"
        )
    dbt("run", "--select", "stock_performance")
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        after = con.execute("select count(*) from marts.stock_performance").fetchone()[0]
        nvda = con.execute(
            "select count(*) from marts.stock_performance where symbol = 'NVDA.O'"
        ).fetchone()[0]
    assert (before - after, nvda) == (5, 0)
