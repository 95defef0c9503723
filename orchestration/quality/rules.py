"""The data-quality rules of each raw dataset, as pure functions of a landed week.

A rule looks at one window (a week) of typed rows, with what it may need around it (the
previous published week, the other datasets of the same pull, today's date, the policy),
and returns the offending rows: none means it passes. `RULES` lists each dataset's rules
with their severity; the names become Dagster asset checks on the raw assets. `contract`
(types, required values, dates in the window) is checked while the table is built
(`orchestration.validation`) and is listed here so it is reported like the others.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, available_timezones

import dagster as dg
import pyarrow as pa

from orchestration import calendars, seeds
from orchestration.datasets import RawDataset
from orchestration.partitions import DateWindow
from orchestration.quality.policy import QualityPolicy

ERROR = dg.AssetCheckSeverity.ERROR
WARN = dg.AssetCheckSeverity.WARN
Row = dict[str, Any]


@dataclass(frozen=True)
class AuditContext:
    """What a rule may look at besides the week's own rows."""

    dataset: RawDataset
    window: DateWindow
    today: dt.date  # in the report's time zone: days before it may have data
    policy: QualityPolicy = field(default_factory=QualityPolicy)
    previous: pa.Table | None = None  # the published week before this one, if any
    related: Mapping[str, pa.Table] = field(default_factory=dict)  # same pull, other datasets
    is_latest: bool = True  # the newest window of the run (freshness looks at it)


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    evaluate: Callable[[list[Row], AuditContext], list[Row]] | None  # None: see module doc
    severity: Callable[[QualityPolicy], dg.AssetCheckSeverity] = lambda _: ERROR


# --- shared rules -----------------------------------------------------------------------


def unique_key(rows: list[Row], ctx: AuditContext) -> list[Row]:
    key = ctx.dataset.key
    counts = Counter(tuple(row[k] for k in key) for row in rows)
    return [
        {**dict(zip(key, values, strict=True)), "occurrences": count}
        for values, count in sorted(counts.items())
        if count > 1
    ]


def non_negative(column: str) -> Callable[[list[Row], AuditContext], list[Row]]:
    def rule(rows: list[Row], ctx: AuditContext) -> list[Row]:
        return [
            _pick(row, ctx, column) for row in rows if row[column] is not None and row[column] < 0
        ]

    return rule


def _pick(row: Row, ctx: AuditContext, *columns: str) -> Row:
    return {**{k: row[k] for k in ctx.dataset.key}, **{c: row[c] for c in columns}}


# --- market bars ------------------------------------------------------------------------

PRICE_COLUMNS = ("open", "high", "low", "close", "adj_close")


def positive_prices(rows: list[Row], ctx: AuditContext) -> list[Row]:
    return [
        {"symbol": row["symbol"], "date": row["date"], "column": column, "value": row[column]}
        for row in rows
        for column in PRICE_COLUMNS
        if row[column] is not None and row[column] <= 0
    ]


def consistent_range(rows: list[Row], ctx: AuditContext) -> list[Row]:
    failing = []
    for row in rows:
        high, low = row["high"], row["low"]
        if high is None or low is None:
            continue
        problems = []
        if high < low:  # the range itself is wrong; nothing can be inside it
            problems.append("high < low")
        else:
            for column in ("open", "close"):
                value = row[column]
                if value is not None and not low <= value <= high:
                    problems.append(f"{column} outside [low, high]")
        if problems:
            failing.append(
                {**_pick(row, ctx, "open", "high", "low", "close"), "problem": "; ".join(problems)}
            )
    return failing


def _listing_calendar() -> dict[str, str]:
    exchanges = seeds.exchanges()
    return {
        listing.symbol: exchanges[listing.exchange].calendar_code for listing in seeds.watchlist()
    }


def sessions_complete(rows: list[Row], ctx: AuditContext) -> list[Row]:
    """Every watchlist listing has a bar on every past session of its exchange."""
    have = {(row["symbol"], row["date"]) for row in rows}
    end = min(ctx.window.end, ctx.today)
    failing = []
    for symbol, calendar_code in _listing_calendar().items():
        for session in calendars.sessions(calendar_code, ctx.window.start, end):
            if (symbol, session.day) not in have:
                failing.append(
                    {"symbol": symbol, "date": session.day, "problem": "no bar on a session"}
                )
    return failing


