"""The live Yahoo Finance market feed: one v8 chart request per watchlist listing.

`GET {base}/v8/finance/chart/{symbol}?period1=&period2=&interval=1d&events=div,splits`,
with the period from midnight of the window's first day to midnight of the day after
its last, in the listing's exchange time zone; no key. Each answer goes through
`yahoo_chart.parse_chart` and `corporate_action_rows`, as the demo feed's do. Bars land
in `batch.rows`; dividend and split events in `batch.related["corporate_actions"]` as
rows of `symbol` (Wind code), `date` (ex or effective date), `action` ('dividend' or
'split') and `value` (the dividend per share in the trading currency, or new shares per
old share).

Failures (CONTRACTS.md 3.1): "Not Found" (unknown or delisted symbol), "Data doesn't
exist" and an empty result are notes for that listing, and the week goes on. An HTML page
("Will be right back", anti-bot) where JSON is due, any other `chart.error`, and a 429 or
5xx that outlasts the retries fail the week. Yahoo rate-limits plain clients hard, so the
default pace is one request per second with a longer backoff.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from orchestration import seeds
from orchestration.feeds.base import FeedBatch
from orchestration.feeds.http import Clock, HttpPolicy
from orchestration.feeds.live import LiveFeed
from orchestration.feeds.market.symbols import wind_to_yahoo
from orchestration.feeds.market.yahoo_chart import corporate_action_rows, parse_chart
from orchestration.partitions import DateWindow

DEFAULT_BASE_URL = "https://query1.finance.yahoo.com"
CHART_PATH = "/v8/finance/chart/"
DEFAULT_POLICY = HttpPolicy(rate_per_second=1.0, backoff_factor=2.0)
# Yahoo answers the default python-requests agent with 429s more readily.
USER_AGENT = "Mozilla/5.0 (compatible; compute-weekly/0.1)"


def chart_period(window: DateWindow, timezone: str) -> tuple[int, int]:
    """period1 and period2: epoch seconds of midnight at the window's start and end in the
    exchange's zone, so a bar (stamped at its session's open) is inside iff its day is."""
    zone = ZoneInfo(timezone)
    start, end = (
        int(dt.datetime.combine(day, dt.time(), tzinfo=zone).timestamp())
        for day in (window.start, window.end)
    )
    return start, end


def not_found(payload: Any) -> str | None:
    """The description of a chart error "Not Found" (symbol unknown or delisted), else None."""
    chart = payload.get("chart") if isinstance(payload, dict) else None
    error = chart.get("error") if isinstance(chart, dict) else None
    if isinstance(error, dict) and error.get("code") == "Not Found":
        return str(error.get("description") or "Not Found")
    return None


class YahooMarketFeed(LiveFeed):
    """Daily bars and corporate actions of the watchlist from Yahoo's v8 chart endpoint."""

    kind = "yahoo"
    default_base_url = DEFAULT_BASE_URL
    default_policy = DEFAULT_POLICY
    endpoint = CHART_PATH
    related = ("corporate_actions",)

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        listings: Iterable[seeds.Listing] | None = None,
        policy: HttpPolicy | None = None,
        clock: Clock | None = None,
        today: dt.date | None = None,
    ) -> None:
        super().__init__(
            base_url, headers={"User-Agent": USER_AGENT}, policy=policy, clock=clock, today=today
        )
        self.listings = tuple(listings) if listings is not None else None  # None: watchlist

    def fetch_window(self, window: DateWindow, batch: FeedBatch) -> None:
        actions = batch.related["corporate_actions"]
        without_bars = []
        for listing in self.listings or seeds.watchlist():
            payload = self._chart(listing, window)
            reason = not_found(payload)
            if reason is not None:
                batch.notes.append(f"{listing.symbol}: not found on Yahoo ({reason}); skipped")
                continue
            series = parse_chart(payload, listing.symbol)
            bars = [bar for bar in series.bars if bar["date"] in window]
            events = corporate_action_rows(series, listing.symbol)
            batch.notes.extend(series.notes)
            batch.rows.extend(bars)
            actions.extend(event for event in events if event["date"] in window)
            if not bars:
                without_bars.append(listing.symbol)
        if without_bars:
            batch.notes.append(
                f"no bars in {window.start}..{window.end} for {len(without_bars)} listing(s): "
                + ", ".join(without_bars)
            )

    def _chart(self, listing: seeds.Listing, window: DateWindow) -> Any:
        """One listing's chart payload for `window`: JSON, or `ProviderBodyError`."""
        period1, period2 = chart_period(window, seeds.exchanges()[listing.exchange].timezone)
        response = self.http.get(
            CHART_PATH + wind_to_yahoo(listing.symbol),
            params={
                "period1": period1,
                "period2": period2,
                "interval": "1d",
                "events": "div,splits",
            },
            handled=(400, 404),  # JSON answers: "Data doesn't exist", "Not Found"
        )
        return self.http.json(response)
