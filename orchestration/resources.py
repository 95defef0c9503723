"""Dagster resources: where raw data lands and which feed serves each raw dataset.

Each feed is chosen by an environment variable (`MARKET_FEED`, `FX_FEED`, `TRAFFIC_FEED`,
`DOWNLOADS_FEED`), `demo` by default. Values come through Dagster `EnvVar` where the
variable is set, so the UI shows where a setting came from and secrets never appear in
run config.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import dagster as dg

from orchestration import settings
from orchestration.feeds.base import Feed, FeedConfigError
from orchestration.feeds.downloads.demo import DemoDownloadsFeed
from orchestration.feeds.fx.demo import DemoFxFeed
from orchestration.feeds.market.csv_files import CsvMarketFeed
from orchestration.feeds.market.demo import DemoMarketFeed
from orchestration.feeds.sessions import ExchangeSessionsFeed
from orchestration.feeds.traffic.demo import DemoTrafficFeed


def env_or_default(name: str, default: Any) -> Any:
    """`EnvVar(name)` when the variable is set, else the default."""
    return dg.EnvVar(name) if os.environ.get(name) else default


class LandingZone(dg.ConfigurableResource):
    """The root folder raw partitions land in (`COMPUTE_WEEKLY_RAW_DIR`, default `raw/`)."""

    root: str = ""

    def path(self) -> Path:
        return Path(self.root).resolve() if self.root else settings.raw_dir()


class FeedResource(dg.ConfigurableResource):
    """Builds the feed chosen for one raw dataset."""

    kind: str = "demo"
    ENV_VAR: ClassVar[str] = ""

    def factories(self) -> dict[str, Callable[[], Feed]]:
        raise NotImplementedError

    def build(self) -> Feed:
        factories = self.factories()
        if self.kind not in factories:
            raise FeedConfigError(
                f"{self.ENV_VAR}={self.kind!r} is not a feed this dataset has; "
                f"choose one of: {', '.join(sorted(factories))}"
            )
        return factories[self.kind]()


class MarketFeedResource(FeedResource):
    """`MARKET_FEED`: demo, or csv with `MARKET_CSV_DIR`."""

    ENV_VAR: ClassVar[str] = "MARKET_FEED"
    csv_dir: str = ""

    def factories(self) -> dict[str, Callable[[], Feed]]:
        def csv_feed() -> Feed:
            if not self.csv_dir:
                raise FeedConfigError(
                    "MARKET_FEED=csv needs MARKET_CSV_DIR, a folder of <WIND_CODE>.csv"
                )
            return CsvMarketFeed(self.csv_dir)

        return {"demo": DemoMarketFeed, "csv": csv_feed}


class FxFeedResource(FeedResource):
    """`FX_FEED`: demo."""

    ENV_VAR: ClassVar[str] = "FX_FEED"

    def factories(self) -> dict[str, Callable[[], Feed]]:
        return {"demo": DemoFxFeed}


class TrafficFeedResource(FeedResource):
    """`TRAFFIC_FEED`: demo."""

    ENV_VAR: ClassVar[str] = "TRAFFIC_FEED"

    def factories(self) -> dict[str, Callable[[], Feed]]:
        return {"demo": DemoTrafficFeed}


class DownloadsFeedResource(FeedResource):
    """`DOWNLOADS_FEED`: demo."""

    ENV_VAR: ClassVar[str] = "DOWNLOADS_FEED"

    def factories(self) -> dict[str, Callable[[], Feed]]:
        return {"demo": DemoDownloadsFeed}


class SessionsFeedResource(FeedResource):
    """Exchange sessions always come from exchange_calendars."""

    kind: str = "exchange_calendars"
    ENV_VAR: ClassVar[str] = "sessions feed"

    def factories(self) -> dict[str, Callable[[], Feed]]:
        return {"exchange_calendars": ExchangeSessionsFeed}


def feed_resources_from_env() -> dict[str, FeedResource]:
    return {
        "market_feed": MarketFeedResource(
            kind=env_or_default("MARKET_FEED", "demo"),
            csv_dir=env_or_default("MARKET_CSV_DIR", ""),
        ),
        "fx_feed": FxFeedResource(kind=env_or_default("FX_FEED", "demo")),
        "traffic_feed": TrafficFeedResource(kind=env_or_default("TRAFFIC_FEED", "demo")),
        "downloads_feed": DownloadsFeedResource(kind=env_or_default("DOWNLOADS_FEED", "demo")),
        "sessions_feed": SessionsFeedResource(),
    }
