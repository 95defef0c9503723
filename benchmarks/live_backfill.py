"""Figure 4: a live 52-week backfill of the watchlist, asked the way a run asks it now
(the run's whole span, once per listing, domain and currency set: `LiveFeed.plan`)
against week by week, counted and timed against local servers speaking the providers'
APIs (`benchmarks.provider_servers`).

The range fetch runs at each provider's default pace (Yahoo one request a second,
Similarweb five, Frankfurter its own) through `orchestration.ingest`, as the raw step
does: its wall time is what a live backfill takes. Week by week is only counted, unpaced
(at Yahoo's pace it would take about half an hour); its time at the default pace is the
pacing alone, requests over rate per provider, a lower bound. Target: the 52-week
backfill of the 33 listings under 2 minutes at Yahoo's pace.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import Row, fmt_s
from benchmarks.provider_servers import TRAFFIC_PATH, LocalProviders, local_providers
from orchestration import seeds
from orchestration.feeds.fx.datasets import FX_RATES
from orchestration.feeds.lib.live import LiveFeed
from orchestration.feeds.market.datasets import CORPORATE_ACTIONS, MARKET_BARS
from orchestration.feeds.traffic.datasets import WEB_TRAFFIC
from orchestration.ingest import ingest
from orchestration.partitions import WeekWindow

FIRST_WEEK = dt.date(2023, 12, 25)
WEEKS = 52
TODAY = dt.date(2024, 12, 23)
TARGET_S = 120.0
PREFIXES = {
    "yahoo": "/v8/finance/chart/",
    "similarweb": TRAFFIC_PATH,
    "similarweb budget": "/user-capabilities",
    "frankfurter": "/v2/rates",
}


@dataclass
class Pull:
    wall_s: float
    requests: dict[str, int]


def _weeks() -> list[WeekWindow]:
    first = WeekWindow.from_partition_key(FIRST_WEEK.isoformat())
    return [WeekWindow(first.start + dt.timedelta(weeks=i), first.end + dt.timedelta(weeks=i))
            for i in range(WEEKS)]  # fmt: skip


def _land(providers: LocalProviders, raw: Path, *, planned: bool, paced: bool) -> Pull:
    kwargs = {"policy": None} if paced else {}  # None: the provider's default pace
    feeds: list[tuple[list, LiveFeed]] = [
        ([MARKET_BARS, CORPORATE_ACTIONS], providers.yahoo(**kwargs)),
        ([WEB_TRAFFIC], providers.similarweb(**kwargs)),
        ([FX_RATES], providers.frankfurter(**kwargs)),
    ]
    before = {name: providers.count(prefix) for name, prefix in PREFIXES.items()}
    weeks = _weeks()
    began = time.perf_counter()
    for datasets, feed in feeds:
        if planned:
            feed.plan(weeks)
        for week in weeks:
            landed = ingest(datasets, feed, week, raw)
            if not landed.published:
                raise RuntimeError(f"{datasets[0].name} {week.key} rejected: {landed.rejected_by}")
    wall = time.perf_counter() - began
    return Pull(wall, {n: providers.count(p) - before[n] for n, p in PREFIXES.items()})


@dataclass
class Figure4:
    ranged: Pull
    weekly: Pull
    rates: dict[str, float]

    def paced_floor(self, pull: Pull) -> float:
        """Seconds the pull's requests take at the default pace alone."""
        return sum(count / self.rates[name] for name, count in pull.requests.items())

    def rows(self) -> list[Row]:
        listings = len(seeds.watchlist())
        ranged, weekly = self.ranged, self.weekly
        counts = ", ".join(f"{name} {count}" for name, count in ranged.requests.items())
        weekly_counts = ", ".join(f"{name} {count}" for name, count in weekly.requests.items())
        floor = self.paced_floor(weekly)
        return [
            Row(
                "4",
                f"live 52-week backfill of the {listings} listings, the sites' domains and FX, "
                f"one request per entity and run, at the providers' default pace ({counts})",
                ranged.wall_s,
                None,
                f"week by week: {sum(weekly.requests.values()):,} requests ({weekly_counts}), "
                f"at least {fmt_s(floor)} s at the same pace",
                f"{floor / ranged.wall_s:.1f}x",
                f"<= {TARGET_S:.0f} s",
                ranged.wall_s <= TARGET_S,
            ),
            Row(
                "4",
                "same: Yahoo requests of the backfill",
                None,
                None,
                f"week by week: {weekly.requests['yahoo']:,}",
                f"{weekly.requests['yahoo'] / ranged.requests['yahoo']:.1f}x fewer",
                f"<= {2 * listings} (2 per listing)",
                ranged.requests["yahoo"] <= 2 * listings,
            ),
        ]


def run() -> Figure4:
    from orchestration.feeds.fx.frankfurter_client import FrankfurterFxFeed
    from orchestration.feeds.market.yahoo import YahooMarketFeed
    from orchestration.feeds.traffic.similarweb_client import SimilarwebTrafficFeed

    rates = {
        "yahoo": YahooMarketFeed.default_policy.rate_per_second,
        "similarweb": SimilarwebTrafficFeed.default_policy.rate_per_second,
        "similarweb budget": SimilarwebTrafficFeed.default_policy.rate_per_second,
        "frankfurter": FrankfurterFxFeed.default_policy.rate_per_second,
    }
    with (
        tempfile.TemporaryDirectory(prefix="bench-live-") as folder,
        local_providers(TODAY) as providers,
    ):
        ranged = _land(providers, Path(folder) / "ranged", planned=True, paced=True)
        weekly = _land(providers, Path(folder) / "weekly", planned=False, paced=False)
    return Figure4(ranged, weekly, rates)
