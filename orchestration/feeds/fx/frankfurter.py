"""Parsing Frankfurter v2 `/v2/rates` payloads: a flat array of {date, base, quote, rate}.

The live client and the demo feed both produce this shape. Rates must be quoted against
USD, positive, and dated; anything else is a `FeedDataError` naming the row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from orchestration.feeds.base import FeedDataError


def parse_rates(payload: Any) -> list[dict[str, Any]]:
    """FX rows (date, currency, units_per_usd) from a v2 rates array."""
    if not isinstance(payload, list):
        raise FeedDataError(f"Frankfurter v2: expected a JSON array, got {type(payload).__name__}")
    rows = []
    for i, item in enumerate(payload):
        if not isinstance(item, dict) or not {"date", "base", "quote", "rate"} <= set(item):
            raise FeedDataError(
                f"Frankfurter v2 row {i}: expected date, base, quote, rate: {item!r}"
            )
        if str(item["base"]).upper() != "USD":
            raise FeedDataError(f"Frankfurter v2 row {i}: base {item['base']!r} is not USD")
        try:
            day = dt.date.fromisoformat(str(item["date"]))
        except ValueError:
            raise FeedDataError(f"Frankfurter v2 row {i}: bad date {item['date']!r}") from None
        rate = item["rate"]
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not rate > 0:
            raise FeedDataError(f"Frankfurter v2 row {i}: rate {rate!r} is not a positive number")
        rows.append(
            {"date": day, "currency": str(item["quote"]).upper(), "units_per_usd": float(rate)}
        )
    return rows
