"""Data-quality rules: what a rule is, what it sees, and the rules every dataset shares.

A rule looks at one window (a week) of typed rows, with what it may need around it (the
previous published week, the other datasets of the same pull, today's date, the policy),
and returns the offending rows: none means it passes. Each dataset's own rules are
declared with it, in its feed's package (`RawDataset.rules`); `rules_of` puts them after
the two every dataset has, `contract` and `unique_key`, and before `freshness` where the
dataset has a deadline. The names become Dagster asset checks on the raw assets.
`contract` (types, required values, dates in the window) is checked while the table is
built (`orchestration.validation`) and is listed here so it is reported like the others.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

import dagster as dg
import pyarrow as pa

from orchestration.partitions import DateWindow
from orchestration.quality.policy import QualityPolicy

if TYPE_CHECKING:
    from orchestration.datasets import RawDataset

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


# --- rules for any dataset --------------------------------------------------------------


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
            pick(row, ctx, column) for row in rows if row[column] is not None and row[column] < 0
        ]

    return rule


def pick(row: Row, ctx: AuditContext, *columns: str) -> Row:
    """The row's key and `columns`: what a failing row shows."""
    return {**{k: row[k] for k in ctx.dataset.key}, **{c: row[c] for c in columns}}


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


def activity_rules(entity: str, value: str, noun: str) -> tuple[Rule, Rule]:
    """The rules of a dataset of estimated daily activity per entity (visits per site,
    downloads per app): no value below zero; no `noun` of last week gone, or fallen past
    the policy's weekly drop in mean daily `value` (a warning: estimates move)."""
    return (
        Rule("non_negative", f"{value.capitalize()} are >= 0.", non_negative(value)),
        Rule(
            "vanished_or_dropped",
            f"No {noun} of last week is missing, or fell by more than the policy's "
            f"max_weekly_drop (80 % by default) in mean daily {value}.",
            vanished_or_dropped(entity, value),
            lambda _: WARN,
        ),
    )


def freshness(rows: list[Row], ctx: AuditContext) -> list[Row]:
    """The newest week holds the days it should, once its deadline has passed.

    Measured on the data's own schedule (`RawDataset.freshness`): a week must be complete
    `deadline_days` after it ends, through `lag_days` before today for providers that
    publish late, and through the dataset's last expected day in that span (its last
    session, its last weekday). Before the deadline a week is in progress and passes; a
    history backfilled long after the fact is complete and passes too. The policy can
    move a dataset's deadline or lag.
    """
    schedule = ctx.dataset.freshness
    if not ctx.is_latest or schedule is None:
        return []
    name = ctx.dataset.name
    deadline_days = ctx.policy.freshness_deadline_days.get(name, schedule.deadline_days)
    deadline = ctx.window.end + dt.timedelta(days=deadline_days)
    if ctx.today < deadline:
        return []
    lag = dt.timedelta(days=ctx.policy.provider_lag_days.get(name, schedule.lag_days))
    expected = min(ctx.window.end - dt.timedelta(days=1), ctx.today - dt.timedelta(days=1) - lag)
    if schedule.last_expected is not None:
        expected = schedule.last_expected(ctx.window, expected)
        if expected is None:
            return []
    found = max((row["date"] for row in rows), default=None)
    if found is not None and found >= expected:
        return []
    return [{"week": ctx.window.start, "expected_through": expected, "found_through": found,
             "deadline": deadline}]  # fmt: skip


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


def rules_of(dataset: RawDataset) -> list[Rule]:
    """Every rule of a dataset, in the order its checks are reported."""
    return [CONTRACT, UNIQUE_KEY, *dataset.rules, *([FRESHNESS] if dataset.freshness else [])]


@cache
def rules_by_dataset() -> dict[str, list[Rule]]:
    """The rules of every dataset every feed lands, by dataset name."""
    from orchestration.feeds import raw_datasets

    return {dataset.name: rules_of(dataset) for dataset in raw_datasets()}
