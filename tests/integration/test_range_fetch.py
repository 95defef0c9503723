"""A live 52-week backfill asks each provider once per entity (the run's span), not once
per entity and week: counted against local servers speaking the providers' APIs with
the demo's payloads (`benchmarks.provider_servers`), through the raw assets of one
Dagster run; the weeks it lands equal those landed week by week; a permanent error
publishes nothing; a 429 storm recovers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dagster as dg
import pyarrow.parquet as pq
import pytest
from pytest_httpserver import HTTPServer

from benchmarks.provider_servers import TRAFFIC_PATH, LocalProviders
from orchestration import seeds
from orchestration.feeds.fx.datasets import FX_RATES
from orchestration.feeds.market.datasets import CORPORATE_ACTIONS, MARKET_BARS
from orchestration.feeds.traffic.datasets import WEB_TRAFFIC
from orchestration.ingest import ingest
from orchestration.landing import partition_file
from orchestration.partitions import WeekWindow
from tests.conftest import failure_text, materialize_range, pipeline_env

pytestmark = pytest.mark.integration

FIRST, LAST = "2023-12-25", "2024-12-16"
WEEKS = [WeekWindow.from_partition_key(FIRST)]
while WEEKS[-1].start.isoformat() != LAST:
    WEEKS.append(WeekWindow(WEEKS[-1].end, WEEKS[-1].end + dt.timedelta(days=7)))
TODAY = dt.date(2024, 12, 23)  # the run's weeks have all passed
RAW_ASSETS = (
    "key:raw/market_bars or key:raw/corporate_actions or key:raw/web_traffic or key:raw/fx_rates"
)
MARKET_RAW = "key:raw/market_bars or key:raw/corporate_actions"


class Built:
    """A feed resource that builds a feed from `make` (the resource's `build`)."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make

    def build(self) -> Any:
        return self.make()


@pytest.fixture
def providers(httpserver: HTTPServer) -> LocalProviders:
    return LocalProviders(httpserver, TODAY)


def backfill(workspace, providers: LocalProviders, selection: str = RAW_ASSETS):
    resources = {
        "market_feed": Built(providers.yahoo),
        "traffic_feed": Built(providers.similarweb),
        "fx_feed": Built(providers.frankfurter),
    }
    with pipeline_env(workspace):
        return materialize_range(FIRST, LAST, selection=selection, resources=resources)


def market_weeks(result: dg.ExecuteInProcessResult) -> list[dict]:
    """The metadata of each week's materialization of raw/market_bars in a run."""
    return [
        {name: value.value for name, value in event.metadata.items()}
        for event in result.asset_materializations_for_node("raw_market")
        if event.asset_key == dg.AssetKey(["raw", "market_bars"])
    ]


def data_rows(path: Path) -> list[tuple]:
    """A landed partition's rows without `fetched_at` (the only column a new pull changes)."""
    table = pq.read_table(path)
    table = table.drop_columns(["fetched_at"])
    return sorted(tuple(row.values()) for row in table.to_pylist())


def test_a_52_week_live_backfill_asks_once_per_entity_and_lands_what_week_by_week_does(
    workspace, providers: LocalProviders, tmp_path: Path
) -> None:
    result = backfill(workspace, providers)

    assert result.success, failure_text(result)
    listings, domains = len(seeds.watchlist()), len({d.domain for d in seeds.site_domains()})
    assert providers.count("/v8/finance/chart/") == 2 * listings == 66  # ~1,750 week by week
    assert providers.count(TRAFFIC_PATH) == domains  # 364 days: within one request's limit
    assert providers.count("/user-capabilities") == 2  # before and after the span
    assert providers.count("/v2/rates") == 1
    market = market_weeks(result)
    assert sum(week.get("cost: requests", 0) for week in market) == 66
    assert [week["outcome"] for week in market].count("published") == 52

    # The same providers, asked week by week (no plan), land the same data rows.
    week_by_week = tmp_path / "week-by-week"
    feeds = [
        ([MARKET_BARS, CORPORATE_ACTIONS], providers.yahoo()),
        ([WEB_TRAFFIC], providers.similarweb()),
        ([FX_RATES], providers.frankfurter()),
    ]
    for datasets, feed in feeds:
        for week in WEEKS:
            assert ingest(datasets, feed, week, week_by_week).published
    for dataset in (MARKET_BARS, CORPORATE_ACTIONS, WEB_TRAFFIC, FX_RATES):
        for week in WEEKS:
            ranged = partition_file(workspace.raw, dataset.name, week.start)
            single = partition_file(week_by_week, dataset.name, week.start)
            assert data_rows(ranged) == data_rows(single), f"{dataset.name} {week.key}"
    assert providers.count("/v8/finance/chart/") == 66 + 52 * listings + listings


def test_a_permanent_error_for_one_listing_fails_the_run_and_publishes_no_week(
    workspace, providers: LocalProviders
) -> None:
    providers.unknown.add("AMD")

    result = backfill(workspace, providers, selection=MARKET_RAW)

    assert not result.success
    text = failure_text(result)
    assert "yahoo: AMD.O (Yahoo AMD), 2023-12-25..2024-12-22: " in text
    assert "unknown symbol" in text
    assert not (workspace.raw / "market_bars").exists() or not any(
        (workspace.raw / "market_bars").glob("week=*/data.parquet")
    )


def test_a_429_storm_in_the_middle_of_the_range_is_retried_and_recovers(
    workspace, providers: LocalProviders
) -> None:
    providers.storm = (30, 33)  # four answers in a row, halfway through the listings

    result = backfill(workspace, providers, selection=MARKET_RAW)

    assert result.success, failure_text(result)
    market = market_weeks(result)
    assert [week["outcome"] for week in market].count("published") == 52
    assert sum(week.get("cost: retries", 0) for week in market) == 4
    assert providers.count("/v8/finance/chart/") == 66 + 4
