"""Strict readers for the values inside provider payloads and vendor files.

Every parser reads dates and numbers through these, so the rules are the same for every
feed: a date is `YYYY-MM-DD` (nothing looser); a JSON number is an int or float, never
a bool, a string, NaN or infinity; a number in a text file is plain decimal notation,
with optional comma thousands separators in groups of three (so "1,5" is an error, not
15). A value that breaks a rule raises `FeedDataError` saying where it was.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from orchestration.feeds.lib.base import FeedDataError

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TEXT_NUMBER = re.compile(r"[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?([eE][+-]?\d+)?|[+-]?\.\d+")


def iso_date(
    value: Any,
    where: str,
    *,
    error: type[FeedDataError] = FeedDataError,
    allow_time: bool = False,
) -> dt.date:
    """A `YYYY-MM-DD` date; with `allow_time`, the date of an ISO 8601 timestamp too."""
    if isinstance(value, str) and allow_time and len(value) > 10 and value[10] in "T ":
        try:
            return dt.datetime.fromisoformat(value).date()
        except ValueError:
            raise error(f"{where}: {value!r} is not an ISO 8601 timestamp") from None
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise error(f"{where}: {value!r} is not a YYYY-MM-DD date")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise error(f"{where}: {value!r} is not a calendar date") from None


def json_number(
    value: Any, where: str, *, error: type[FeedDataError] = FeedDataError
) -> float | None:
    """A finite JSON number as float, or None for null."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise error(f"{where}: expected a number or null, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise error(f"{where}: expected a finite number, got {value!r}")
    return number


def text_number(text: str, where: str) -> float | None:
    """A number written in a text file, or None for an empty cell."""
    text = text.strip()
    if not text:
        return None
    if not _TEXT_NUMBER.fullmatch(text):
        raise FeedDataError(f"{where}: {text!r} is not a number")
    return float(text.replace(",", ""))
