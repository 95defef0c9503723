"""The datasets the market feed lands: daily bars, and the dividends and splits that came
with them."""

from __future__ import annotations

import pyarrow as pa

from orchestration.datasets import Freshness, RawDataset, columns, described, nullable
from orchestration.feeds.market.rules import (
    ADJUSTMENT_JUMPS,
    CONSISTENT_RANGE,
    DAILY_MOVE,
    KNOWN_ACTIONS,
    POSITIVE_PRICES,
    SESSIONS_COMPLETE,
    last_session_through,
)

MARKET_BARS = RawDataset(
    name="market_bars",
    description=(
        "Daily bars of every watchlist listing, one row per listing per trading day: "
        "open, high, low, close as traded (unadjusted), adjusted close where the feed gives "
        "one, volume, trading currency, and shares outstanding where the feed knows them."
    ),
    data_fields=columns(
        symbol=described(pa.string(), "Wind code"),
        date=described(pa.date32(), "exchange-local trading day"),
        open=nullable(pa.float64()),
        high=nullable(pa.float64()),
        low=nullable(pa.float64()),
        close=described(pa.float64(), "close as traded"),
        adj_close=nullable(
            pa.float64(), "dividend- and split-adjusted close, if the feed gives one"
        ),
        volume=nullable(pa.float64()),
        currency=described(pa.string(), "trading currency"),
        shares_outstanding=nullable(pa.float64(), "if the feed gives them"),
    ),
    key=("symbol", "date"),
    rules=(POSITIVE_PRICES, CONSISTENT_RANGE, SESSIONS_COMPLETE, DAILY_MOVE, ADJUSTMENT_JUMPS),
    freshness=Freshness(deadline_days=1, last_expected=last_session_through),
)


CORPORATE_ACTIONS = RawDataset(
    name="corporate_actions",
    description=(
        "Dividend and split events of the watchlist's listings, as the market feed reports "
        "them: a dividend's amount per share in the trading currency on its ex-date, a "
        "split's ratio (new shares per old) on its effective date. dbt derives adjustment "
        "factors from them."
    ),
    data_fields=columns(
        symbol=pa.string(),
        date=described(pa.date32(), "ex-date or effective date"),
        action=described(pa.string(), "dividend or split"),
        value=pa.float64(),
    ),
    key=("symbol", "date", "action"),
    rules=(KNOWN_ACTIONS,),
)
