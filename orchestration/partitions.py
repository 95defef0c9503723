"""The one weekly partitioning of compute-weekly, and the half-open window of a week.

Weeks run Monday to Sunday in Asia/Shanghai, the report's own time zone. The first week
is 2023-01-02 unless `COMPUTE_WEEKLY_FIRST_WEEK` names another Monday; the last is the
week in progress, which a daily run refreshes until it ends.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import dagster as dg

TIMEZONE = "Asia/Shanghai"
FIRST_WEEK_ENV = "COMPUTE_WEEKLY_FIRST_WEEK"
DEFAULT_FIRST_WEEK = "2023-01-02"


def first_week() -> dt.date:
    """The Monday the partitions start on, from the environment or the default."""
    raw = os.environ.get(FIRST_WEEK_ENV) or DEFAULT_FIRST_WEEK
    try:
        monday = dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise ValueError(f"{FIRST_WEEK_ENV}={raw!r} is not a date (expected YYYY-MM-DD)") from exc
    if monday.weekday() != 0:
        raise ValueError(f"{FIRST_WEEK_ENV}={raw!r} is a {monday:%A}; weeks start on a Monday")
    return monday


def build_weekly_partitions(start: dt.date | None = None) -> dg.WeeklyPartitionsDefinition:
    """Monday-to-Sunday weeks in Asia/Shanghai (`day_offset=1` is Monday), up to and
    including the week in progress (`end_offset=1`), so a mid-week run can refresh it."""
    return dg.WeeklyPartitionsDefinition(
        start_date=(start or first_week()).isoformat(),
        day_offset=1,
        timezone=TIMEZONE,
        end_offset=1,
    )


weekly_partitions = build_weekly_partitions()


def report_today(now: dt.datetime | None = None) -> dt.date:
    """Today's date in the report's time zone: days before it may have data, it may not."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(TIMEZONE)).date()


@dataclass(frozen=True, order=True)
class DateWindow:
    """A half-open date range [start, end)."""

    start: dt.date
    end: dt.date

    @property
    def key(self) -> str:
        return self.start.isoformat()

    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range((self.end - self.start).days)]

    def clip(self, start: dt.date | None = None, end: dt.date | None = None) -> DateWindow | None:
        """The days of the window from `start` and before `end` (None: no bound), or None
        if there are none: the part of a week an entity is tracked, or that has passed."""
        clipped = DateWindow(max(self.start, start or self.start), min(self.end, end or self.end))
        return clipped if clipped.start < clipped.end else None

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day < self.end


@dataclass(frozen=True, order=True)
class WeekWindow(DateWindow):
    """A report week: Monday to the next Monday, end exclusive."""

    @classmethod
    def from_partition_key(cls, key: str) -> WeekWindow:
        start = dt.date.fromisoformat(key)
        if start.weekday() != 0:
            raise ValueError(f"partition key {key!r} is not a Monday")
        return cls(start, start + dt.timedelta(days=7))

    @classmethod
    def containing(cls, day: dt.date) -> WeekWindow:
        start = day - dt.timedelta(days=day.weekday())
        return cls(start, start + dt.timedelta(days=7))