def _events(ctx: AuditContext) -> set[tuple[str, dt.date]] | None:
    """(symbol, date) of the dividends and splits in this pull; None if the feed gives none."""
    actions = ctx.related.get("corporate_actions")
    return None if actions is None else {(r["symbol"], r["date"]) for r in actions.to_pylist()}


def _ordered_bars(
    rows: list[Row], ctx: AuditContext, *, across_weeks: bool = True
) -> dict[str, list[Row]]:
    """Bars per listing by date, led by the listing's last bar of the previous week.

    A feed that restates adjusted closes on every pull (Yahoo) puts last week's bar on an
    older basis: for a listing with a dividend or split in this pull, that bar is left
    out, as it is with `across_weeks=False`.
    """
    by_symbol: dict[str, list[Row]] = defaultdict(list)
    events = _events(ctx)
    restated = {symbol for symbol, _ in events} if events else set()
    if across_weeks and ctx.previous is not None and ctx.previous.num_rows:
        last: dict[str, Row] = {}
        for row in ctx.previous.to_pylist():
            if row["symbol"] not in last or row["date"] > last[row["symbol"]]["date"]:
                last[row["symbol"]] = row
        for symbol, row in last.items():
            if symbol not in restated:
                by_symbol[symbol].append(row)
    for row in sorted(rows, key=lambda r: (r["symbol"], r["date"])):
        by_symbol[row["symbol"]].append(row)
    return by_symbol


def daily_move(rows: list[Row], ctx: AuditContext) -> list[Row]:
    """Day-on-day moves beyond the policy's threshold (adjusted closes where both have one)."""
    failing = []
    for symbol, bars in _ordered_bars(rows, ctx).items():
        for before, bar in zip(bars, bars[1:], strict=False):
            both_adjusted = before["adj_close"] is not None and bar["adj_close"] is not None
            column = "adj_close" if both_adjusted else "close"
            if not before[column]:
                continue
            move = bar[column] / before[column] - 1
            if abs(move) > ctx.policy.max_daily_move:
                failing.append(
                    {"symbol": symbol, "date": bar["date"], "previous_date": before["date"],
                     "move": round(move, 4), "on": column}
                )  # fmt: skip
    return failing


def _rounding(price: float) -> float:
    """Half a unit of the price's last quoted decimal, relative to the price."""
    text = repr(price)
    decimals = len(text.split(".")[1]) if "." in text and "e" not in text else 10
    return 0.5 * 10.0**-decimals / abs(price)


def adjustment_jumps(rows: list[Row], ctx: AuditContext) -> list[Row]:
    """adj_close / close may change only on a dividend or split day the feed reported.

    A change within the rounding of the two closes (a 9.87 close is known to +/-0.005)
    plus the policy's tolerance is not a jump.
    """
    events = _events(ctx)
    if events is None:  # the feed gives no events: nothing to hold the ratio against
        return []
    failing = []
    # Within one pull only: each pull of a restating feed has its own basis.
    for symbol, bars in _ordered_bars(rows, ctx, across_weeks=False).items():
        for before, bar in zip(bars, bars[1:], strict=False):
            if (
                None in (before["adj_close"], bar["adj_close"])
                or not before["close"]
                or not bar["close"]
            ):
                continue
            change = (bar["adj_close"] / bar["close"]) / (before["adj_close"] / before["close"]) - 1
            allowed = (
                ctx.policy.adjustment_tolerance
                + _rounding(bar["close"])
                + _rounding(before["close"])
            )
            if abs(change) > allowed and (symbol, bar["date"]) not in events:
                failing.append(
                    {"symbol": symbol, "date": bar["date"], "ratio_change": round(change, 6)}
                )
    return failing


# --- corporate actions ------------------------------------------------------------------


def known_actions(rows: list[Row], ctx: AuditContext) -> list[Row]:
    return [
        {**_pick(row, ctx, "value"), "problem": problem}
        for row in rows
        for problem in [
            "unknown action" if row["action"] not in ("dividend", "split") else None,
            "value must be > 0" if row["value"] <= 0 else None,
        ]
        if problem
    ]


