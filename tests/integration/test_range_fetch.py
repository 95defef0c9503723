"""A live 52-week backfill asks each provider once per entity (the run's span), not once
per entity and week: counted against local servers speaking the providers' APIs with
the demo's payloads, through the raw assets of one Dagster run; the weeks it lands equal
those landed week by week; a permanent error publishes nothing; a 429 storm recovers."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow.parquet as pq
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from orchestration import seeds
from orchestration.feeds.fx.datasets import FX_RATES
from orchestration.feeds.fx.demo import rates_payload
from orchestration.feeds.fx.frankfurter_client import FrankfurterFxFeed
from orchestration.feeds.lib.http import HttpPolicy
from orchestration.feeds.market.datasets import CORPORATE_ACTIONS, MARKET_BARS
from orchestration.feeds.market.demo import chart_payload, split_history_payload
from orchestration.feeds.market.symbols import wind_to_yahoo
from orchestration.feeds.market.yahoo import YahooMarketFeed
from orchestration.feeds.traffic.datasets import WEB_TRAFFIC
from orchestration.feeds.traffic.demo import visits_payload
from orchestration.feeds.traffic.similarweb_client import SimilarwebTrafficFeed
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
KEY = "sw-test-key"
UPDATED = "2024-12-20"
FAST = HttpPolicy(rate_per_second=1000.0, backoff_factor=0.01, backoff_jitter=0.0)
RAW_ASSETS = (
    "key:raw/market_bars or key:raw/corporate_actions or key:raw/web_traffic or key:raw/fx_rates"
)
MARKET_RAW = "key:raw/market_bars or key:raw/corporate_actions"
TRAFFIC_PATH = "/v5/website-analysis/websites/traffic-and-engagement"


class Providers:
    """Yahoo, Similarweb and Frankfurter on one local server, answering the demo's
    payloads for any range; counts what it is asked; a storm of 429s on request."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.storm: tuple[int, int] = (0, 0)  # 429 for Yahoo requests first..last (1-based)
        self.yahoo_calls = 0
        self.unknown: set[str] = set()
        listings = {wind_to_yahoo(listing.symbol): listing for listing in seeds.watchlist()}
        domains = {domain.domain: domain for domain in seeds.site_domains()}

        def yahoo(request: Request) -> Response:
            self.yahoo_calls += 1
            first, last = self.storm
            if first <= self.yahoo_calls <= last:
                return Response("Too Many Requests", 429)
            symbol = request.path.rsplit("/", 1)[1]
            if symbol in self.unknown:
                error = {"code": "Not Found", "description": "No data found"}
                return answer({"chart": {"result": None, "error": error}}, 404)
            listing = listings[symbol]
            if request.args.get("range") == "max":
                return answer(split_history_payload(listing, as_of=TODAY))
            zone = ZoneInfo(seeds.exchanges()[listing.exchange].timezone)
            start, end = (
                dt.datetime.fromtimestamp(int(request.args[name]), zone).date()
                for name in ("period1", "period2")
            )
            return answer(chart_payload(listing, start, end, as_of=TODAY))

        def traffic(request: Request) -> Response:
            assert request.headers.get("api-key") == KEY
            start = dt.date.fromisoformat(request.args["start_date"])
            end = dt.date.fromisoformat(request.args["end_date"]) + dt.timedelta(days=1)
            payload = visits_payload(domains[request.args["domain"]], start, end)
            # Similarweb's last_updated is when its data was last updated, the same for
            # any range asked on one day (the demo's dates each week's own answer).
            payload["meta"]["last_updated"] = UPDATED
            return answer(payload)

        def rates(request: Request) -> Response:
            currencies = [c.upper() for c in request.args["quotes"].split(",")]
            start = dt.date.fromisoformat(request.args["from"])
            end = dt.date.fromisoformat(request.args["to"]) + dt.timedelta(days=1)
            return answer(rates_payload(currencies, start, end))

        server.expect_request(re.compile("^/v8/finance/chart/")).respond_with_handler(yahoo)
        server.expect_request(TRAFFIC_PATH).respond_with_handler(traffic)
        server.expect_request("/user-capabilities").respond_with_json(
            {"allowance": 1_000_000, "user_remaining": 900_000}
        )
        server.expect_request("/v2/rates").respond_with_handler(rates)

    def count(self, prefix: str) -> int:
        return sum(1 for request, _ in self.server.log if request.path.startswith(prefix))

    def yahoo(self) -> YahooMarketFeed:
        return YahooMarketFeed(self.server.url_for("/"), policy=FAST, today=TODAY)

    def similarweb(self) -> SimilarwebTrafficFeed:
        return SimilarwebTrafficFeed(self.server.url_for("/"), KEY, policy=FAST, today=TODAY)

    def frankfurter(self) -> FrankfurterFxFeed:
        return FrankfurterFxFeed(self.server.url_for("/"), policy=FAST, today=TODAY)


def answer(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status, content_type="application/json")


class Built:
    """A feed resource that builds a feed from `make` (the resource's `build`)."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make

    def build(self) -> Any:
        return self.make()


@pytest.fixture
def providers(httpserver: HTTPServer) -> Providers:
    return Providers(httpserver)


def backfill(workspace, providers: Providers, selection: str = RAW_ASSETS):
    resources = {
        "market_feed": Built(providers.yahoo),
        "traffic_feed": Built(providers.similarweb),
        "fx_feed": Built(providers.frankfurter),
    }
    with pipeline_env(workspace):
        return materialize_range(FIRST, LAST, selection=selection, resources=resources)


def data_rows(path: Path) -> list[tuple]:
    """A landed partition's rows without `fetched_at` (the only column a new pull changes)."""
    table = pq.read_table(path)
    table = table.drop_columns(["fetched_at"])
    return sorted(tuple(row.values()) for row in table.to_pylist())


def test_a_52_week_live_backfill_asks_once_per_entity_and_lands_what_week_by_week_does(
    workspace, providers: Providers, tmp_path: Path
) -> None:
    result = backfill(workspace, providers)

    assert result.success, failure_text(result)
    listings, domains = len(seeds.watchlist()), len({d.domain for d in seeds.site_domains()})
    assert providers.count("/v8/finance/chart/") == 2 * listings == 66  # ~1,750 week by week
    assert providers.count(TRAFFIC_PATH) == domains  # 364 days: within one request's limit
    assert providers.count("/user-capabilities") == 2  # before and after the span
    assert providers.count("/v2/rates") == 1
    market = result.asset_materializations_for_node("raw_market")[0].metadata
    assert market["cost: requests"].value == 66
    assert market["windows published"].value == 52

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
    workspace, providers: Providers
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
    workspace, providers: Providers
) -> None:
    providers.storm = (30, 33)  # four answers in a row, halfway through the listings

    result = backfill(workspace, providers, selection=MARKET_RAW)

    assert result.success, failure_text(result)
    market = result.asset_materializations_for_node("raw_market")[0].metadata
    assert market["windows published"].value == 52
    assert market["cost: retries"].value == 4
    assert providers.count("/v8/finance/chart/") == 66 + 4
