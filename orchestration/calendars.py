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
from pathlib import Path

import exchange_calendars as xcals
import pandas as pd

from orchestration.files import write_cache_file
from orchestration.partitions import first_week
from orchestration.settings import cache_dir

log = logging.getLogger(__name__)

# The span each calendar is built for: from 1 January of the year before the first
# partition (its year base) to the end of the year after next. Building a calendar costs
# time in proportion to its span (seconds for the lunar ones), so it is not built for
# decades nobody asks about. A day outside the span uses the weekday fallback and says so;
# a day inside gets the same answer whenever it is asked.
YEARS_AHEAD = 2


def calendar_span(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    today = today or dt.date.today()
    return dt.date(first_week().year - 1, 1, 1), dt.date(today.year + YEARS_AHEAD, 12, 31)


@dataclass(frozen=True)
class Session:
    day: dt.date
    is_fallback: bool  # True where the calendar does not know the day: weekday assumed


@dataclass(frozen=True)
class _Known:
    sessions: frozenset[dt.date]
    first: dt.date
    last: dt.date


def _calendar_class(calendar_code: str) -> type[xcals.ExchangeCalendar]:
    """The calendar's class, to read its bounds without building its default span (twenty
    years of holidays: seconds for the lunar calendars)."""
    from exchange_calendars.calendar_utils import _default_calendar_factories

    factory = _default_calendar_factories.get(xcals.resolve_alias(calendar_code))
    if isinstance(factory, type):
        return factory
    return type(xcals.get_calendar(calendar_code))  # a calendar registered another way


@cache
def _known_sessions(calendar_code: str) -> _Known:
    """The calendar's sessions over its span, built once per process and kept on disk
    (`cached_sessions_file`): the lunar calendars take seconds to build, on every run."""
    calendar_class = _calendar_class(calendar_code)
    bound_min, bound_max = calendar_class.bound_min(), calendar_class.bound_max()
    span_start, span_end = calendar_span()
    start = max(span_start, bound_min.date()) if bound_min is not None else span_start
    end = min(span_end, bound_max.date()) if bound_max is not None else span_end
    cached = cached_sessions_file(calendar_code, start, end)
    try:
        days = [dt.date.fromisoformat(line) for line in cached.read_text().split()]
    except (OSError, ValueError):
        calendar = xcals.get_calendar(
            calendar_code, start=pd.Timestamp(start), end=pd.Timestamp(end)
        )
        days = [s.date() for s in calendar.sessions]
        write_cache_file(cached, "".join(f"{day}\n" for day in days).encode())
    return _Known(frozenset(days), start, end)


def cached_sessions_file(calendar_code: str, start: dt.date, end: dt.date) -> Path:
    """Where the sessions of a calendar over [start, end] are kept, one ISO date a line:
    named by everything they depend on (the code, the span, the exchange_calendars
    version), so a new span or version builds anew."""
    name = f"{calendar_code}_{start}_{end}_exchange-calendars-{xcals.__version__}.txt"
    return cache_dir() / "calendars" / name


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