# --- FX ---------------------------------------------------------------------------------


def fx_in_band(rows: list[Row], ctx: AuditContext) -> list[Row]:
    failing = []
    for row in rows:
        band = ctx.policy.fx_bands.get(row["currency"])
        if band and not band[0] <= row["units_per_usd"] <= band[1]:
            failing.append({**_pick(row, ctx, "units_per_usd"), "band": f"{band[0]}..{band[1]}"})
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


# --- traffic and downloads --------------------------------------------------------------


def vanished_or_dropped(entity: str, value: str) -> Callable[[list[Row], AuditContext], list[Row]]:
    """Entities of last week that are gone, or whose mean daily value fell past the policy."""

    def rule(rows: list[Row], ctx: AuditContext) -> list[Row]:
        if ctx.previous is None or ctx.previous.num_rows == 0:
            return []

        def mean_by_entity(items: list[Row]) -> dict[str, float]:
            totals: dict[str, list[float]] = defaultdict(list)
            for item in items:
                totals[item[entity]].append(item[value])
            return {key: sum(vals) / len(vals) for key, vals in totals.items()}

        before, now = mean_by_entity(ctx.previous.to_pylist()), mean_by_entity(rows)
        failing = []
        for key, previous_mean in sorted(before.items()):
            current = now.get(key)
            if current is None:
                failing.append(
                    {
                        entity: key,
                        "previous_daily_mean": round(previous_mean, 2),
                        "problem": "vanished",
                    }
                )
            elif (
                previous_mean > 0
                and current < previous_mean * (1 - ctx.policy.max_weekly_drop) - 1e-9
            ):
                failing.append(
                    {entity: key, "previous_daily_mean": round(previous_mean, 2),
                     "daily_mean": round(current, 2), "problem": "fell week over week"}
                )  # fmt: skip
        return failing

    return rule


# --- GPU prices -------------------------------------------------------------------------

GPU_CONDITIONS = ("new", "used")


def gpu_positive_prices(rows: list[Row], ctx: AuditContext) -> list[Row]:
    return [_pick(row, ctx, "price") for row in rows if row["price"] <= 0]


def gpu_known_conditions(rows: list[Row], ctx: AuditContext) -> list[Row]:
    return [_pick(row, ctx) for row in rows if row["condition"] not in GPU_CONDITIONS]


def gpu_price_spikes(rows: list[Row], ctx: AuditContext) -> list[Row]:
    """A price more than the policy's fraction away from the series' previous observation
    (led by its last price of the previous week), day on day."""
    series: dict[tuple[str, str, str], list[Row]] = defaultdict(list)
    key = ("product_id", "condition", "marketplace")
    if ctx.previous is not None and ctx.previous.num_rows:
        last: dict[tuple[str, str, str], Row] = {}
        for row in ctx.previous.to_pylist():
            name = tuple(row[k] for k in key)
            if name not in last or row["date"] > last[name]["date"]:
                last[name] = row
        for name, row in last.items():
            series[name].append(row)  # type: ignore[index]
    for row in sorted(rows, key=lambda r: (*(r[k] for k in key), r["date"])):
        series[tuple(row[k] for k in key)].append(row)  # type: ignore[index]
    failing = []
    for prices in series.values():
        for before, now in zip(prices, prices[1:], strict=False):
            if before["price"] <= 0 or before["currency"] != now["currency"]:
                continue
            change = now["price"] / before["price"] - 1
            if abs(change) > ctx.policy.gpu_max_daily_change:
                failing.append(
                    {**_pick(now, ctx, "price"), "previous_date": before["date"],
                     "previous_price": before["price"], "change": round(change, 4)}
                )  # fmt: skip
    return failing


# --- release events ---------------------------------------------------------------------

