"""GPU prices and release events end to end: the demo GPU feed and the analysts' events file
landed through write-audit-publish, and the two marts built week by week from them."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import dagster as dg
import duckdb
import pytest

from orchestration.feeds.gpu.demo import DemoGpuFeed
from orchestration.feeds.lib.base import FeedBatch
from orchestration.feeds.releases.events_file import DEFAULT_FILE
from orchestration.landing import partition_file, unpartitioned_file
from orchestration.partitions import WeekWindow
from tests.conftest import (
    Tampered,
    Workspace,
    copy_of,
    failure_text,
    materialize_range,
    pipeline_env,
)

pytestmark = pytest.mark.integration

SELECTION = "+key:marts/gpu_prices_weekly or +key:marts/release_events"
FIRST, SECOND = "2024-12-16", "2024-12-23"
ENV = {"GPU_FEED": "demo", "RELEASE_EVENTS_FILE": str(DEFAULT_FILE)}
GPU_MART = dg.AssetKey(["marts", "gpu_prices_weekly"])
EVENTS_MART = dg.AssetKey(["marts", "release_events"])
GPU_COLUMNS = (
    "product_id, condition, marketplace, week_start, currency, last_price, last_price_date, "
    "last_price_usd, min_price_usd, max_price_usd, last_price_wow, new_to_used_discount, "
    "days_with_price, days_carried_forward"
)
# Exhibit 9: OpenAI's day, Pacific date, Beijing date (10:00 Pacific is 02:00 next day).
EXHIBIT_9 = [
    (f"openai-12-days-{n:02d}", dt.date(2024, 12, pacific), dt.date(2024, 12, pacific + 1))
    for n, pacific in enumerate((5, 6, 9, 10, 11, 12, 13, 16, 17), start=1)
]


def query(workspace: Workspace, sql: str) -> list[tuple]:
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def gpu_rows(workspace: Workspace) -> list[tuple]:
    return query(workspace, f"select {GPU_COLUMNS} from marts.gpu_prices_weekly order by all")


def expected_week(week: str, previous: dict[tuple, float] | None = None) -> list[tuple]:
    """The mart's rows for a week, computed here from the demo feed's daily rows."""
    rows = DemoGpuFeed().fetch(WeekWindow.from_partition_key(week)).rows
    series: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        series[(row["product_id"], row["condition"], row["marketplace"])].append(row)
    last = {key: max(days, key=lambda r: r["date"]) for key, days in series.items()}
    result = []
    for (product, condition, market), days in series.items():
        new, used = last.get((product, "new", market)), last.get((product, "used", market))
        discount = (new["price"] - used["price"]) / new["price"] if new and used else None
        final = last[(product, condition, market)]
        before = (previous or {}).get((product, condition, market))
        result.append(
            (
                product, condition, market, dt.date.fromisoformat(week), "USD",
                final["price"], final["date"], final["price"],
                min(r["price"] for r in days), max(r["price"] for r in days),
                final["price"] / before - 1 if before else None, discount,
                len(days), sum(r["is_carried_forward"] for r in days),
            )
        )  # fmt: skip
    return sorted(result)


def approx_rows(rows: list[tuple]) -> list[tuple]:
    return [tuple(pytest.approx(v, rel=1e-12) if isinstance(v, float) else v for v in row)
            for row in rows]  # fmt: skip


def materialized(result: dg.ExecuteInProcessResult) -> set[dg.AssetKey]:
    return {event.asset_key for event in result.get_asset_materialization_events()}


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, list[tuple]]:
    """The week of 2024-12-16 landed and modelled in a fresh workspace, then the next week
    in a second run; with the GPU mart's rows after the first run."""
    workspace = Workspace(tmp_path_factory.mktemp("gpu_releases"))
    with pipeline_env(workspace, **ENV):
        first = materialize_range(FIRST, FIRST, selection=SELECTION)
        assert first.success, failure_text(first)
        assert {GPU_MART, EVENTS_MART} <= materialized(first)
        failed = [
            (e.asset_key.to_user_string(), e.check_name)
            for e in first.get_asset_check_evaluations()
            if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR
        ]
        assert failed == []
        after_first = gpu_rows(workspace)
        second = materialize_range(SECOND, SECOND, selection=SELECTION)
        assert second.success, failure_text(second)
    return workspace, after_first


