"""The release calendar's data-quality rules (`raw/release_events`)."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from functools import cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, available_timezones

from orchestration.quality.rules import AuditContext, Row, Rule, pick

_LOCAL_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _time_problem(row: Row) -> str | None:
    """Why an event's time zone, or its local time in it, is not valid (None if it is)."""
    zone_name = row["time_zone"]
    if zone_name not in _time_zones():
        return f"{zone_name!r} is not an IANA time zone (e.g. America/Los_Angeles)"
    local_time = row["local_time"]
    if local_time is None:
        return None
    if not _LOCAL_TIME.fullmatch(local_time):
        return f"local time {local_time!r} is not HH:MM (00:00 to 23:59)"
    zone = ZoneInfo(zone_name)
    hour, minute = map(int, local_time.split(":"))
    wall = dt.datetime.combine(row["local_date"], dt.time(hour, minute), tzinfo=zone)
    if wall.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != wall.replace(tzinfo=None):
        return f"{row['local_date']} {local_time} does not exist in {zone_name} (clocks skip it)"
    return None


def valid_time_zones(rows: list[Row], ctx: AuditContext) -> list[Row]:
    """Every event's time zone is an IANA zone, and its local time (if any) a time of day
    that exists there on its date."""
    return [
        {**pick(row, ctx, "local_date", "local_time", "time_zone"), "problem": problem}
        for row in rows
        if (problem := _time_problem(row)) is not None
    ]


def _event_name(row: Row) -> tuple[str, str, dt.date]:
    def norm(text: str) -> str:
        return " ".join(text.casefold().split())

    return norm(row["vendor"]), norm(row["product"]), row["local_date"]


def no_duplicate_events(rows: list[Row], ctx: AuditContext) -> list[Row]:
    """No event twice under two ids: the same vendor and product (case and spacing aside)
    on the same local date."""
    ids: dict[tuple[str, str, dt.date], list[str]] = defaultdict(list)
    for row in rows:
        ids[_event_name(row)].append(row["event_id"])
    return [
        {"vendor": row["vendor"], "product": row["product"], "local_date": row["local_date"],
         "event_ids": ", ".join(sorted(ids[_event_name(row)]))}
        for row in sorted(rows, key=lambda r: r["event_id"])
        if len(ids[_event_name(row)]) > 1 and row["event_id"] == min(ids[_event_name(row)])
    ]  # fmt: skip


def _is_web_url(text: str | None) -> bool:
    if not text or any(c.isspace() for c in text):
        return False
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def has_source(rows: list[Row], ctx: AuditContext) -> list[Row]:
    return [
        {**pick(row, ctx, "source_url"), "problem": "no source URL"
         if not row["source_url"] else "not an http(s) URL"}
        for row in rows
        if not _is_web_url(row["source_url"])
    ]  # fmt: skip


VALID_TIME_ZONES = Rule(
    "valid_time_zones",
    "Every event's time zone is an IANA name, and its local time (if given) is "
    "HH:MM and exists in that zone on its date.",
    valid_time_zones,
)
NO_DUPLICATE_EVENTS = Rule(
    "no_duplicate_events",
    "No event twice under two ids (same vendor, product and local date).",
    no_duplicate_events,
)
HAS_SOURCE = Rule("has_source", "Every event has an http(s) source URL.", has_source)
