"""The demo market feed: Yahoo-chart-shaped payloads from the demo model, parsed as live ones.

One payload per listing and week, with the fields the live API sends (meta with currency
and exchange time zone, epoch-second timestamps at the exchange's open, quote arrays,
adjclose, dividend and split events), so `yahoo_chart.parse_chart` is exercised on every
demo run. Days on or after `today` are not served: data that does not exist yet.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from orchestration import seeds
from orchestration.feeds.base import FeedBatch
from orchestration.feeds.demo import market_model
from orchestration.feeds.market.symbols import wind_to_yahoo
from orchestration.feeds.market.yahoo_chart import corporate_action_rows, parse_chart
from orchestration.partitions import DateWindow, report_today

_OPEN_TIME = dt.time(9, 30)


def _stamp(day: dt.date, zone: ZoneInfo) -> int:
    return int(dt.datetime.combine(day, _OPEN_TIME, tzinfo=zone).timestamp())


def chart_payload(listing: seeds.Listing, start: dt.date, end: dt.date) -> dict[str, Any]:
    """What `GET /v8/finance/chart/{symbol}?events=div,splits` would return for [start, end)."""
    exchange = seeds.exchanges()[listing.exchange]
    zone = ZoneInfo(exchange.timezone)
    history = market_model.window(listing.symbol, start, end)
    bars = history.bars
    return {
        "chart": {
            "result": [
                {
                    "meta": {
                        "currency": listing.currency,
                        "symbol": wind_to_yahoo(listing.symbol),
                        "exchangeTimezoneName": exchange.timezone,
                        "instrumentType": "EQUITY",
                        "dataGranularity": "1d",
                    },
                    "timestamp": [_stamp(b.day, zone) for b in bars],
                    "events": {
                        "dividends": {
                            str(_stamp(d, zone)): {"date": _stamp(d, zone), "amount": amount}
                            for d, amount in history.dividends
                        },
                        "splits": {
                            str(_stamp(d, zone)): {
                                "date": _stamp(d, zone),
                                "numerator": ratio,
                                "denominator": 1,
                                "splitRatio": f"{ratio:g}:1",
                            }
                            for d, ratio in history.splits
                        },
                    },
                    "indicators": {
                        "quote": [
                            {
                                "open": [b.open for b in bars],
                                "high": [b.high for b in bars],
                                "low": [b.low for b in bars],
                                "close": [b.close for b in bars],
                                "volume": [b.volume for b in bars],
                            }
                        ],
                        "adjclose": [{"adjclose": [b.adj_close for b in bars]}],
                    },
                }
            ],
            "error": None,
        }
    }


class DemoMarketFeed:
    """Daily bars of the whole watchlist from the calibrated demo model."""

    kind = "demo"

    def __init__(self, today: dt.date | None = None) -> None:
        self.today = today or report_today()

    def fetch(self, week: DateWindow) -> FeedBatch:
        end = min(week.end, self.today)
        batch = FeedBatch(
            rows=[], source_ref="demo:yahoo-chart-v8", related={"corporate_actions": []}
        )
        if end <= week.start:
            batch.notes.append(f"week {week.start} has not started yet: nothing to serve")
            return batch
        for listing in seeds.watchlist():
            series = parse_chart(chart_payload(listing, week.start, end), listing.symbol)
            batch.notes.extend(series.notes)
            batch.rows.extend(series.bars)
            batch.related["corporate_actions"].extend(corporate_action_rows(series, listing.symbol))
        return batch
