"""The dataset the exchange-sessions feed lands whole: every session of the watchlist's
exchanges."""

from __future__ import annotations

import pyarrow as pa

from orchestration.datasets import RawDataset

EXCHANGE_SESSIONS = RawDataset(
    name="exchange_sessions",
    description=(
        "Trading sessions of every exchange on the watchlist (from exchange_calendars), from "
        "the year before the first week to the week after today, landed whole on every run "
        "so no week's base session can be missing. `is_fallback` marks weekdays assumed "
        "past a calendar's horizon."
    ),
    partitioned=False,
    data_fields=(
        pa.field("exchange", pa.string(), nullable=False),
        pa.field("date", pa.date32(), nullable=False),
        pa.field("calendar_code", pa.string(), nullable=False),
        pa.field("is_fallback", pa.bool_(), nullable=False),
    ),
    key=("exchange", "date"),
)
