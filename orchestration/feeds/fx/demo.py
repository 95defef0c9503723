"""The demo FX feed: Frankfurter-v2-shaped rate arrays from the demo FX model."""

from __future__ import annotations

import datetime as dt
from typing import Any

from orchestration import seeds
from orchestration.feeds.fx.frankfurter import parse_rates
from orchestration.feeds.lib.base import FeedBatch
from orchestration.feeds.lib.demo import fx_model
from orchestration.partitions import DateWindow, report_today


def rates_payload(currencies: list[str], start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """What `GET /v2/rates?base=usd&quotes=...&from=start&to=end-1` would return."""
    return [
        {"date": day.isoformat(), "base": "USD", "quote": currency, "rate": rate}
        for currency in currencies
        for day, rate in sorted(fx_model.rates(currency, start, end).items())
    ]


class DemoFxFeed:
    kind = "demo"

    def __init__(self, today: dt.date | None = None) -> None:
        self.today = today or report_today()

    def fetch(self, week: DateWindow) -> FeedBatch:
        end = min(week.end, self.today)
        if end <= week.start:
            return FeedBatch(rows=[], notes=[f"week {week.start} has not started yet"])
        payload = rates_payload(seeds.watchlist_currencies(), week.start, end)
        return FeedBatch(rows=parse_rates(payload), source_ref="demo:frankfurter-v2")
