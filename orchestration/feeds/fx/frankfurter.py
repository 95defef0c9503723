"""Parsing Frankfurter v2 `/v2/rates` payloads: a flat array of {date, base, quote, rate}.

The live client and the demo feed both produce this shape. Rates must be quoted against
USD, positive, and dated; anything else is a `FeedDataError` naming the row.
"""

from __future__ import annotations

import re
from typing import Any

from orchestration.feeds.lib.base import FeedDataError
from orchestration.feeds.lib.parsing import iso_date, json_number

_CURRENCY = re.compile(r"[A-Za-z]{3}")


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
        where = f"Frankfurter v2 row {i}"
        day = iso_date(item["date"], f"{where} date")
        quote = item["quote"]
        if not isinstance(quote, str) or not _CURRENCY.fullmatch(quote):
            raise FeedDataError(f"{where}: quote {quote!r} is not a currency code")
        rate = json_number(item["rate"], f"{where} rate")
        if rate is None or rate <= 0:
            raise FeedDataError(f"{where}: rate {item['rate']!r} is not a positive number")
        rows.append({"date": day, "currency": quote.upper(), "units_per_usd": rate})
    return rows
