"""The demo market feed: Yahoo-chart-shaped payloads from the demo model, parsed and restored
to traded prices exactly as the live Yahoo feed's are.

One payload per listing and week, with the fields the live API sends (meta with currency
and exchange time zone, epoch-second timestamps at the exchange's open, quote arrays,
adjclose, dividend and split events), so `yahoo_chart.parse_chart` is exercised on every
demo run. Like Yahoo's, the payload is split-adjusted as of the fetch (the feed's
`today`): a bar before a split effective before `today` (NVIDIA 2024-06-10 and Super
Micro 2024-10-01, both 10-for-1) carries its prices and dividends divided by the ratio
and its volume multiplied by it, whatever week is asked for. The feed reads the splits
it knows of from a split-history payload (as the live feed does from Yahoo) and restores
the traded prices with `yahoo_chart.traded_series`, rounding each restored price to its
currency's decimals, so the landed close is the model's traded close exactly. Days on or
after `today` are not served: data that does not exist yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from orchestration import seeds
from orchestration.feeds.lib.base import FeedBatch
from orchestration.feeds.market import demo_model as market_model
from orchestration.feeds.market.symbols import wind_to_yahoo
from orchestration.feeds.market.yahoo_chart import (
    Split,
    corporate_action_rows,
    parse_chart,
    price_decimals,
    traded_series,
)
from orchestration.partitions import DateWindow, report_today

_OPEN_TIME = dt.time(9, 30)


def _stamp(day: dt.date, zone: ZoneInfo) -> int:
    return int(dt.datetime.combine(day, _OPEN_TIME, tzinfo=zone).timestamp())


def _factor(day: dt.date, splits: Iterable[tuple[dt.date, float]]) -> float:
    """What Yahoo divides a price of `day` by: the ratios of the splits after it."""
    factor = 1.0
    for effective, ratio in splits:
        if effective > day:
            factor *= ratio
    return factor


def _adjusted(value: float, factor: float) -> float:
    """A traded price or amount as Yahoo serves it: divided by `factor`, to 12 significant
    digits (1208.88 / 10 is 120.888, not 120.88799999999999)."""
    return value if factor == 1.0 else float(f"{value / factor:.12g}")


def _split_events(splits: Iterable[tuple[dt.date, float]], zone: ZoneInfo) -> dict[str, Any]:
    return {
        str(_stamp(d, zone)): {
            "date": _stamp(d, zone),
            "numerator": ratio,
            "denominator": 1,
            "splitRatio": f"{ratio:g}:1",
        }
        for d, ratio in splits
    }


def _meta(listing: seeds.Listing, timezone: str, granularity: str) -> dict[str, Any]:
    return {
        "currency": listing.currency,
        "symbol": wind_to_yahoo(listing.symbol),
        "exchangeTimezoneName": timezone,
        "instrumentType": "EQUITY",
        "dataGranularity": granularity,
    }


def chart_payload(
    listing: seeds.Listing, start: dt.date, end: dt.date, *, as_of: dt.date
) -> dict[str, Any]:
    """What `GET /v8/finance/chart/{symbol}?events=div,splits` fetched on `as_of` would
    return for [start, end): prices split-adjusted for the splits known on `as_of`."""
    exchange = seeds.exchanges()[listing.exchange]
    zone = ZoneInfo(exchange.timezone)
    history = market_model.window(listing.symbol, start, end)
    known = market_model.known_splits(listing.symbol, as_of)
    bars = history.bars
    factors = [_factor(b.day, known) for b in bars]
    return {
        "chart": {
            "result": [
                {
                    "meta": _meta(listing, exchange.timezone, "1d"),
                    "timestamp": [_stamp(b.day, zone) for b in bars],
                    "events": {
                        "dividends": {
                            str(_stamp(d, zone)): {
                                "date": _stamp(d, zone),
                                "amount": _adjusted(amount, _factor(d, known)),
                            }
                            for d, amount in history.dividends
                        },
                        "splits": _split_events(history.splits, zone),
                    },
                    "indicators": {
                        "quote": [
                            {
                                name: [
                                    _adjusted(getattr(b, name), f)
                                    for b, f in zip(bars, factors, strict=True)
                                ]
                                for name in ("open", "high", "low", "close")
                            }
                            | {"volume": [b.volume * f for b, f in zip(bars, factors, strict=True)]}
                        ],
                        "adjclose": [{"adjclose": [b.adj_close for b in bars]}],
                    },
                }
            ],
            "error": None,
        }
    }


def split_history_payload(listing: seeds.Listing, *, as_of: dt.date) -> dict[str, Any]:
    """What the split-history request (`range=max&interval=1mo&events=split`) fetched on
    `as_of` would return, reduced to what is read of it: the split events."""
    exchange = seeds.exchanges()[listing.exchange]
    zone = ZoneInfo(exchange.timezone)
    known = market_model.known_splits(listing.symbol, as_of)
    return {
        "chart": {
            "result": [
                {
                    "meta": _meta(listing, exchange.timezone, "1mo"),
                    "timestamp": [],
                    "events": {"splits": _split_events(known, zone)},
                    "indicators": {"quote": [{}], "adjclose": [{"adjclose": []}]},
                }
            ],
            "error": None,
        }
    }


class DemoMarketFeed:
    """Daily bars of the whole watchlist (or of `listings`) from the calibrated demo model."""

    kind = "demo"

    def __init__(
        self, today: dt.date | None = None, *, listings: Iterable[seeds.Listing] | None = None
    ) -> None:
        self.today = today or report_today()
        self.listings = tuple(listings) if listings is not None else None  # None: watchlist
        self._split_history: dict[str, list[Split]] = {}

    def fetch(self, week: DateWindow) -> FeedBatch:
        end = min(week.end, self.today)
        batch = FeedBatch(
            rows=[], source_ref="demo:yahoo-chart-v8", related={"corporate_actions": []}
        )
        if end <= week.start:
            batch.notes.append(f"week {week.start} has not started yet: nothing to serve")
            return batch
        for listing in self.listings or seeds.watchlist():
            payload = chart_payload(listing, week.start, end, as_of=self.today)
            series = parse_chart(payload, listing.symbol)
            decimals = price_decimals(series.currency)
            series = traded_series(series, self._splits(listing), decimals=decimals)
            batch.notes.extend(series.notes)
            batch.rows.extend(series.bars)
            batch.related["corporate_actions"].extend(corporate_action_rows(series, listing.symbol))
        return batch

    def _splits(self, listing: seeds.Listing) -> list[Split]:
        """The listing's splits known on `today`, read once, as the live feed does."""
        if listing.symbol not in self._split_history:
            payload = split_history_payload(listing, as_of=self.today)
            self._split_history[listing.symbol] = parse_chart(payload, listing.symbol).splits
        return self._split_history[listing.symbol]
