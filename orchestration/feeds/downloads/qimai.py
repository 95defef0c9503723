"""Parsing the Qimai-style download envelope: `code` 10000 is success, `data.list` holds
`[epoch_ms, value]` per day, read in Asia/Shanghai (docs/providers.md, Qimai).

Any other code is an error carrying the provider's message; `is_logout` means the session
expired. Timestamps are epoch milliseconds (seconds are refused); a row's day is the
timestamp's date in Asia/Shanghai.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from orchestration.feeds.lib.base import FeedDataError
from orchestration.feeds.lib.parsing import json_number

SUCCESS = 10000
CHINA = ZoneInfo("Asia/Shanghai")
# Epoch milliseconds of 1973-03-03: anything smaller is epoch seconds sent by mistake.
_SMALLEST_MS = 100_000_000_000


class QimaiError(FeedDataError):
    """A non-success envelope."""


def parse_downloads(payload: Any, *, app_id: str, platform: str) -> list[dict[str, Any]]:
    where = f"Qimai {app_id}"
    if not isinstance(payload, dict) or "code" not in payload:
        raise FeedDataError(f"{where}: expected an object with a 'code'")
    if payload["code"] != SUCCESS:
        expired = " (session expired: log in again)" if payload.get("is_logout") else ""
        raise QimaiError(f"{where}: code {payload['code']} {payload.get('msg', '')!s}{expired}")
    data = payload.get("data") or {}
    series = data.get("list") if isinstance(data, dict) else None
    if not isinstance(series, list):
        raise FeedDataError(f"{where}: data.list is missing or not an array")
    rows = []
    for i, point in enumerate(series):
        if not isinstance(point, list | tuple) or len(point) != 2:
            raise FeedDataError(f"{where} point {i}: expected [epoch_ms, value], got {point!r}")
        stamp, value = point
        if isinstance(stamp, bool) or not isinstance(stamp, int):
            raise FeedDataError(f"{where} point {i}: timestamp {stamp!r} is not integer ms")
        if stamp < _SMALLEST_MS:
            raise FeedDataError(f"{where} point {i}: timestamp {stamp} looks like seconds, not ms")
        downloads = json_number(value, f"{where} point {i} value")
        if downloads is None:
            raise FeedDataError(f"{where} point {i}: value is null")
        day = dt.datetime.fromtimestamp(stamp / 1000, tz=CHINA).date()
        rows.append({"app_id": app_id, "platform": platform, "date": day, "downloads": downloads})
    return rows
