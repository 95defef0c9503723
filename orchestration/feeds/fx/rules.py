"""The FX feed's data-quality rules (`raw/fx_rates`), and the last weekday its newest
week is expected to hold (freshness)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from orchestration import seeds
from orchestration.partitions import DateWindow
from orchestration.quality.rules import WARN, AuditContext, Row, Rule, pick


def fx_in_band(rows: list[Row], ctx: AuditContext) -> list[Row]:
    failing = []
    for row in rows:
        band = ctx.policy.fx_bands.get(row["currency"])
        if band and not band[0] <= row["units_per_usd"] <= band[1]:
            failing.append({**pick(row, ctx, "units_per_usd"), "band": f"{band[0]}..{band[1]}"})
    return failing


def _fx_days(rows: list[Row], ctx: AuditContext) -> list[Row]:
    """For each needed currency and past weekday of the window: the quote it uses."""
    quotes: dict[str, list[dt.date]] = defaultdict(list)
    earlier = ctx.previous.to_pylist() if ctx.previous is not None else []
    for row in earlier + rows:
        quotes[row["currency"]].append(row["date"])
    result = []
    for currency in seeds.watchlist_currencies():
        days = sorted(quotes[currency])
        for day in ctx.window.days():
            if day.weekday() >= 5 or day >= ctx.today:
                continue
            used = max((d for d in days if d <= day), default=None)
            result.append({"currency": currency, "date": day, "rate_date": used})
    return result


def fx_coverage(rows: list[Row], ctx: AuditContext) -> list[Row]:
    """A rate for every needed currency on every weekday: its own, or one carried a few days.

    Without a previous week, a week may start before its currency's first quote (a
    holiday): those days are reported by `fx_carried_forward`, not failed, as no earlier
    rate was landed; a currency with no quote in the week at all still fails.
    """
    quoted = {row["currency"] for row in rows}
    failing = []
    for day in _fx_days(rows, ctx):
        if day["rate_date"] is None:
            if ctx.previous is not None or day["currency"] not in quoted:
                failing.append({**day, "problem": "no rate on or before this day"})
        elif (day["date"] - day["rate_date"]).days > ctx.policy.fx_max_carry_days:
            failing.append(
                {**day, "problem": f"rate older than {ctx.policy.fx_max_carry_days} days"}
            )
    return failing


def fx_carried_forward(rows: list[Row], ctx: AuditContext) -> list[Row]:
    return [day for day in _fx_days(rows, ctx) if day["rate_date"] != day["date"]]


def last_weekday_through(window: DateWindow, through: dt.date) -> dt.date:
    """`through`, or the weekday before it (rates are quoted on weekdays)."""
    while through.weekday() >= 5 and through > window.start:
        through -= dt.timedelta(days=1)
    return through


PLAUSIBLE_BAND = Rule(
    "plausible_band", "Every rate is inside its currency's plausible band.", fx_in_band
)
COVERAGE = Rule(
    "coverage",
    "Every currency the marts need has a rate on every past weekday: its own or one "
    "carried from at most a few days before (previous week included).",
    fx_coverage,
)
CARRIED_FORWARD = Rule(
    "carried_forward",
    "Weekdays on which a currency uses an earlier day's rate (holidays, gaps).",
    fx_carried_forward,
    lambda _: WARN,
)