_LOCAL_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _time_problem(row: Row) -> str | None:
    """Why an event's time zone, or its local time in it, is not valid (None if it is)."""
    zone_name = row["time_zone"]
    if zone_name not in _time_zones():
        return f"{zone_name!r} is not an IANA time zone (e.g. America/Los_Angeles)"
    local_time = row["local_time"]
    if local_time is None:
        return None
    if not _LOCAL_TIME.fullmatch(local_time):
        return f"local time {local_time!r} is not HH:MM (00:00 to 23:59)"
    zone = ZoneInfo(zone_name)
    hour, minute = map(int, local_time.split(":"))
    wall = dt.datetime.combine(row["local_date"], dt.time(hour, minute), tzinfo=zone)
    if wall.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != wall.replace(tzinfo=None):
        return f"{row['local_date']} {local_time} does not exist in {zone_name} (clocks skip it)"
    return None


def valid_time_zones(rows: list[Row], ctx: AuditContext) -> list[Row]:
    """Every event's time zone is an IANA zone, and its local time (if any) a time of day
    that exists there on its date."""
    return [
        {**_pick(row, ctx, "local_date", "local_time", "time_zone"), "problem": problem}
        for row in rows
        if (problem := _time_problem(row)) is not None
    ]


def _event_name(row: Row) -> tuple[str, str, dt.date]:
    def norm(text: str) -> str:
        return " ".join(text.casefold().split())

    return norm(row["vendor"]), norm(row["product"]), row["local_date"]


def no_duplicate_events(rows: list[Row], ctx: AuditContext) -> list[Row]:
    """No event twice under two ids: the same vendor and product (case and spacing aside)
    on the same local date."""
    ids: dict[tuple[str, str, dt.date], list[str]] = defaultdict(list)
    for row in rows:
        ids[_event_name(row)].append(row["event_id"])
    return [
        {"vendor": row["vendor"], "product": row["product"], "local_date": row["local_date"],
         "event_ids": ", ".join(sorted(ids[_event_name(row)]))}
        for row in sorted(rows, key=lambda r: r["event_id"])
        if len(ids[_event_name(row)]) > 1 and row["event_id"] == min(ids[_event_name(row)])
    ]  # fmt: skip


def _is_web_url(text: str | None) -> bool:
    if not text or any(c.isspace() for c in text):
        return False
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def has_source(rows: list[Row], ctx: AuditContext) -> list[Row]:
    return [
        {**_pick(row, ctx, "source_url"), "problem": "no source URL"
         if not row["source_url"] else "not an http(s) URL"}
        for row in rows
        if not _is_web_url(row["source_url"])
    ]  # fmt: skip


# --- freshness --------------------------------------------------------------------------


def freshness(rows: list[Row], ctx: AuditContext) -> list[Row]:
    """The newest week holds the days it should, once its deadline has passed.

    Measured on the data's own schedule: a week must be complete `deadline` days after it
    ends (later for providers that publish late). Before that it is in progress and
    passes; a history backfilled long after the fact is complete and passes too.
    """
    name = ctx.dataset.name
    if not ctx.is_latest or name not in ctx.policy.freshness_deadline_days:
        return []
    deadline = ctx.window.end + dt.timedelta(days=ctx.policy.freshness_deadline_days[name])
    if ctx.today < deadline:
        return []
    lag = dt.timedelta(days=ctx.policy.provider_lag_days.get(name, 0))
    expected = min(ctx.window.end - dt.timedelta(days=1), ctx.today - dt.timedelta(days=1) - lag)
    if name == "market_bars":  # the last session on or before it, on any watchlist exchange
        codes = set(_listing_calendar().values())
        sessions = [
            s.day
            for code in codes
            for s in calendars.sessions(code, ctx.window.start, expected + dt.timedelta(days=1))
        ]
        if not sessions:
            return []
        expected = max(sessions)
    elif name == "fx_rates":
        while expected.weekday() >= 5 and expected > ctx.window.start:
            expected -= dt.timedelta(days=1)
    found = max((row["date"] for row in rows), default=None)
    if found is not None and found >= expected:
        return []
    return [{"week": ctx.window.start, "expected_through": expected, "found_through": found,
             "deadline": deadline}]  # fmt: skip


# --- the rules of each dataset ----------------------------------------------------------

