"""Parsing Similarweb API v5 `website-analysis/websites/traffic-and-engagement` payloads.

Envelope: `{"meta": {"request": {...}, "status": "Success", "last_updated": ...},
"data": [{"date": "YYYY-MM-DD", "visits": float}, ...]}`. Visits are estimates with
fractions and stay floats. Only daily granularity is accepted: Monday-to-Sunday weeks are
then exact sums of days, whatever rule the provider uses to label its weekly rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from orchestration.feeds.base import FeedDataError


def parse_visits(payload: Any, *, site_id: str, domain: str, category: str) -> list[dict[str, Any]]:
    """Traffic rows for one site and domain from one v5 response."""
    where = f"Similarweb v5 {domain}"
    if not isinstance(payload, dict) or "data" not in payload or "meta" not in payload:
        raise FeedDataError(f"{where}: expected an object with 'meta' and 'data'")
    meta = payload["meta"] or {}
    status = meta.get("status")
    if status != "Success":
        raise FeedDataError(f"{where}: meta.status is {status!r}, not 'Success'")
    granularity = (meta.get("request") or {}).get("granularity", "daily")
    if str(granularity).lower() != "daily":
        raise FeedDataError(f"{where}: granularity {granularity!r}; only daily is landed")
    updated = meta.get("last_updated")
    try:
        last_updated = dt.date.fromisoformat(updated[:10]) if updated else None
    except (TypeError, ValueError):
        raise FeedDataError(f"{where}: meta.last_updated {updated!r} is not a date") from None
    if not isinstance(payload["data"], list):
        raise FeedDataError(f"{where}: 'data' is not an array")
    rows = []
    for i, item in enumerate(payload["data"]):
        try:
            day = dt.date.fromisoformat(str(item["date"])[:10])
        except (KeyError, TypeError, ValueError):
            raise FeedDataError(f"{where} row {i}: bad or missing date in {item!r}") from None
        visits = item.get("visits")
        if isinstance(visits, bool) or not isinstance(visits, int | float):
            raise FeedDataError(f"{where} {day}: visits {visits!r} is not a number")
        rows.append(
            {
                "site_id": site_id,
                "domain": domain,
                "category": category,
                "date": day,
                "visits": float(visits),
                "data_last_updated": last_updated,
            }
        )
    return rows
