"""The live Yahoo Finance market feed: one v8 chart request per watchlist listing and run
(the span of the run's weeks, `LiveFeed.plan`), plus each listing's split history once
per run; prices land as traded, rounded to their currency's tick.

`GET {base}/v8/finance/chart/{symbol}?period1=&period2=&interval=1d&events=div,splits`,
with the period from midnight of the span's first day to midnight of the day after
its last, in the listing's exchange time zone; no key. Yahoo answers any range in one
request (daily bars); each week then takes its own days from the answer. Each answer goes through
`yahoo_chart.parse_chart`, as the demo feed's do. Bars land in `batch.rows`; the week's
own dividend and split events (ex or effective date inside the week) in
`batch.related["corporate_actions"]` as rows of `symbol` (Wind code), `date`, `action`
('dividend' or 'split') and `value` (the dividend per share in the trading currency as
paid, or new shares per old share).

Prices as traded: Yahoo's chart prices (and dividend amounts) are split-adjusted as of
the fetch, for every split up to the fetch, also those after the week asked for (a 2024
week fetched in 2026 comes adjusted for a 2025 split, which that week's answer does not
carry as an event). So, for each listing with bars in the span, the feed also reads the
listing's split history, `GET {base}/v8/finance/chart/{symbol}?range=max&interval=1mo&
events=split` (only `events.splits` is read; the request is the same whatever the week,
so it can be replayed), once per run; its recorded answer, like the span's chart, is in
the responses of each week that relies on it, so every week's records replay on their
own. `yahoo_chart.traded_series` then restores open, high, low, close, volume and
dividend amounts as traded, and rounds every price to the currency's price decimals,
split or not (Yahoo serves float32 values: 243.6999969482422 for 243.70);
`adj_close` stays as Yahoo gives it (an adjusted series, not a traded price).

Failures (docs/providers.md, Yahoo), none retried but 429 and 5xx:

- "Not Found" ("No data found, symbol may be delisted", HTTP 404) means Yahoo does not
  know the symbol: `UnknownEntityError`, failing the run's first week (so no week of the
  run is published), naming listing, Yahoo symbol, the days asked for and the reason
  (check the Wind code's mapping, or whether it was delisted);
- no data for the window is not an error: "Data doesn't exist for startDate…" (a window
  before the first bar), an empty `result`, a chart without bars (a holiday week) give
  no rows and a note;
- an empty, truncated or HTML body where JSON is due (`ProviderBodyError`), any other
  `chart.error`, a payload of the wrong shape (`YahooChartError`), and a 429 or 5xx that
  outlasts the retries fail the week.

Every error is prefixed with the provider, listing and days. Yahoo rate-limits plain
clients hard, so the default pace is one request per second with a longer backoff.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from typing import Any, Unpack
from zoneinfo import ZoneInfo

from orchestration import seeds
from orchestration.feeds.lib.base import FeedBatch
from orchestration.feeds.lib.http import HttpPolicy
from orchestration.feeds.lib.live import Connection, LiveFeed
from orchestration.feeds.market.symbols import wind_to_yahoo
from orchestration.feeds.market.yahoo_chart import (
    ChartSeries,
    Split,
    corporate_action_rows,
    parse_chart,
    price_decimals,
    traded_series,
)
from orchestration.partitions import DateWindow

DEFAULT_BASE_URL = "https://query1.finance.yahoo.com"
CHART_PATH = "/v8/finance/chart/"
# The whole history in monthly bars (few of them): only its split events are read.
SPLIT_HISTORY_PARAMS = {"range": "max", "interval": "1mo", "events": "split"}
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
    """Daily bars (as traded) and corporate actions of the watchlist from Yahoo's v8 chart
    endpoint."""

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
        **connection: Unpack[Connection],
    ) -> None:
        super().__init__(
            base_url,
            headers={"User-Agent": USER_AGENT},
            **connection,
        )
        self.listings = tuple(listings) if listings is not None else None  # None: watchlist

    def fetch_window(self, window: DateWindow, batch: FeedBatch) -> None:
        actions = batch.related["corporate_actions"]
        without_bars = []
        span = self.span
        for listing in self.listings or seeds.watchlist():
            entity = f"{listing.symbol} (Yahoo {wind_to_yahoo(listing.symbol)})"
            with self.about(entity, span):
                series = self.once(
                    ("chart", listing.symbol, span),
                    functools.partial(self._traded, listing, span, batch),
                )
            bars = [bar for bar in series.bars if bar["date"] in window]
            events = corporate_action_rows(series, listing.symbol)
            batch.rows.extend(bars)
            actions.extend(event for event in events if event["date"] in window)
            if not bars:
                without_bars.append(listing.symbol)
        if without_bars:
            batch.notes.append(
                f"no bars in {window.start}..{window.end} for {len(without_bars)} listing(s): "
                + ", ".join(without_bars)
            )

    def _traded(self, listing: seeds.Listing, span: DateWindow, batch: FeedBatch) -> ChartSeries:
        """The listing's chart for `span`, prices as traded; its notes go to `batch` (the
        first week the answer feeds)."""
        series = self._chart_of(listing, span)
        decimals = price_decimals(series.currency or listing.currency)
        if series.bars or series.dividends:
            series = traded_series(series, self._splits(listing), decimals=decimals)
        batch.notes.extend(series.notes)
        return series

    def _chart(self, listing: seeds.Listing, params: dict[str, str | int], what: str) -> Any:
        """A chart answer as JSON; "Not Found" raises `UnknownEntityError`."""
        response = self.http.get(
            CHART_PATH + wind_to_yahoo(listing.symbol),
            params=params,
            handled=(400, 404),  # JSON answers: "Data doesn't exist", "Not Found"
        )
        payload = self.http.json(response)
        reason = not_found(payload)
        if reason is not None:
            raise self.http.unknown(
                response,
                f"unknown symbol: Yahoo answered Not Found ({reason}) for the {what}; check "
                "the listing's Yahoo symbol, or whether it was delisted; permanent, not retried",
            )
        return payload

    def _chart_of(self, listing: seeds.Listing, window: DateWindow) -> ChartSeries:
        """One listing's chart for `window`, parsed (prices still as Yahoo adjusts them)."""
        period1, period2 = chart_period(window, seeds.exchanges()[listing.exchange].timezone)
        params: dict[str, str | int] = {
            "period1": period1,
            "period2": period2,
            "interval": "1d",
            "events": "div,splits",
        }
        return parse_chart(self._chart(listing, params, "week"), listing.symbol)

    def _splits(self, listing: seeds.Listing) -> list[Split]:
        """Every split of the listing Yahoo knows of, read once per plan."""

        def history() -> list[Split]:
            payload = self._chart(listing, dict(SPLIT_HISTORY_PARAMS), "split history")
            return parse_chart(payload, listing.symbol).splits

        return self.once(("splits", listing.symbol), history)
