"""The demo FX model: daily units per USD for CNY, HKD, KRW and TWD.

Rates walk between a few realistic anchors (`fx_calibration.csv`) and are quoted on ECB
working days only (no weekends, 1 January, 1 May, 25-26 December), as Frankfurter's are,
so the pipeline's carry-forward over holidays is exercised by the demo too.
"""

from __future__ import annotations

import datetime as dt
import math
from functools import cache, lru_cache
from pathlib import Path

from orchestration.feeds.lib.demo.calibration import read_anchors
from orchestration.feeds.lib.demo.paths import anchored_log_walk

CALIBRATION_FILE = Path(__file__).with_name("fx_calibration.csv")

# Daily log volatility and quoted decimals per currency.
DAILY_VOL = {"CNY": 0.0018, "HKD": 0.0002, "KRW": 0.0045, "TWD": 0.0025}
DECIMALS = {"CNY": 4, "HKD": 4, "KRW": 2, "TWD": 3}
_CLOSED = {(1, 1), (5, 1), (12, 25), (12, 26)}


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and (day.month, day.day) not in _CLOSED


def working_days(start: dt.date, end: dt.date) -> list[dt.date]:
    """Quoting days in [start, end)."""
    days, day = [], start
    while day < end:
        if is_working_day(day):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


@cache
def anchors() -> dict[str, dict[dt.date, float]]:
    return read_anchors(CALIBRATION_FILE, "currency", "units_per_usd")


def currencies() -> list[str]:
    return sorted(anchors())


@lru_cache(maxsize=256)
def _rates_for_years(currency: str, first_year: int, last_year: int) -> dict[dt.date, float]:
    pins = anchors()[currency]
    start = min(dt.date(first_year, 1, 1), min(pins))
    end = max(dt.date(last_year + 1, 1, 1), max(pins) + dt.timedelta(days=1))
    levels = anchored_log_walk(
        f"fx:{currency}", working_days(start, end), pins, DAILY_VOL[currency]
    )
    return {day: round(math.exp(level), DECIMALS[currency]) for day, level in levels.items()}


def rates(currency: str, start: dt.date, end: dt.date) -> dict[dt.date, float]:
    """Units of `currency` per USD on each working day in [start, end)."""
    if currency not in DAILY_VOL:
        raise ValueError(f"the demo FX feed has no {currency}; it quotes {sorted(DAILY_VOL)}")
    last = end - dt.timedelta(days=1)
    table = _rates_for_years(currency, start.year, last.year)
    return {day: rate for day, rate in table.items() if start <= day < end}


def rate_on_or_before(currency: str, day: dt.date) -> float:
    """The rate of `day`, or of the last working day before it."""
    quoted = rates(currency, day - dt.timedelta(days=10), day + dt.timedelta(days=1))
    return quoted[max(quoted)]
