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


def easter_sunday(year: int) -> dt.date:
    """Western Easter (the anonymous Gregorian computus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * weekday) // 433
    month, day = divmod(h + weekday - 7 * m + 90, 25)
    return dt.date(year, month, (h + weekday - 7 * m + 33 * month + 19) % 32)


def target_closing_days(year: int) -> set[dt.date]:
    """The weekdays the ECB publishes no reference rates, TARGET's closing days: New
    Year's Day, Good Friday, Easter Monday, 1 May, 25 and 26 December (ECB, "TARGET
    Annual Report" and its holiday calendar; Frankfurter serves the ECB's rates)."""
    easter = easter_sunday(year)
    return {
        dt.date(year, 1, 1),
        easter - dt.timedelta(days=2),
        easter + dt.timedelta(days=1),
        dt.date(year, 5, 1),
        dt.date(year, 12, 25),
        dt.date(year, 12, 26),
    }


def fx_carried_forward(rows: list[Row], ctx: AuditContext) -> list[Row]:
    """Weekdays that use an earlier day's rate, other than the ECB's closing days, on
    which carrying the last rate is what every user of its rates does."""
    return [
        day
        for day in _fx_days(rows, ctx)
        if day["rate_date"] != day["date"]
        and not (day["rate_date"] and day["date"] in target_closing_days(day["date"].year))
    ]


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
    "Weekdays on which a currency uses an earlier day's rate, other than the ECB's "
    "closing days (New Year, Good Friday, Easter Monday, 1 May, 25-26 December).",
    fx_carried_forward,
    lambda _: WARN,
)
