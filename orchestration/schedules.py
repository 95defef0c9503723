"""The weekly rhythm: when the pipeline runs by itself, and which weeks each run covers.

Both schedules run `weekly_refresh_job` (every asset) in Asia/Shanghai:

- `finalize_previous_week`: Mondays at 08:00, the week that just ended, together with
  the weeks before it that a provider may have released late or revised (Similarweb's
  estimates; docs/providers.md): one single run for the range of the last
  `COMPUTE_WEEKLY_REPULL_WEEKS` weeks (default 4).
- `refresh_week_in_progress`: Tuesday to Saturday at 06:00, after the US close, the week
  in progress, so a mid-week report (the seed's was issued on a Wednesday) has
  week-to-date numbers.

`build_schedule_from_partitioned_job` cannot build either: it requests the partitions'
last key, which is the week in progress (the partitions end at it, `end_offset=1`), on
the weekly cadence only. Both are plain schedules whose requests are pure functions of the
tick's time, tested at fixed instants.
"""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

import dagster as dg

from orchestration.partitions import TIMEZONE, WeekWindow

REPULL_WEEKS_ENV = "COMPUTE_WEEKLY_REPULL_WEEKS"
DEFAULT_REPULL_WEEKS = 4

weekly_refresh_job = dg.define_asset_job(
    "weekly_refresh_job",
    selection=dg.AssetSelection.all(),
    description="Every feed and model for the requested weeks, in one run.",
)


def repull_weeks() -> int:
    raw = os.environ.get(REPULL_WEEKS_ENV) or str(DEFAULT_REPULL_WEEKS)
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{REPULL_WEEKS_ENV}={raw!r}: a whole number of weeks, at least 1")
    return int(raw)


def _local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(ZoneInfo(TIMEZONE)).date()


def range_request(first: WeekWindow, last: WeekWindow, run_key: str) -> dg.RunRequest:
    """One run over the weeks [first, last], as a single-run backfill of the range."""
    return dg.RunRequest(
        run_key=run_key,
        tags={
            "dagster/asset_partition_range_start": first.key,
            "dagster/asset_partition_range_end": last.key,
        },
    )


def finalize_request(moment: dt.datetime, weeks: int) -> dg.RunRequest:
    """The week before `moment`'s and the `weeks - 1` before it."""
    last = WeekWindow.containing(_local_date(moment) - dt.timedelta(days=7))
    first = WeekWindow.containing(last.start - dt.timedelta(days=7 * (weeks - 1)))
    return range_request(first, last, run_key=f"finalize-{last.key}")


def refresh_request(moment: dt.datetime) -> dg.RunRequest:
    """The week in progress at `moment`."""
    week = WeekWindow.containing(_local_date(moment))
    return dg.RunRequest(
        run_key=f"refresh-{_local_date(moment).isoformat()}", partition_key=week.key
    )


@dg.schedule(
    job=weekly_refresh_job,
    cron_schedule="0 8 * * 1",
    execution_timezone=TIMEZONE,
    description="Mondays 08:00 Beijing: the week that ended, and the weeks still revised.",
)
def finalize_previous_week(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    return finalize_request(context.scheduled_execution_time, repull_weeks())


@dg.schedule(
    job=weekly_refresh_job,
    cron_schedule="0 6 * * 2-6",
    execution_timezone=TIMEZONE,
    description="Tuesday to Saturday 06:00 Beijing, after the US close: the week in progress.",
)
def refresh_week_in_progress(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    return refresh_request(context.scheduled_execution_time)


SCHEDULES = [finalize_previous_week, refresh_week_in_progress]