def test_one_week_lands_both_raw_datasets_and_builds_both_marts(two_runs):
    workspace, after_first = two_runs
    assert partition_file(workspace.raw, "gpu_prices", dt.date(2024, 12, 16)).exists()
    assert unpartitioned_file(workspace.raw, "release_events").exists()
    assert after_first == approx_rows(expected_week(FIRST))  # no week before: no change
    assert len(after_first) == 8  # 4 cards x new and used
    names = query(
        workspace,
        "select distinct display_name from marts.gpu_prices_weekly "
        "where product_id = 'h100_pcie_80gb'",
    )
    assert names == [("NVIDIA H100 80GB PCIe",)]


def test_the_next_week_is_added_with_its_change_and_the_first_left_as_it_was(two_runs):
    workspace, after_first = two_runs
    rows = gpu_rows(workspace)
    first = [row for row in rows if row[3] == dt.date(2024, 12, 16)]
    second = [row for row in rows if row[3] == dt.date(2024, 12, 23)]
    assert first == after_first
    previous = {row[:3]: row[7] for row in after_first}
    assert second == approx_rows(expected_week(SECOND, previous))
    assert all(row[10] is not None for row in second)
    assert all(0 < row[11] < 0.3 for row in rows)  # used below new on every card


def test_release_events_have_their_pacific_and_beijing_dates_and_report_week(two_runs):
    workspace, _ = two_runs
    rows = query(
        workspace,
        "select event_id, pacific_date, beijing_date, week_start, vendor, is_time_known "
        "from marts.release_events order by event_id",
    )
    assert rows == [
        (event_id, pacific, beijing, beijing - dt.timedelta(days=beijing.weekday()), "OpenAI", True)
        for event_id, pacific, beijing in EXHIBIT_9
    ]
    by_week = dict(
        query(
            workspace,
            "select week_start, list(event_id order by event_id) from marts.release_events "
            "group by week_start",
        )
    )
    assert by_week[dt.date(2024, 12, 16)] == ["openai-12-days-08", "openai-12-days-09"]
    assert dt.date(2024, 12, 23) not in by_week  # a week with no events has no rows


def test_a_bad_gpu_pull_stops_only_the_gpu_mart(two_runs, tmp_path):
    def free_card(batch: FeedBatch) -> None:
        batch.rows[0]["price"] = 0.0

    workspace = copy_of(two_runs[0], tmp_path)
    published = partition_file(workspace.raw, "gpu_prices", dt.date(2024, 12, 23)).read_bytes()
    before = gpu_rows(workspace)
    with pipeline_env(workspace, **ENV):
        bad = materialize_range(
            SECOND, SECOND, selection=SELECTION,
            resources={"gpu_feed": Tampered(DemoGpuFeed(), free_card)},
        )  # fmt: skip
    assert not bad.success
    assert "raw/gpu_prices (positive_prices)" in failure_text(bad)
    [finding] = [
        e for e in bad.get_asset_check_evaluations()
        if e.asset_key == dg.AssetKey(["raw", "gpu_prices"]) and e.check_name == "positive_prices"
    ]  # fmt: skip
    assert not finding.passed and finding.severity == dg.AssetCheckSeverity.ERROR
    assert partition_file(workspace.raw, "gpu_prices", dt.date(2024, 12, 23)).read_bytes() == (
        published
    )
    assert GPU_MART not in materialized(bad) and EVENTS_MART in materialized(bad)
    assert gpu_rows(workspace) == before
