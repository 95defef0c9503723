"""Parsing Similarweb API v5 `website-analysis/websites/traffic-and-engagement` payloads.

Envelope: `{"meta": {"request": {...}, "status": "Success", "last_updated": ...},
"data": [{"date": "YYYY-MM-DD", "visits": float}, ...]}`. Visits are estimates with
fractions and stay floats. Only daily granularity is accepted: Monday-to-Sunday weeks are
then exact sums of days, whatever rule the provider uses to label its weekly rows. A field
missing or of the wrong JSON type is a `FeedDataError` naming it; an empty `data` array
is no rows.
"""

from __future__ import annotations

from typing import Any

from orchestration.feeds.lib.base import FeedDataError
from orchestration.feeds.lib.parsing import iso_date, json_number


def parse_visits(payload: Any, *, site_id: str, domain: str, category: str) -> list[dict[str, Any]]:
    """Traffic rows for one site and domain from one v5 response."""
    where = f"Similarweb v5 {domain}"
    if not isinstance(payload, dict) or "data" not in payload or "meta" not in payload:
        raise FeedDataError(f"{where}: expected an object with 'meta' and 'data'")
    meta = payload["meta"] or {}
    if not isinstance(meta, dict):
        raise FeedDataError(f"{where}: 'meta' is not an object")
    status = meta.get("status")
    if status != "Success":
        raise FeedDataError(f"{where}: meta.status is {status!r}, not 'Success'")
    request = meta.get("request") or {}
    if not isinstance(request, dict):
        raise FeedDataError(f"{where}: meta.request is not an object")
    granularity = request.get("granularity", "daily")
    if str(granularity).lower() != "daily":
        raise FeedDataError(f"{where}: granularity {granularity!r}; only daily is landed")
    updated = meta.get("last_updated")
    last_updated = (
        iso_date(updated, f"{where} meta.last_updated", allow_time=True) if updated else None
    )
    if not isinstance(payload["data"], list):
        raise FeedDataError(f"{where}: 'data' is not an array")
    rows = []
    for i, item in enumerate(payload["data"]):
        if not isinstance(item, dict):
            raise FeedDataError(f"{where} row {i}: not an object: {item!r}")
        day = iso_date(item.get("date"), f"{where} row {i} date")
        visits = json_number(item.get("visits"), f"{where} {day} visits")
        if visits is None:
            raise FeedDataError(f"{where} {day}: visits is null")
        rows.append(
            {
                "site_id": site_id,
                "domain": domain,
                "category": category,
                "date": day,
                "visits": visits,
                "data_last_updated": last_updated,
            }
        )
    return rows
