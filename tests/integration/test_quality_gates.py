"""Bad data stops only what is built from it: write-audit-publish end to end.

Each test lands good weeks, then a crafted bad pull, and looks at what was published,
which marts were rebuilt, and what the checks reported.
"""

from __future__ import annotations

import datetime as dt

import dagster as dg
import duckdb
import pytest

from orchestration.feeds.lib.base import FeedBatch
from orchestration.feeds.market.demo import DemoMarketFeed
from orchestration.feeds.traffic.demo import DemoTrafficFeed
from orchestration.landing import partition_file
from tests.conftest import Tampered, copy_of, failure_text, materialize_range, pipeline_env

pytestmark = pytest.mark.integration

WEEK_2, WEEK_3 = "2024-12-09", "2024-12-23"  # the base (two_weeks) holds 12-09 and 12-16
STOCK = dg.AssetKey(["marts", "stock_performance"])
TRAFFIC = dg.AssetKey(["marts", "web_traffic_weekly"])


def rows_of(workspace, table: str) -> list[tuple]:
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        return con.execute(
            f"select * exclude (first_week_seen) from {table} order by all"
        ).fetchall()


def stock_rows(workspace) -> list[tuple]:
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        return con.execute("select * from marts.stock_performance order by all").fetchall()


def materialized(result: dg.ExecuteInProcessResult) -> set[dg.AssetKey]:
    return {event.asset_key for event in result.get_asset_materialization_events()}


def check(result, asset: str, name: str) -> dg.AssetCheckEvaluation:
    [found] = [
        e for e in result.get_asset_check_evaluations()
        if e.asset_key == dg.AssetKey(["raw", asset]) and e.check_name == name
    ]  # fmt: skip
    return found


def test_the_demo_year_passes_every_error_check(demo_year):
    failed_errors = [
        (e.asset_key.to_user_string(), e.check_name)
        for e in demo_year.checks
        if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR
    ]
    assert failed_errors == []
    raw_checks = {
        (e.asset_key.path[1], e.check_name)
        for e in demo_year.checks
        if e.asset_key.path[0] == "raw"
    }
    assert ("market_bars", "positive_prices") in raw_checks
    assert ("fx_rates", "coverage") in raw_checks


def test_a_bad_traffic_week_stops_only_the_traffic_marts(two_weeks, tmp_path):
    def negative_visits(batch: FeedBatch) -> None:
        batch.rows[0]["visits"] = -5.0

    workspace = copy_of(two_weeks, tmp_path)
    published = partition_file(workspace.raw, "web_traffic", dt.date(2024, 12, 9)).read_bytes()
    traffic_before = rows_of(workspace, "marts.web_traffic_weekly")
    stock_before = stock_rows(workspace)
    with pipeline_env(workspace):
        bad = materialize_range(
            WEEK_2, WEEK_2, resources={"traffic_feed": Tampered(DemoTrafficFeed(), negative_visits)}
        )
    assert not bad.success, "the run says so"
    assert "raw/web_traffic (non_negative)" in failure_text(bad)
    finding = check(bad, "web_traffic", "non_negative")
    assert not finding.passed and finding.severity == dg.AssetCheckSeverity.ERROR
    assert finding.metadata["failing rows"].value == 1
    assert "-5" in finding.metadata["sample"].value
    assert (
        partition_file(workspace.raw, "web_traffic", dt.date(2024, 12, 9)).read_bytes() == published
    )
    assert list(
        (workspace.raw / "_rejected" / "web_traffic" / "week=2024-12-09").glob("pulled-*.parquet")
    )
    assert TRAFFIC not in materialized(bad) and STOCK in materialized(bad)
    assert rows_of(workspace, "marts.web_traffic_weekly") == traffic_before
    assert stock_rows(workspace) == stock_before

    with pipeline_env(workspace):  # a later good run never picks the bad pull up
        assert materialize_range(WEEK_3, WEEK_3).success
    later = rows_of(workspace, "marts.web_traffic_weekly")
    assert [row for row in later if row[4] != dt.date(2024, 12, 23)] == traffic_before


def test_a_bad_market_week_keeps_the_stock_marts_and_rebuilds_the_others(two_weeks, tmp_path):
    def high_below_low(batch: FeedBatch) -> None:
        bar = batch.rows[3]
        bar["high"], bar["low"] = bar["low"] - 1, bar["high"]

    workspace = copy_of(two_weeks, tmp_path)
    stock_before = stock_rows(workspace)
    with pipeline_env(workspace):
        bad = materialize_range(
            WEEK_2, WEEK_2, resources={"market_feed": Tampered(DemoMarketFeed(), high_below_low)}
        )
    assert not check(bad, "market_bars", "consistent_range").passed
    assert STOCK not in materialized(bad)
    assert TRAFFIC in materialized(bad)
    assert stock_rows(workspace) == stock_before


def test_warn_checks_report_and_let_the_marts_build(workspace):
    def drop_a_bar_and_jump(batch: FeedBatch) -> None:
        batch.rows.pop(0)
        batch.rows[-1]["close"] *= 1.5
        batch.rows[-1]["adj_close"] *= 1.5
        batch.rows[-1]["high"] = batch.rows[-1]["close"]

    with pipeline_env(workspace):
        result = materialize_range(
            WEEK_2,
            WEEK_2,
            resources={"market_feed": Tampered(DemoMarketFeed(), drop_a_bar_and_jump)},
        )
    assert result.success, failure_text(result)
    for name in ("sessions_complete", "daily_move"):
        finding = check(result, "market_bars", name)
        assert not finding.passed and finding.severity == dg.AssetCheckSeverity.WARN, name
    assert STOCK in materialized(result)


def test_market_completeness_is_an_error_by_configuration(workspace):
    def drop_a_bar(batch: FeedBatch) -> None:
        batch.rows.pop(0)

    with pipeline_env(workspace, MARKET_COMPLETENESS="error"):
        result = materialize_range(
            WEEK_2, WEEK_2,
            selection="key:raw/market_bars or key:raw/corporate_actions",
            resources={"market_feed": Tampered(DemoMarketFeed(), drop_a_bar)},
        )  # fmt: skip
    finding = check(result, "market_bars", "sessions_complete")
    assert finding.severity == dg.AssetCheckSeverity.ERROR and not finding.passed
    assert not partition_file(workspace.raw, "market_bars", dt.date(2024, 12, 9)).exists()


def test_a_failing_dbt_test_shows_its_failing_rows_and_skips_what_depends_on_it(workspace):
    def unknown_site(batch: FeedBatch) -> None:
        batch.rows.append({**batch.rows[0], "site_id": "not_a_tracked_site"})

    with pipeline_env(workspace):
        result = materialize_range(
            WEEK_2, WEEK_2, resources={"traffic_feed": Tampered(DemoTrafficFeed(), unknown_site)}
        )
    [relationship] = [
        e for e in result.get_asset_check_evaluations()
        if e.asset_key == dg.AssetKey(["staging", "stg_web_traffic"])
        and e.check_name == "site_id_in_sites"
    ]  # fmt: skip
    assert not relationship.passed
    sample = relationship.metadata["failing rows sample"].value.splitlines()
    assert sample[0] == "| site_id | visit_date |"  # the failing rows' keys
    assert sample[2] == "| not_a_tracked_site | 2024-12-09 |"
    assert TRAFFIC not in materialized(result)
    assert STOCK in materialized(result)
