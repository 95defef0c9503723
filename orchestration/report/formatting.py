"""Numbers as the report prints them, and the colour of a change.

Chinese market reports colour a rise red and a fall green (the reverse of Western
convention); no change, or no value, is uncoloured.
"""

from __future__ import annotations

import datetime as dt

UP = "up"  # red
DOWN = "down"  # green
FLAT = "flat"
NONE = "none"


def change_class(value: float | None) -> str:
    """`up` for a rise, `down` for a fall, `flat` for none, `none` without a value."""
    if value is None:
        return NONE
    if value > 0:
        return UP
    if value < 0:
        return DOWN
    return FLAT


def pct(value: float | None, *, signed: bool = False) -> str:
    """A percentage already in percent: 8.72 -> '8.72%' ('+8.72%' if signed); None -> ''."""
    if value is None:
        return ""
    return f"{value:+.2f}%" if signed else f"{value:.2f}%"


def whole(value: float | None) -> str:
    """A count or a cap with thousands separators and no decimals; None -> ''."""
    return "" if value is None else f"{value:,.0f}"


def month_day(day: dt.date) -> str:
    """12/5, as the report writes a date."""
    return f"{day.month}/{day.day}"


def week_span(as_of: dt.date) -> str:
    """The report's label of the week to date: 1216-1218 for Wednesday 2024-12-18."""
    monday = as_of - dt.timedelta(days=as_of.weekday())
    return f"{monday:%m%d}-{as_of:%m%d}"


def chinese_date(day: dt.date) -> str:
    """2024 年 12 月 18 日."""
    return f"{day.year} 年 {day.month} 月 {day.day} 日"
