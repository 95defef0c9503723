"""The dataset the FX feed lands: units of each watchlist currency per 1 USD."""

from __future__ import annotations

import pyarrow as pa

from orchestration.datasets import Freshness, RawDataset, columns
from orchestration.feeds.fx.rules import (
    CARRIED_FORWARD,
    COVERAGE,
    PLAUSIBLE_BAND,
    last_weekday_through,
)

FX_RATES = RawDataset(
    name="fx_rates",
    description="Daily FX: units of each currency per 1 USD, on the days the source quotes.",
    data_fields=columns(date=pa.date32(), currency=pa.string(), units_per_usd=pa.float64()),
    key=("currency", "date"),
    rules=(PLAUSIBLE_BAND, COVERAGE, CARRIED_FORWARD),
    freshness=Freshness(deadline_days=2, last_expected=last_weekday_through),
)
