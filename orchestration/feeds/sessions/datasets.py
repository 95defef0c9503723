"""The dataset the exchange-sessions feed lands whole: every session of the watchlist's
exchanges."""

from __future__ import annotations

import pyarrow as pa

from orchestration.datasets import RawDataset, columns

EXCHANGE_SESSIONS = RawDataset(
    name="exchange_sessions",
    description=(
        "Trading sessions of every exchange on the watchlist (from exchange_calendars), from "
        "the year before the first week to the week after today, landed whole on every run "
        "so no week's base session can be missing. `is_fallback` marks weekdays assumed "
        "past a calendar's horizon."
    ),
    partitioned=False,
    data_fields=columns(
        exchange=pa.string(), date=pa.date32(), calendar_code=pa.string(), is_fallback=pa.bool_()
    ),
    key=("exchange", "date"),
)
