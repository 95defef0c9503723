"""The demo activity model: daily website visits and app downloads that look real on a chart.

A series is a level in a reference week (2024-12-09, the week the report quotes), moved by
yearly growth, a weekday/weekend rhythm, a summer dip (students away), a ramp after launch,
and daily log-normal noise. Profiles live in `traffic_profiles.csv` and
`download_profiles.csv`; each row's `level_daily` is the mean daily value of that week.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from orchestration.feeds.lib.demo.calibration import read_profiles
from orchestration.feeds.lib.demo.noise import normal

REFERENCE_DAY = dt.date(2024, 12, 12)  # middle of the week of 2024-12-09
HERE = Path(__file__).parent


@dataclass(frozen=True)
class ActivityProfile:
    entity: str
    level_daily: float
    annual_growth: float  # multiplier per year: 2.0 doubles in a year
    weekday_swing: float  # weekdays are (1 + swing), weekends (1 - 2.5 * swing)
    summer_dip: float  # share lost at the height of summer
    noise: float  # daily log-normal sigma
    ramp_days: int  # days to reach full level after `launched` (0: none)
    launched: dt.date


def _load(file_name: str, tracked_from: dict[str, dt.date]) -> dict[str, ActivityProfile]:
    return read_profiles(
        HERE / file_name,
        ActivityProfile,
        "entity",
        launched=lambda row: tracked_from[row["entity"]],
    )


@cache
def traffic_profiles() -> dict[str, ActivityProfile]:
    from orchestration.seeds import site_domains

    first = {}
    for domain in site_domains():
        first[domain.site_id] = min(first.get(domain.site_id, domain.valid_from), domain.valid_from)
    return _load("traffic_profiles.csv", first)


@cache
def download_profiles() -> dict[str, ActivityProfile]:
    from orchestration.seeds import apps

    return _load("download_profiles.csv", {app.app_id: app.tracked_from for app in apps()})


def _shape(profile: ActivityProfile, day: dt.date) -> float:
    years = (day - REFERENCE_DAY).days / 365.25
    weekly = 1 + profile.weekday_swing if day.weekday() < 5 else 1 - 2.5 * profile.weekday_swing
    summer = 1 - profile.summer_dip * math.exp(-(((day.timetuple().tm_yday - 200) / 28) ** 2))
    return profile.annual_growth**years * weekly * summer


def _ramp(profile: ActivityProfile, day: dt.date) -> float:
    if not profile.ramp_days:
        return 1.0
    age = (day - profile.launched).days + 1
    return min(1.0, max(age, 1) / profile.ramp_days) ** 0.8


@cache
def _scale(profile: ActivityProfile) -> float:
    """Makes the reference week's mean daily value `level_daily` (before noise and ramp)."""
    week = [REFERENCE_DAY + dt.timedelta(days=i) for i in range(-3, 4)]
    return profile.level_daily * 7 / sum(_shape(profile, d) for d in week)


def value(profile: ActivityProfile, day: dt.date, namespace: str) -> float:
    """The demo value of `profile` on `day` (0 before it is launched)."""
    if day < profile.launched:
        return 0.0
    shock = math.exp(profile.noise * normal(f"{namespace}:{profile.entity}", day))
    return _scale(profile) * _shape(profile, day) * _ramp(profile, day) * shock
