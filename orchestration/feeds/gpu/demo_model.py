"""The demo GPU price model: irregular new and used price changes of the tracked cards.

The new price of a card walks between anchors (`gpu_calibration.csv`: H100s near
$40,000 in the 2023 shortage, falling through 2024 to about $25,500 (PCIe) and $28,500
(SXM) by its end; A100s lower and falling slower), a Brownian bridge in log space with the
card's daily volatility. The used price is the new price less a discount that swings
slowly around the card's mean (`gpu_profiles.csv`), so used stays below new.

Marketplace listings do not change price every day: each day brings a change with the
card's weekly rate (sometimes two), at a minute of the day, priced at the day's level with
a little listing noise and rounded like a listing ($28,489.99). The used series also has
short outages (no used offer for a few days, Keepa's -1). Everything is drawn from
`noise`, keyed by card, condition and day, and built forward from the listing's first
day, so a day's events never depend on the range asked for.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from orchestration.feeds.lib.demo.calibration import read_anchors, read_profiles
from orchestration.feeds.lib.demo.noise import normal
from orchestration.feeds.lib.demo.paths import anchored_log_walk

HERE = Path(__file__).parent
CALIBRATION_FILE = HERE / "gpu_calibration.csv"
PROFILES_FILE = HERE / "gpu_profiles.csv"
LISTING_NOISE = 0.006  # a listing's price around the day's level (log sigma)
OUTAGE_DAYS = (2, 7)  # shortest and longest used outage


@dataclass(frozen=True)
class GpuProfile:
    product_id: str
    used_discount: float  # mean (new - used) / new
    discount_swing: float  # amplitude of its half-yearly swing
    daily_vol: float  # log volatility of the new price level
    new_changes_per_week: float
    used_changes_per_week: float
    used_outages_per_year: float


@dataclass(frozen=True)
class DemoEvent:
    at: dt.datetime  # aware, UTC
    minor_units: int  # price in cents; -1: no offer from then on


@cache
def profiles() -> dict[str, GpuProfile]:
    return read_profiles(PROFILES_FILE, GpuProfile, "product_id")


@cache
def anchors() -> dict[str, dict[dt.date, float]]:
    return read_anchors(CALIBRATION_FILE, "product_id", "new_price_usd")


def _uniform(key: str, day: dt.date) -> float:
    """A uniform draw in [0, 1) for (key, day)."""
    return min(0.5 * (1 + math.erf(normal(key, day) / math.sqrt(2))), 1 - 1e-12)


def _calendar(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days)]


@lru_cache(maxsize=64)
def _new_levels(product_id: str, first_year: int, last_year: int) -> dict[dt.date, float]:
    pins = anchors()[product_id]
    start = dt.date(first_year, 1, 1)
    end = dt.date(last_year + 1, 1, 1)
    walk = anchored_log_walk(
        f"gpu:{product_id}:new", _calendar(start, end), pins, profiles()[product_id].daily_vol
    )
    return {day: math.exp(level) for day, level in walk.items()}


def new_level(product_id: str, day: dt.date) -> float:
    """The demo's new price level of a card on a day, in USD."""
    pins = anchors()[product_id]
    first_year = min(day.year, min(pins).year)
    last_year = max(day.year, max(pins).year)
    return _new_levels(product_id, first_year, last_year)[day]


def used_discount(product_id: str, day: dt.date) -> float:
    profile = profiles()[product_id]
    swing = math.sin(2 * math.pi * day.toordinal() / 182.5)
    return profile.used_discount + profile.discount_swing * swing


def level(product_id: str, condition: str, day: dt.date) -> float:
    """The day's price level of a card in a condition (new or used), in USD."""
    new = new_level(product_id, day)
    return new if condition == "new" else new * (1 - used_discount(product_id, day))


def _listing_cents(product_id: str, condition: str, day: dt.date, draw: int) -> int:
    """A listed price around the day's level, rounded like a listing: $28,489.99."""
    noise = math.exp(LISTING_NOISE * normal(f"gpu:{product_id}:{condition}:listing{draw}", day))
    return round(level(product_id, condition, day) * noise / 10) * 1000 - 1


def _minutes(key: str, day: dt.date, count: int) -> list[int]:
    return sorted(int(_uniform(f"{key}:minute{i}", day) * 1440) for i in range(count))


@lru_cache(maxsize=256)
def _events(
    product_id: str, condition: str, first_day: dt.date, time_zone: str, last_year: int
) -> tuple[DemoEvent, ...]:
    """Every change of one series from `first_day` to the end of `last_year`."""
    profile = profiles()[product_id]
    zone = ZoneInfo(time_zone)
    per_week = profile.new_changes_per_week if condition == "new" else profile.used_changes_per_week
    key = f"gpu:{product_id}:{condition}"
    events: list[DemoEvent] = []
    outage_until: dt.date | None = None
    for day in _calendar(first_day, dt.date(last_year + 1, 1, 1)):
        if outage_until is not None and day < outage_until:
            continue
        changes = 0
        if day == first_day or outage_until == day:
            changes = 1  # the listing appears, or an offer is back
        elif _uniform(f"{key}:change", day) < per_week / 7:
            changes = 1 + (_uniform(f"{key}:second", day) < per_week / 35)
        outage_until = None
        starts_outage = (
            condition == "used"
            and day != first_day
            and _uniform(f"{key}:outage", day) < profile.used_outages_per_year / 365
        )
        midnight = dt.datetime.combine(day, dt.time(), tzinfo=zone)
        minutes = _minutes(key, day, changes + starts_outage)
        for draw, minute in enumerate(minutes[:changes]):
            at = (midnight + dt.timedelta(minutes=minute)).astimezone(dt.UTC)
            events.append(DemoEvent(at, _listing_cents(product_id, condition, day, draw)))
        if starts_outage:  # the offer goes at the day's last minute drawn, after its changes
            at = (midnight + dt.timedelta(minutes=minutes[-1])).astimezone(dt.UTC)
            events.append(DemoEvent(at, -1))
            low, high = OUTAGE_DAYS
            length = low + int(_uniform(f"{key}:outage_days", day) * (high - low + 1))
            outage_until = day + dt.timedelta(days=length)
    return tuple(events)


def events(
    product_id: str, condition: str, first_day: dt.date, time_zone: str, end: dt.date
) -> list[DemoEvent]:
    """The changes of a series from `first_day` (local) to the day before `end`."""
    last = end - dt.timedelta(days=1)
    series = _events(product_id, condition, first_day, time_zone, last.year)
    stop = dt.datetime.combine(end, dt.time(), tzinfo=ZoneInfo(time_zone))
    return [event for event in series if event.at < stop]
