"""Real runs of the assets into a temporary workspace: paths, re-runs, gaps, failures."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration.feeds.lib.base import FeedBatch, FeedDataError
from orchestration.feeds.market import demo_model as market_model
from orchestration.feeds.market.datasets import MARKET_BARS
from orchestration.feeds.market.demo import DemoMarketFeed
from orchestration.landing import partition_file, read_partition
from tests.conftest import (
    PROJECT_ROOT,
    Tampered,
    copy_of,
    install_instance_settings,
    materialize_range,
    pipeline_env,
    project_instance,
)

pytestmark = pytest.mark.integration

MARKET_RAW = "key:raw/market_bars or key:raw/corporate_actions"
MARKET_ONLY = " or ".join(
    [
        MARKET_RAW,
        "key:raw/fx_rates",
        "key:raw/exchange_sessions",
        "key:seeds/*",
        "key:staging/*",
        "key:intermediate/*",
        "key:marts/stock_performance",
    ]
)


def query(workspace, sql: str, *params):
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def data_columns(table: pa.Table) -> pa.Table:
    return table.select([field.name for field in MARKET_BARS.data_fields])


def test_every_dataset_lands_one_file_per_week(demo_year):
    for name in ("market_bars", "fx_rates", "web_traffic", "app_downloads"):
        weeks = sorted(p.parent.name for p in (demo_year.raw / name).glob("*/data.parquet"))
        if name == "fx_rates":  # and the week before, whose rates the first week carries
            assert weeks.pop(0) == "week=2023-12-18"
        assert len(weeks) == 52, name
        assert weeks[0] == "week=2023-12-25" and weeks[-1] == "week=2024-12-16", name
    assert (demo_year.raw / "exchange_sessions" / "data.parquet").exists()
    table = read_partition(demo_year.raw, "market_bars", dt.date(2024, 12, 16))
    assert set(table.column("source").to_pylist()) == {"demo"}
    assert table.num_rows == 33 * 5


def test_marts_are_filled(demo_year):
    counts = dict(
        query(
            demo_year,
            """
            select 'stock', count(*) from marts.stock_performance union all
            select 'sector', count(*) from marts.sector_performance_weekly union all
            select 'traffic', count(distinct site_id) from marts.web_traffic_weekly union all
            select 'apps', count(distinct app_id) from marts.app_downloads_monthly
            """,
        )
    )
    # Every sector every week, except the all-A-share sector in the Spring Festival week,
    # when Shanghai and Shenzhen were closed: a week without trading has no row.
    assert counts["sector"] == 6 * 52 - 1
    closed = query(
        demo_year,
        "select count(*) from marts.sector_performance_weekly "
        "where sector = '先进封装' and week_start = date '2024-02-12'",
    )
    assert closed == [(0,)]
    assert counts["traffic"] >= 20 and counts["apps"] >= 10
    chatgpt = query(
        demo_year,
        "select visits from marts.web_traffic_weekly where site_id = 'chatgpt' and week_start = ?",
        dt.date(2024, 12, 9),
    )
    assert chatgpt[0][0] > 900e6
    months = query(
        demo_year,
        "select month_start, is_complete_period from marts.app_downloads_monthly "
        "where app_id = 'doubao' and month_start >= date '2024-11-01' order by 1",
    )
    assert months == [(dt.date(2024, 11, 1), True), (dt.date(2024, 12, 1), False)]


def test_re_running_a_week_gives_the_same_rows(two_weeks, tmp_path):
    workspace = copy_of(two_weeks, tmp_path)
    first = pq.read_table(partition_file(workspace.raw, "market_bars", dt.date(2024, 12, 16)))
    marts_first = query(
        workspace, "select * from marts.stock_performance order by symbol, as_of_date"
    )
    with pipeline_env(workspace):
        assert materialize_range("2024-12-16", "2024-12-16", selection=MARKET_ONLY).success
    second = pq.read_table(partition_file(workspace.raw, "market_bars", dt.date(2024, 12, 16)))
    assert data_columns(first).equals(data_columns(second))
    assert second.column("fetched_at")[0].as_py() > first.column("fetched_at")[0].as_py()
    assert (
        query(workspace, "select * from marts.stock_performance order by symbol, as_of_date")
        == marts_first
    )
    assert (workspace.raw / "market_bars" / "week=2024-12-09" / "data.parquet").exists()


def test_a_week_missing_between_two_landed_weeks_gives_null_changes_not_older_bases(
    two_weeks, tmp_path
):
    def nothing_in_the_week_of_12_02(batch: FeedBatch) -> None:
        if (
            batch.rows
            and batch.rows[0]["date"] < dt.date(2024, 12, 9)
            and batch.rows[0]["date"] >= dt.date(2024, 12, 2)
        ):
            batch.rows.clear()
            batch.related["corporate_actions"].clear()

    workspace = copy_of(two_weeks, tmp_path)
    feed = Tampered(DemoMarketFeed(), nothing_in_the_week_of_12_02)
    with pipeline_env(workspace):
        result = materialize_range(
            "2024-11-25", "2024-12-09", selection=MARKET_ONLY, resources={"market_feed": feed}
        )
    assert result.success
    rows = query(
        workspace,
        "select week_base_date, return_wtd, month_base_date, return_mtd "
        "from marts.stock_performance where symbol = 'NVDA.O' and as_of_date = date '2024-12-10'",
    )
    # The week's base (12-06) was never landed: NULL, not a change from 11-29. The month's
    # base (11-29) was landed with its week.
    adj = {
        b.day: b.adj_close
        for b in market_model.window("NVDA.O", dt.date(2024, 11, 29), dt.date(2024, 12, 11)).bars
    }
    assert rows == [
        (
            dt.date(2024, 12, 6),
            None,
            dt.date(2024, 11, 29),
            adj[dt.date(2024, 12, 10)] / adj[dt.date(2024, 11, 29)] - 1,
        )
    ]


def test_a_bad_week_fails_the_run_and_leaves_the_previous_partition(workspace, tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "NVDA.O.csv").write_text("date,close\n2024-12-16,134.25\n2024-12-17,130.39\n")
    with pipeline_env(workspace, MARKET_FEED="csv", MARKET_CSV_DIR=str(folder)):
        assert materialize_range("2024-12-16", "2024-12-16", selection=MARKET_RAW).success
        (folder / "NVDA.O.csv").write_text("date,close\n2024-12-16,134.25\n2024-12-17,13O.39\n")
        result = materialize_range("2024-12-16", "2024-12-16", selection=MARKET_RAW)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE)
    assert "NVDA.O.csv line 3 close: '13O.39' is not a number" in str(failure.event_specific_data)
    kept = read_partition(workspace.raw, "market_bars", dt.date(2024, 12, 16))
    assert kept.column("close").to_pylist() == [134.25, 130.39]


def test_a_listing_without_a_file_is_reported_not_fatal(workspace, tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "NVDA.O.csv").write_text("date,close\r\n2024-12-17,130.39\r\n2024-12-16,132.00\r\n")
    with pipeline_env(workspace, MARKET_FEED="csv", MARKET_CSV_DIR=str(folder)):
        result = materialize_range("2024-12-16", "2024-12-16", selection=MARKET_RAW)
    assert result.success
    [week] = [
        m for m in result.asset_materializations_for_node("raw_market")
        if m.asset_key == dg.AssetKey(["raw", "market_bars"])
    ]  # fmt: skip
    assert week.partition == "2024-12-16" and week.metadata["dagster/row_count"].value == 2
    assert "no file in" in week.metadata["notes"].value
    assert "32 listing(s)" in week.metadata["notes"].value


def test_an_older_partition_without_a_newer_column_still_reads(two_weeks, tmp_path):
    workspace = copy_of(two_weeks, tmp_path)
    with pipeline_env(workspace):
        path = partition_file(workspace.raw, "market_bars", dt.date(2024, 12, 9))
        older = pq.read_table(path).drop_columns(["shares_outstanding", "adj_close"])
        pq.write_table(older, path)
        assert materialize_range("2024-12-16", "2024-12-16", selection=MARKET_ONLY).success
    rows = query(
        workspace,
        "select count(*), count(adj_close) from staging.stg_market_bars where partition_week = ?",
        dt.date(2024, 12, 9),
    )
    assert rows == [(33 * 5, 0)]


def test_the_readme_backfill_command_records_runs_in_the_project_instance(workspace, tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    install_instance_settings(home)
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "DAGSTER_EVENT_BATCH_SIZE": "100",  # as README and Makefile set it
        "COMPUTE_WEEKLY_RAW_DIR": str(workspace.raw),
        "COMPUTE_WEEKLY_WAREHOUSE": str(workspace.warehouse),
        "COMPUTE_WEEKLY_REPORTS_DIR": str(workspace.root / "reports"),
    }
    workspace.warehouse.parent.mkdir(parents=True)
    dagster = Path(sys.executable).with_name("dagster")
    command = [
        str(dagster), "asset", "materialize", "-m", "orchestration",
        "--select", "*", "--partition-range", "2024-12-09...2024-12-16",
    ]  # fmt: skip
    done = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    with project_instance(home) as instance:
        runs = instance.get_runs()
        assert len(runs) == 1 and runs[0].is_success
        materialized = instance.get_materialized_partitions(dg.AssetKey(["raw", "market_bars"]))
        assert materialized == {"2024-12-09", "2024-12-16"}
        assert instance.get_latest_materialization_event(
            dg.AssetKey(["marts", "stock_performance"])
        )
    # dbt's run results are kept beside the SQL it ran; its debug log file is not written
    # (orchestration.dbt_targets.file_log_args), its messages are in the step's output.
    (target,) = (PROJECT_ROOT / "dbt_project" / "target").glob(f"dbt_models-{runs[0].run_id[:7]}-*")
    assert (target / "run_results.json").is_file() and (target / "run").is_dir()
    assert not list(target.glob("dbt.log*"))
    assert "OK created sql incremental model marts.stock_performance" in done.stdout + done.stderr


class DownOnce:
    """The demo market feed, failing on one week until `recover()` is called."""

    def __init__(self, week: str) -> None:
        self.feed, self.week, self.down, self.fetched = DemoMarketFeed(), week, True, []

    def build(self):
        return self

    @property
    def kind(self) -> str:
        return self.feed.kind

    def recover(self) -> None:
        self.down = False

    def fetch(self, window):
        self.fetched.append(window.key)
        if self.down and window.key == self.week:
            raise FeedDataError("yahoo: provider down (HTTP 503 after 4 retries)")
        return self.feed.fetch(window)


def test_a_backfill_that_failed_partway_resumes_where_it_stopped(workspace):
    feed = DownOnce("2024-12-16")
    with pipeline_env(workspace), dg.instance_for_test() as instance:
        first = materialize_range(
            "2024-12-02", "2024-12-16", selection=MARKET_RAW,
            resources={"market_feed": feed}, instance=instance,
        )  # fmt: skip
        assert not first.success
        assert feed.fetched == ["2024-12-02", "2024-12-09", "2024-12-16"]
        assert partition_file(workspace.raw, "market_bars", dt.date(2024, 12, 9)).exists()
        assert not partition_file(workspace.raw, "market_bars", dt.date(2024, 12, 16)).exists()

        feed.recover()
        feed.fetched.clear()
        resumed = materialize_range(
            "2024-12-02", "2024-12-16", selection=MARKET_RAW,
            resources={"market_feed": feed}, instance=instance,
            tags={"dagster/root_run_id": first.run_id, "dagster/parent_run_id": first.run_id},
        )  # fmt: skip
    assert resumed.success
    assert feed.fetched == ["2024-12-16"], "the published weeks are not fetched again"
    assert partition_file(workspace.raw, "market_bars", dt.date(2024, 12, 16)).exists()


def test_a_feed_setting_to_fix_fails_at_once_without_retries(workspace, tmp_path, monkeypatch):
    """A csv folder that does not exist will not appear by waiting: no retry."""
    monkeypatch.setenv("COMPUTE_WEEKLY_RETRY_DELAY", "1")
    missing = str(tmp_path / "no-such-folder")
    with pipeline_env(workspace, MARKET_FEED="csv", MARKET_CSV_DIR=missing):
        result = materialize_range("2024-12-16", "2024-12-16", selection=MARKET_RAW)
    assert not result.success
    kinds = [event.event_type for event in result.all_events]
    assert dg.DagsterEventType.STEP_UP_FOR_RETRY not in kinds
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE)
    assert f"MARKET_CSV_DIR={missing!r} is not a directory" in str(failure.event_specific_data)
