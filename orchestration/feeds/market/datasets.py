"""The datasets the market feed lands: daily bars, and the dividends and splits that came
with them."""

from __future__ import annotations

import pyarrow as pa

from orchestration.datasets import Freshness, RawDataset
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
    data_fields=(
        pa.field("symbol", pa.string(), nullable=False),
        pa.field("date", pa.date32(), nullable=False),
        pa.field("open", pa.float64()),
        pa.field("high", pa.float64()),
        pa.field("low", pa.float64()),
        pa.field("close", pa.float64(), nullable=False),
        pa.field("adj_close", pa.float64()),
        pa.field("volume", pa.float64()),
        pa.field("currency", pa.string(), nullable=False),
        pa.field("shares_outstanding", pa.float64()),
    ),
    key=("symbol", "date"),
    rules=(POSITIVE_PRICES, CONSISTENT_RANGE, SESSIONS_COMPLETE, DAILY_MOVE, ADJUSTMENT_JUMPS),
    freshness=Freshness(deadline_days=1, last_expected=last_session_through),
    column_descriptions={
        "symbol": "Wind code",
        "date": "exchange-local trading day",
        "close": "close as traded",
        "adj_close": "dividend- and split-adjusted close, if the feed gives one",
        "currency": "trading currency",
        "shares_outstanding": "if the feed gives them",
    },
)


CORPORATE_ACTIONS = RawDataset(
    name="corporate_actions",
    description=(
        "Dividend and split events of the watchlist's listings, as the market feed reports "
        "them: a dividend's amount per share in the trading currency on its ex-date, a "
        "split's ratio (new shares per old) on its effective date. dbt derives adjustment "
        "factors from them."
    ),
    data_fields=(
        pa.field("symbol", pa.string(), nullable=False),
        pa.field("date", pa.date32(), nullable=False),
        pa.field("action", pa.string(), nullable=False),  # dividend | split
        pa.field("value", pa.float64(), nullable=False),
    ),
    key=("symbol", "date", "action"),
    rules=(KNOWN_ACTIONS,),
    column_descriptions={
        "date": "ex-date or effective date",
        "action": "dividend or split",
    },
)
