"""The demo market model: daily bars for the 33 listings of exhibit 1, calibrated to it.

Each listing's adjusted close walks on its own exchange's sessions between anchors that
reproduce the report as of 2024-12-18 (`market_calibration.csv`): the as-of close comes
from the printed market cap, the listing's shares outstanding (the `listing_shares` seed)
and the demo FX rate of that day; the closes before the week, the month and the year come
from the printed changes; a 2023 anchor gives the year before a plausible shape.

The adjusted close is on one fixed basis (2024-12-18, where it equals the close), as if the
whole history were fetched that day. The close as traded is derived from it through
dividends (Yahoo's multiplicative adjustment) and splits (NVIDIA and Super Micro split
10-for-1 in 2024), so it jumps on ex-dates and splits while the adjusted close does not.
Bars, dividends and splits here are as traded; `known_splits` says which splits a fetch
on a given day knows of, for the demo feed to serve prices split-adjusted as Yahoo does.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from orchestration import calendars, seeds
from orchestration.feeds.lib.demo import fx_model
from orchestration.feeds.lib.demo.calibration import read_profiles
from orchestration.feeds.lib.demo.noise import normal
from orchestration.feeds.lib.demo.paths import anchored_log_walk
from orchestration.feeds.market.yahoo_chart import PRICE_DECIMALS

AS_OF = dt.date(2024, 12, 18)
CALIBRATION_FILE = Path(__file__).with_name("market_calibration.csv")
_QUARTER_MONTHS = (2, 5, 8, 11)
_HALF_MONTHS = (6, 12)


@dataclass(frozen=True)
class Calibration:
    symbol: str
    market_cap_100m: float
    return_wtd: float  # fractions
    return_mtd: float
    return_ytd: float
    return_2023: float
    daily_vol: float
    dividend_yield: float
    dividends_per_year: int
    split_date: dt.date | None
    split_ratio: float


@cache
def calibrations() -> dict[str, Calibration]:
    return read_profiles(
        CALIBRATION_FILE,
        Calibration,
        "symbol",
        return_wtd=_fraction("return_wtd_pct"),
        return_mtd=_fraction("return_mtd_pct"),
        return_ytd=_fraction("return_ytd_pct"),
        return_2023=_fraction("return_2023_pct"),
        dividend_yield=_fraction("dividend_yield_pct"),
        split_date=lambda row: (
            dt.date.fromisoformat(row["split_date"]) if row["split_date"] else None
        ),
        split_ratio=lambda row: float(row["split_ratio"]) if row["split_ratio"] else 1.0,
    )


def _fraction(column: str) -> Callable[[Mapping[str, str]], float]:
    """A percentage column, as a fraction."""
    return lambda row: float(row[column]) / 100


@dataclass(frozen=True)
class DemoBar:
    day: dt.date
    open: float
    high: float
    low: float
    close: float  # as traded
    adj_close: float
    volume: float


@dataclass(frozen=True)
class DemoHistory:
    bars: tuple[DemoBar, ...]
    dividends: tuple[tuple[dt.date, float], ...]  # ex-date, amount per share as traded
    splits: tuple[tuple[dt.date, float], ...]  # effective date, ratio (new shares per old)


def _listing(symbol: str) -> seeds.Listing:
    for listing in seeds.watchlist():
        if listing.symbol == symbol:
            return listing
    raise KeyError(f"{symbol} is not on the watchlist")


def _calendar(symbol: str) -> str:
    return seeds.exchanges()[_listing(symbol).exchange].calendar_code


def last_session_before(symbol: str, day: dt.date) -> dt.date:
    """The listing's exchange's last session strictly before `day`."""
    found = calendars.sessions(_calendar(symbol), day - dt.timedelta(days=30), day)
    return found[-1].day


def as_of_close(symbol: str) -> float:
    """The close on 2024-12-18 that gives the printed market cap."""
    listing = _listing(symbol)
    cap_in_report_unit = calibrations()[symbol].market_cap_100m * 1e8
    if listing.report_unit == listing.currency:
        cap_local = cap_in_report_unit
    elif listing.report_unit == "USD":
        cap_local = cap_in_report_unit * fx_model.rate_on_or_before(listing.currency, AS_OF)
    else:  # pragma: no cover - the watchlist has no other combination
        raise ValueError(f"{symbol}: cannot convert {listing.report_unit} to {listing.currency}")
    shares = seeds.shares_on(symbol, AS_OF)
    if not shares:
        raise ValueError(f"{symbol}: no shares outstanding in force on {AS_OF} in listing_shares")
    return cap_local / shares


def anchors(symbol: str) -> dict[dt.date, float]:
    """Adjusted closes pinned by the calibration."""
    cal = calibrations()[symbol]
    close = as_of_close(symbol)
    as_of = last_session_before(symbol, AS_OF + dt.timedelta(days=1))
    base_year = last_session_before(symbol, dt.date(2024, 1, 1))
    return {
        as_of: close,
        last_session_before(symbol, dt.date(2024, 12, 16)): close / (1 + cal.return_wtd),
        last_session_before(symbol, dt.date(2024, 12, 1)): close / (1 + cal.return_mtd),
        base_year: close / (1 + cal.return_ytd),
        last_session_before(symbol, dt.date(2023, 1, 1)): (
            close / (1 + cal.return_ytd) / (1 + cal.return_2023)
        ),
    }


def _is_ex_date(cal: Calibration, day: dt.date, previous: dt.date) -> bool:
    """First session on or after the 10th of a payout month (20th for annual payers)."""
    if cal.dividends_per_year == 0:
        return False
    months = {4: _QUARTER_MONTHS, 2: _HALF_MONTHS, 1: (6,)}[cal.dividends_per_year]
    threshold = 20 if cal.dividends_per_year == 1 else 10
    for month in months:
        target = dt.date(day.year, month, threshold)
        if previous < target <= day:
            return True
    return False


@lru_cache(maxsize=512)
def history(symbol: str, first_year: int, last_year: int) -> DemoHistory:
    """All demo bars of `symbol` in the given years (and the anchors' span)."""
    cal = calibrations()[symbol]
    currency = _listing(symbol).currency
    pins = anchors(symbol)
    start = min(dt.date(first_year, 1, 1), min(pins))
    end = max(dt.date(last_year + 1, 1, 1), max(pins) + dt.timedelta(days=1))
    days = [s.day for s in calendars.sessions(_calendar(symbol), start, end)]
    levels = anchored_log_walk(f"market:{symbol}", days, pins, cal.daily_vol)
    adj = [math.exp(levels[day]) for day in days]

    # Close (split-adjusted) from the adjusted close, around the basis day.
    basis = days.index(max(pins))
    close = [0.0] * len(days)
    close[basis] = adj[basis]
    dividends: list[tuple[dt.date, float]] = []
    per_payment = cal.dividend_yield / cal.dividends_per_year if cal.dividends_per_year else 0.0
    factor = 1.0  # adj / close for days before the next ex-date going backwards
    for i in range(basis - 1, -1, -1):
        plain = adj[i] / factor
        if _is_ex_date(cal, days[i + 1], days[i]):
            amount = round(per_payment * plain, 4)
            close[i] = plain + amount
            factor = adj[i] / close[i]
            dividends.append((days[i + 1], amount))
        else:
            close[i] = plain
    for i in range(basis + 1, len(days)):
        if _is_ex_date(cal, days[i], days[i - 1]):
            amount = round(per_payment * close[i - 1], 4)
            close[i] = adj[i] / adj[i - 1] * (close[i - 1] - amount)
            dividends.append((days[i], amount))
        else:
            close[i] = adj[i] / adj[i - 1] * close[i - 1]

    def traded(day: dt.date) -> float:
        return cal.split_ratio if cal.split_date and day < cal.split_date else 1.0

    decimals = PRICE_DECIMALS[currency]
    shares = seeds.shares_on(symbol, AS_OF) or 1e9
    turnover = 0.02 if currency == "CNY" else 0.006
    bars = []
    previous_close = None
    for i, day in enumerate(days):
        c = close[i] * traded(day)
        prior = previous_close if previous_close is not None else c
        gap = math.exp(cal.daily_vol * 0.35 * normal(f"open:{symbol}", day))
        o = prior * gap
        spread = abs(normal(f"range:{symbol}", day)) * cal.daily_vol * 0.6
        high = max(o, c) * (1 + spread)
        low = min(o, c) * (1 - spread * 0.9)
        volume = shares / traded(AS_OF) * traded(day) * turnover
        volume *= math.exp(0.35 * normal(f"volume:{symbol}", day))
        rounded_close = round(c, decimals)
        bars.append(
            DemoBar(
                day=day,
                open=round(o, decimals),
                high=max(round(high, decimals), rounded_close),
                low=min(round(low, decimals), rounded_close),
                close=rounded_close,
                adj_close=float(f"{adj[i]:.10g}"),  # Yahoo sends full precision
                volume=float(round(volume, -2)),
            )
        )
        previous_close = c
    dividends_traded = tuple(sorted((d, round(a * traded(d), 4)) for d, a in dividends))
    splits = ((cal.split_date, cal.split_ratio),) if cal.split_date else ()
    return DemoHistory(tuple(bars), dividends_traded, splits)


def known_splits(symbol: str, as_of: dt.date) -> tuple[tuple[dt.date, float], ...]:
    """The listing's splits (effective date, ratio) effective before `as_of`: those a
    fetch on `as_of` knows of, Yahoo's prices being adjusted for them."""
    cal = calibrations()[symbol]
    if cal.split_date and cal.split_date < as_of:
        return ((cal.split_date, cal.split_ratio),)
    return ()


def window(symbol: str, start: dt.date, end: dt.date) -> DemoHistory:
    """The demo history of `symbol` restricted to [start, end)."""
    full = history(symbol, start.year, (end - dt.timedelta(days=1)).year)
    return DemoHistory(
        tuple(b for b in full.bars if start <= b.day < end),
        tuple(d for d in full.dividends if start <= d[0] < end),
        tuple(s for s in full.splits if start <= s[0] < end),
    )
