"""Trading sessions of each exchange, from `exchange_calendars`, with a weekday fallback.

Each listing trades on its own exchange's calendar; Shenzhen uses the Shanghai (XSHG)
calendar. Some calendars only know their holidays up to a horizon (XSHG: 2026-12-31).
Past it, the pipeline keeps working and assumes every weekday is a session; callers get
`is_fallback=True` for those days so they can say so.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from functools import cache

import exchange_calendars as xcals
import pandas as pd

from orchestration.partitions import first_week

log = logging.getLogger(__name__)

# A fixed span keeps the result independent of today's date (exchange_calendars' own
# default span moves with the clock); it starts early enough for the year before the
# first partition. Dates outside it use the weekday fallback too.
CALENDAR_END = dt.date(2040, 12, 31)


def calendar_span() -> tuple[dt.date, dt.date]:
    return min(dt.date(2015, 1, 1), dt.date(first_week().year - 1, 1, 1)), CALENDAR_END


@dataclass(frozen=True)
class Session:
    day: dt.date
    is_fallback: bool  # True where the calendar does not know the day: weekday assumed


@dataclass(frozen=True)
class _Known:
    sessions: frozenset[dt.date]
    first: dt.date
    last: dt.date


@cache
def _known_sessions(calendar_code: str) -> _Known:
    calendar_class = type(xcals.get_calendar(calendar_code))
    bound_min, bound_max = calendar_class.bound_min(), calendar_class.bound_max()
    span_start, span_end = calendar_span()
    start = max(span_start, bound_min.date()) if bound_min is not None else span_start
    end = min(span_end, bound_max.date()) if bound_max is not None else span_end
    calendar = xcals.get_calendar(calendar_code, start=pd.Timestamp(start), end=pd.Timestamp(end))
    return _Known(frozenset(s.date() for s in calendar.sessions), start, end)


def horizon(calendar_code: str) -> tuple[dt.date, dt.date]:
    """First and last day the calendar knows; outside them weekdays are assumed."""
    known = _known_sessions(calendar_code)
    return known.first, known.last


def sessions(calendar_code: str, start: dt.date, end: dt.date) -> list[Session]:
    """Sessions in the half-open range [start, end), in order."""
    known = _known_sessions(calendar_code)
    result = []
    day = start
    while day < end:
        if known.first <= day <= known.last:
            if day in known.sessions:
                result.append(Session(day, is_fallback=False))
        elif day.weekday() < 5:
            result.append(Session(day, is_fallback=True))
        day += dt.timedelta(days=1)
    return result
