"""Dagster resources: where raw data lands, which feed serves each raw dataset, and the
data-quality policy.

Each feed is chosen by an environment variable (`MARKET_FEED`, `FX_FEED`, `TRAFFIC_FEED`,
`DOWNLOADS_FEED`, `GPU_FEED`), `demo` by default; its settings (folders, base URLs, keys)
by others. Release events always come from the analysts' file (`RELEASE_EVENTS_FILE`).
Values come through Dagster `EnvVar` where the variable is set, so the UI shows which
variable a setting came from (never a key's value) and secrets never appear in run config.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import dagster as dg

from orchestration import settings
from orchestration.feeds.downloads.csv_files import CsvDownloadsFeed
from orchestration.feeds.downloads.demo import DemoDownloadsFeed
from orchestration.feeds.downloads.qimai_client import QimaiDownloadsFeed
from orchestration.feeds.fx.csv_files import CsvFxFeed
from orchestration.feeds.fx.demo import DemoFxFeed
from orchestration.feeds.fx.frankfurter_client import FrankfurterFxFeed
from orchestration.feeds.gpu.csv_files import CsvGpuFeed
from orchestration.feeds.gpu.demo import DemoGpuFeed
from orchestration.feeds.gpu.keepa_client import KeepaGpuFeed
from orchestration.feeds.lib.base import Feed, FeedConfigError
from orchestration.feeds.market.csv_files import CsvMarketFeed
from orchestration.feeds.market.demo import DemoMarketFeed
from orchestration.feeds.market.yahoo import YahooMarketFeed
from orchestration.feeds.releases.events_file import ReleaseEventsFeed
from orchestration.feeds.sessions.exchange_calendars import ExchangeSessionsFeed
from orchestration.feeds.traffic.csv_files import CsvTrafficFeed
from orchestration.feeds.traffic.demo import DemoTrafficFeed
from orchestration.feeds.traffic.similarweb_client import SimilarwebTrafficFeed
from orchestration.quality.policy import QualityPolicy


def env_or_default(name: str, default: Any) -> Any:
    """`EnvVar(name)` when the variable is set, else the default."""
    return dg.EnvVar(name) if os.environ.get(name) else default


class LandingZone(dg.ConfigurableResource):
    """The root folder raw partitions land in (`COMPUTE_WEEKLY_RAW_DIR`, default `raw/`)."""

    root: str = ""

    def path(self) -> Path:
        return Path(self.root).resolve() if self.root else settings.raw_dir()


class QualityPolicyResource(dg.ConfigurableResource):
    """Severities and thresholds of the data-quality rules (`orchestration/quality`).

    `MARKET_COMPLETENESS=error` makes a missing bar on a session an ERROR (for live weekly
    runs whose vendor should be complete); a run can also set it in its run config.
    """

    market_completeness: str = "warn"
    max_daily_move: float = 0.25
    fx_max_carry_days: int = 4
    max_weekly_drop: float = 0.8
    gpu_max_daily_change: float = 0.3

    def policy(self) -> QualityPolicy:
        severities = {"warn": dg.AssetCheckSeverity.WARN, "error": dg.AssetCheckSeverity.ERROR}
        level = self.market_completeness.strip().lower()
        if level not in severities:
            raise ValueError(f"MARKET_COMPLETENESS={self.market_completeness!r}: use warn or error")
        return QualityPolicy(
            completeness_severity=severities[level],
            max_daily_move=self.max_daily_move,
            fx_max_carry_days=self.fx_max_carry_days,
            max_weekly_drop=self.max_weekly_drop,
            gpu_max_daily_change=self.gpu_max_daily_change,
        )


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


def _folder(kind_var: str, folder: str, folder_var: str) -> str:
    if not folder:
        raise FeedConfigError(f"{kind_var}=csv needs {folder_var}, a folder of vendor exports")
    return folder


class MarketFeedResource(FeedResource):
    """`MARKET_FEED`: demo; csv (`MARKET_CSV_DIR`); yahoo (`YAHOO_BASE_URL`)."""

    ENV_VAR: ClassVar[str] = "MARKET_FEED"
    csv_dir: str = ""
    yahoo_base_url: str = ""

    def factories(self) -> dict[str, Callable[[], Feed]]:
        return {
            "demo": DemoMarketFeed,
            "csv": lambda: CsvMarketFeed(_folder("MARKET_FEED", self.csv_dir, "MARKET_CSV_DIR")),
            "yahoo": lambda: YahooMarketFeed(self.yahoo_base_url),
        }


class FxFeedResource(FeedResource):
    """`FX_FEED`: demo; csv (`FX_CSV_DIR`); frankfurter (`FRANKFURTER_BASE_URL`, and
    `FX_CSV_DIR` as the fallback for a currency Frankfurter does not serve, e.g. TWD)."""

    ENV_VAR: ClassVar[str] = "FX_FEED"
    csv_dir: str = ""
    frankfurter_base_url: str = ""

    def factories(self) -> dict[str, Callable[[], Feed]]:
        return {
            "demo": DemoFxFeed,
            "csv": lambda: CsvFxFeed(_folder("FX_FEED", self.csv_dir, "FX_CSV_DIR")),
            "frankfurter": lambda: FrankfurterFxFeed(
                self.frankfurter_base_url,
                fallback=CsvFxFeed(self.csv_dir) if self.csv_dir else None,
            ),
        }


class TrafficFeedResource(FeedResource):
    """`TRAFFIC_FEED`: demo; csv (`TRAFFIC_CSV_DIR`); similarweb (`SIMILARWEB_BASE_URL`,
    `SIMILARWEB_API_KEY`, `SIMILARWEB_MIN_REMAINING`: the credits a pull needs left, about
    26 domains x 7 days a week)."""

    ENV_VAR: ClassVar[str] = "TRAFFIC_FEED"
    csv_dir: str = ""
    similarweb_base_url: str = ""
    similarweb_api_key: str = ""
    similarweb_min_remaining: int = 200  # credits the account must have left to start

    def factories(self) -> dict[str, Callable[[], Feed]]:
        return {
            "demo": DemoTrafficFeed,
            "csv": lambda: CsvTrafficFeed(_folder("TRAFFIC_FEED", self.csv_dir, "TRAFFIC_CSV_DIR")),
            "similarweb": lambda: SimilarwebTrafficFeed(
                self.similarweb_base_url,
                self.similarweb_api_key,
                min_remaining=self.similarweb_min_remaining,
            ),
        }


class DownloadsFeedResource(FeedResource):
    """`DOWNLOADS_FEED`: demo; csv (`DOWNLOADS_CSV_DIR`); qimai (`QIMAI_BASE_URL`,
    `QIMAI_TOKEN`, and `QIMAI_TOKEN_HEADER` if not `Authorization: Bearer`)."""

    ENV_VAR: ClassVar[str] = "DOWNLOADS_FEED"
    csv_dir: str = ""
    qimai_base_url: str = ""
    qimai_token: str = ""
    qimai_token_header: str = "Authorization"

    def factories(self) -> dict[str, Callable[[], Feed]]:
        bearer = self.qimai_token_header.lower() == "authorization"
        return {
            "demo": DemoDownloadsFeed,
            "csv": lambda: CsvDownloadsFeed(
                _folder("DOWNLOADS_FEED", self.csv_dir, "DOWNLOADS_CSV_DIR")
            ),
            "qimai": lambda: QimaiDownloadsFeed(
                self.qimai_base_url,
                self.qimai_token,
                token_header=self.qimai_token_header,
                token_scheme="Bearer" if bearer else None,
            ),
        }


class GpuFeedResource(FeedResource):
    """`GPU_FEED`: demo; csv (`GPU_CSV_DIR`); keepa (`KEEPA_BASE_URL`, default
    https://api.keepa.com, and `KEEPA_API_KEY`; listings need a pinned ASIN in the
    `gpu_listings` seed)."""

    ENV_VAR: ClassVar[str] = "GPU_FEED"
    csv_dir: str = ""
    keepa_base_url: str = ""
    keepa_api_key: str = ""

    def factories(self) -> dict[str, Callable[[], Feed]]:
        return {
            "demo": DemoGpuFeed,
            "csv": lambda: CsvGpuFeed(_folder("GPU_FEED", self.csv_dir, "GPU_CSV_DIR")),
            "keepa": lambda: KeepaGpuFeed(self.keepa_base_url, self.keepa_api_key),
        }


class ReleaseEventsFeedResource(FeedResource):
    """Release events come from the analysts' file: `RELEASE_EVENTS_FILE`, by default
    data/release_events.csv."""

    kind: str = "file"
    ENV_VAR: ClassVar[str] = "release events feed"
    path: str = ""

    def factories(self) -> dict[str, Callable[[], Feed]]:
        return {"file": lambda: ReleaseEventsFeed(self.path)}


class SessionsFeedResource(FeedResource):
    """Exchange sessions always come from exchange_calendars."""

    kind: str = "exchange_calendars"
    ENV_VAR: ClassVar[str] = "sessions feed"

    def factories(self) -> dict[str, Callable[[], Feed]]:
        return {"exchange_calendars": ExchangeSessionsFeed}


def feed_resources_from_env() -> dict[str, FeedResource]:
    """Every feed resource, each setting from its environment variable where it is set."""

    def env(name: str, default: str = "") -> Any:
        return env_or_default(name, default)

    return {
        "market_feed": MarketFeedResource(
            kind=env("MARKET_FEED", "demo"),
            csv_dir=env("MARKET_CSV_DIR"),
            yahoo_base_url=env("YAHOO_BASE_URL"),
        ),
        "fx_feed": FxFeedResource(
            kind=env("FX_FEED", "demo"),
            csv_dir=env("FX_CSV_DIR"),
            frankfurter_base_url=env("FRANKFURTER_BASE_URL"),
        ),
        "traffic_feed": TrafficFeedResource(
            kind=env("TRAFFIC_FEED", "demo"),
            csv_dir=env("TRAFFIC_CSV_DIR"),
            similarweb_base_url=env("SIMILARWEB_BASE_URL"),
            similarweb_api_key=env("SIMILARWEB_API_KEY"),
            similarweb_min_remaining=int(os.environ.get("SIMILARWEB_MIN_REMAINING") or 200),
        ),
        "downloads_feed": DownloadsFeedResource(
            kind=env("DOWNLOADS_FEED", "demo"),
            csv_dir=env("DOWNLOADS_CSV_DIR"),
            qimai_base_url=env("QIMAI_BASE_URL"),
            qimai_token=env("QIMAI_TOKEN"),
            qimai_token_header=env("QIMAI_TOKEN_HEADER", "Authorization"),
        ),
        "sessions_feed": SessionsFeedResource(),
        "gpu_feed": GpuFeedResource(
            kind=env("GPU_FEED", "demo"),
            csv_dir=env("GPU_CSV_DIR"),
            keepa_base_url=env("KEEPA_BASE_URL"),
            keepa_api_key=env("KEEPA_API_KEY"),
        ),
        "release_events_feed": ReleaseEventsFeedResource(path=env("RELEASE_EVENTS_FILE")),
    }