CONTRACT = Rule(
    "contract",
    "Every row has the dataset's columns with the right types, its required values, and a "
    "date inside the week. Failing rows are kept in raw/_rejected/ and never published.",
    None,
)
UNIQUE_KEY = Rule("unique_key", "One row per key (see the asset's `key` metadata).", unique_key)
FRESHNESS = Rule(
    "freshness",
    "The newest week holds every day it should once its deadline (days after the week "
    "ends, plus the provider's publication lag) has passed; an in-progress week passes.",
    freshness,
    lambda _: WARN,
)

RULES: dict[str, list[Rule]] = {
    "market_bars": [
        CONTRACT,
        UNIQUE_KEY,
        Rule(
            "positive_prices", "Open, high, low, close and adjusted close are > 0.", positive_prices
        ),
        Rule(
            "consistent_range",
            "high >= low, and open and close within [low, high].",
            consistent_range,
        ),
        Rule(
            "sessions_complete",
            "Every watchlist listing has a bar on every past session of its exchange in the "
            "week (missing sessions listed). WARN by default; ERROR by configuration.",
            sessions_complete,
            lambda policy: policy.completeness_severity,
        ),
        Rule(
            "daily_move",
            "No day-on-day move of the adjusted close (else close) beyond the threshold.",
            daily_move,
            lambda _: WARN,
        ),
        Rule(
            "adjustment_jumps",
            "Where the feed gives dividend and split events, adj_close / close changes only "
            "on those days.",
            adjustment_jumps,
            lambda _: WARN,
        ),
        FRESHNESS,
    ],
    "corporate_actions": [
        CONTRACT,
        UNIQUE_KEY,
        Rule("known_actions", "Actions are dividend or split, with a value > 0.", known_actions),
    ],
    "fx_rates": [
        CONTRACT,
        UNIQUE_KEY,
        Rule("plausible_band", "Every rate is inside its currency's plausible band.", fx_in_band),
        Rule(
            "coverage",
            "Every currency the marts need has a rate on every past weekday: its own or one "
            "carried from at most a few days before (previous week included).",
            fx_coverage,
        ),
        Rule(
            "carried_forward",
            "Weekdays on which a currency uses an earlier day's rate (holidays, gaps).",
            fx_carried_forward,
            lambda _: WARN,
        ),
        FRESHNESS,
    ],
    "web_traffic": [
        CONTRACT,
        UNIQUE_KEY,
        Rule("non_negative", "Visits are >= 0.", non_negative("visits")),
        Rule(
            "vanished_or_dropped",
            "No site of last week is missing, or fell by more than 80 % in mean daily visits.",
            vanished_or_dropped("site_id", "visits"),
            lambda _: WARN,
        ),
        FRESHNESS,
    ],
    "app_downloads": [
        CONTRACT,
        UNIQUE_KEY,
        Rule("non_negative", "Downloads are >= 0.", non_negative("downloads")),
        Rule(
            "vanished_or_dropped",
            "No app of last week is missing, or fell by more than 80 % in mean daily downloads.",
            vanished_or_dropped("app_id", "downloads"),
            lambda _: WARN,
        ),
        FRESHNESS,
    ],
    "exchange_sessions": [CONTRACT, UNIQUE_KEY],
    "gpu_prices": [
        CONTRACT,
        UNIQUE_KEY,
        Rule("positive_prices", "Every price is > 0.", gpu_positive_prices),
        Rule("known_conditions", "Every condition is new or used.", gpu_known_conditions),
        Rule(
            "price_spikes",
            "No price more than 30 % (the policy's gpu_max_daily_change) away from the "
            "previous observation of its card, condition and marketplace.",
            gpu_price_spikes,
            lambda _: WARN,
        ),
        FRESHNESS,
    ],
    "release_events": [
        CONTRACT,
        UNIQUE_KEY,
        Rule(
            "valid_time_zones",
            "Every event's time zone is an IANA name, and its local time (if given) is "
            "HH:MM and exists in that zone on its date.",
            valid_time_zones,
        ),
        Rule(
            "no_duplicate_events",
            "No event twice under two ids (same vendor, product and local date).",
            no_duplicate_events,
        ),
        Rule("has_source", "Every event has an http(s) source URL.", has_source),
    ],
}
