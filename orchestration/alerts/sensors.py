"""The sensors that send alerts (`orchestration.alerts`). They are on from the start
(`DefaultSensorStatus.RUNNING`): with no channel configured they skip, saying so.

- `run_failure_alert`: a run failed (any run on the instance: scheduled, launched from
  the UI or the command line), naming the failed step, the checks that blocked a week,
  the first error line and a link.
- `blocked_week_alert`: a run succeeded but an ERROR check kept one of its weeks from
  being published (a run without the dbt step, which otherwise fails the run for it).
- `finalize_deadline_alert`: by the deadline (`COMPUTE_WEEKLY_FINALIZE_DEADLINE`, default
  10:00 Asia/Shanghai) on Monday, no run of `weekly_refresh_job` covering the week that
  ended has succeeded: the schedule did not fire, the daemon was down, or the run is
  still failing or running.

A channel that fails makes the sensor's tick fail (the UI shows why) and the next tick
send the alert again, so an alert may arrive twice but is not lost.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import dagster as dg

from orchestration.alerts import messages
from orchestration.alerts.channels import (
    Alert,
    AlertConfigError,
    AlertDeliveryError,
    configured_channels,
    send,
)
from orchestration.partitions import TIMEZONE, WeekWindow
from orchestration.schedules import weekly_refresh_job

DEADLINE_ENV = "COMPUTE_WEEKLY_FINALIZE_DEADLINE"
DEFAULT_DEADLINE = "10:00"
NO_CHANNEL = (
    "alerts are off: set COMPUTE_WEEKLY_ALERT_EMAIL_TO (with COMPUTE_WEEKLY_SMTP_HOST) "
    "or COMPUTE_WEEKLY_ALERT_WEBHOOK_URL"
)
# Dagster's message for a run marked failed by something other than its worker.
FAILED_FROM_OUTSIDE = "This run has been marked as failed from outside the execution context."
_STEP_END = {
    dg.DagsterEventType.STEP_SUCCESS,
    dg.DagsterEventType.STEP_FAILURE,
    dg.DagsterEventType.STEP_SKIPPED,
}


def deliver(alert: Alert) -> str | None:
    """Send `alert` through the configured channels; None if there are none (alerts off)."""
    channels = configured_channels()
    if not channels:
        return None
    try:
        send(alert, channels)
    except AlertDeliveryError as exc:  # its text may quote a server's answer: redacted
        raise AlertDeliveryError(messages.environment_redactor()(str(exc))) from None
    return ", ".join(channel.describe() for channel in channels)


def weeks_of(run: dg.DagsterRun) -> str:
    tags = run.tags
    start = tags.get("dagster/asset_partition_range_start")
    end = tags.get("dagster/asset_partition_range_end")
    if start and end:
        return start if start == end else f"{start} to {end}"
    return tags.get("dagster/partition", "")


def launched_by(run: dg.DagsterRun) -> str:
    for tag, what in (("dagster/schedule_name", "schedule"), ("dagster/sensor_name", "sensor")):
        if run.tags.get(tag):
            return f"{what} {run.tags[tag]}"
    if run.tags.get("dagster/parent_run_id"):
        return f"re-execution of {run.tags['dagster/parent_run_id']}"
    return ""


def blocked_checks(instance: dg.DagsterInstance, run_id: str) -> list[messages.BlockedCheck]:
    """The ERROR checks that failed in the run, with the weeks they kept unpublished."""
    blocked = []
    for record in instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        if evaluation.passed or evaluation.severity != dg.AssetCheckSeverity.ERROR:
            continue
        metadata = evaluation.metadata
        rows = metadata.get("failing rows")
        weeks = metadata.get("not published")
        blocked.append(
            messages.BlockedCheck(
                evaluation.asset_key.to_user_string(),
                evaluation.check_name,
                str(weeks.value) if weeks is not None else "",
                int(rows.value) if rows is not None else None,
            )
        )
    return blocked


def run_facts(
    instance: dg.DagsterInstance, run: dg.DagsterRun, run_error: str | None = None
) -> messages.RunFacts:
    """What the alerts say of a run, read from its events. The error is the first failed
    step's; else the run's own (`run_error`), unless that is Dagster's word for a run
    failed from outside it (its code server saw the worker killed), whose cause is then
    the engine event logged just before."""
    started: list[str] = []
    ended: set[str] = set()
    failed: list[str] = []
    first_error = None
    last_engine_message = cause = None
    for entry in instance.all_logs(
        run.run_id,
        of_type={
            dg.DagsterEventType.STEP_START,
            dg.DagsterEventType.ENGINE_EVENT,
            dg.DagsterEventType.RUN_FAILURE,
            *_STEP_END,
        },
    ):
        event = entry.dagster_event
        if event is not None and event.event_type == dg.DagsterEventType.ENGINE_EVENT:
            last_engine_message = event.message or last_engine_message
            continue
        if event is not None and event.event_type == dg.DagsterEventType.RUN_FAILURE:
            cause = cause or last_engine_message
            continue
        if event is None or event.step_key is None:
            continue
        if event.event_type == dg.DagsterEventType.STEP_START:
            started.append(event.step_key)
            continue
        ended.add(event.step_key)
        if event.event_type == dg.DagsterEventType.STEP_FAILURE:
            data = event.step_failure_data
            described = data.user_failure_data.description if data.user_failure_data else None
            message = messages.first_line(
                described or (data.error.message if data.error else event.message)
            )
            failed.append(f"{event.step_key}: {message}")
            first_error = first_error or message
    return messages.RunFacts(
        run_id=run.run_id,
        job_name=run.job_name,
        weeks=weeks_of(run),
        launched_by=launched_by(run),
        failed_steps=failed,
        unfinished_steps=[step for step in started if step not in ended],
        error=first_error or (cause if run_error == FAILED_FROM_OUTSIDE and cause else run_error),
        blocked=blocked_checks(instance, run.run_id),
    )


@dg.run_failure_sensor(
    name="run_failure_alert",
    monitor_all_code_locations=True,
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=15,
    description="Sends an alert (email, chat webhook) when a run fails.",
)
def run_failure_alert(context: dg.RunFailureSensorContext):
    facts = run_facts(context.instance, context.dagster_run, context.failure_event.message)
    sent = deliver(messages.run_failed(facts))
    if sent is None:
        return dg.SkipReason(NO_CHANNEL)
    context.log.info(f"alerted run {facts.run_id}'s failure: {sent}")


@dg.run_status_sensor(
    name="blocked_week_alert",
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitor_all_code_locations=True,
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=15,
    description="Sends an alert when a run succeeded but an ERROR check kept a week unpublished.",
)
def blocked_week_alert(context: dg.RunStatusSensorContext):
    blocked = blocked_checks(context.instance, context.dagster_run.run_id)
    if not blocked:
        return dg.SkipReason("no ERROR check failed in the run")
    facts = run_facts(context.instance, context.dagster_run)
    sent = deliver(messages.weeks_blocked(facts))
    if sent is None:
        return dg.SkipReason(NO_CHANNEL)
    context.log.info(f"alerted the weeks blocked in run {facts.run_id}: {sent}")


def deadline_time() -> dt.time:
    raw = os.environ.get(DEADLINE_ENV, "").strip() or DEFAULT_DEADLINE
    try:
        return dt.time.fromisoformat(raw)
    except ValueError:
        raise AlertConfigError(
            f"{DEADLINE_ENV}={raw!r}: a time of day as HH:MM, in {TIMEZONE}"
        ) from None


def last_deadline(now: dt.datetime, at: dt.time) -> tuple[dt.date, dt.datetime]:
    """The Monday whose finalize deadline passed last at `now`, and that deadline."""
    zone = ZoneInfo(TIMEZONE)
    today = now.astimezone(zone).date()
    monday = today - dt.timedelta(days=today.weekday())
    deadline = dt.datetime.combine(monday, at, tzinfo=zone)
    if now < deadline:
        monday -= dt.timedelta(days=7)
        deadline = dt.datetime.combine(monday, at, tzinfo=zone)
    return monday, deadline


def finalize_runs_since(instance: dg.DagsterInstance, monday: dt.date) -> Sequence[dg.DagsterRun]:
    """Runs of the weekly job created since the week before `monday` ended."""
    week_end = dt.datetime.combine(monday, dt.time(0), tzinfo=ZoneInfo(TIMEZONE))
    return instance.get_runs(
        filters=dg.RunsFilter(job_name=weekly_refresh_job.name, created_after=week_end)
    )


def covers(run: dg.DagsterRun, week: WeekWindow) -> bool:
    """Whether the run built `week` (its partition, or the last week of its range)."""
    last = run.tags.get("dagster/asset_partition_range_end") or run.tags.get("dagster/partition")
    return last is not None and last >= week.key


@dataclass(frozen=True)
class DeadlineCheck:
    """What the finalize deadline sensor found at one instant."""

    cursor: str  # the last Monday whose deadline was checked
    alert: Alert | None  # to send: that Monday's run had not succeeded by its deadline
    reason: str


def check_finalize_deadline(
    instance: dg.DagsterInstance, cursor: str | None, now: dt.datetime, at: dt.time
) -> DeadlineCheck:
    """Whether a Monday deadline passed, since the one last checked (`cursor`), without a
    successful run of the weekly job covering the week that ended."""
    monday, deadline = last_deadline(now, at)
    if cursor is None:  # first tick: watch the deadlines to come, not past ones
        return DeadlineCheck(
            monday.isoformat(), None, f"watching Monday deadlines after {deadline:%Y-%m-%d %H:%M}"
        )
    if cursor >= monday.isoformat():
        return DeadlineCheck(
            cursor, None, f"the deadline of {deadline:%Y-%m-%d %H:%M} was already checked"
        )
    week = WeekWindow.containing(monday - dt.timedelta(days=7))
    runs = finalize_runs_since(instance, monday)
    done = [r for r in runs if r.status == dg.DagsterRunStatus.SUCCESS and covers(r, week)]
    if done:
        return DeadlineCheck(
            monday.isoformat(), None, f"week {week.key} finalized by run {done[0].run_id}"
        )
    alert = messages.finalize_missed(
        monday, deadline, [f"{r.run_id} ({r.status.value})" for r in runs]
    )
    return DeadlineCheck(
        monday.isoformat(), alert, f"week {week.key} not finalized by {deadline:%H:%M}"
    )


@dg.sensor(
    name="finalize_deadline_alert",
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Sends an alert when, by Monday's deadline (COMPUTE_WEEKLY_FINALIZE_DEADLINE, "
        "default 10:00 Asia/Shanghai), no run of weekly_refresh_job has finalized the week "
        "that ended."
    ),
)
def finalize_deadline_alert(context: dg.SensorEvaluationContext):
    now = dt.datetime.now(ZoneInfo(TIMEZONE))
    found = check_finalize_deadline(context.instance, context.cursor, now, deadline_time())
    sent = deliver(found.alert) if found.alert is not None else None
    context.update_cursor(found.cursor)  # after delivery: a failed one is tried again
    if found.alert is None:
        return dg.SkipReason(found.reason)
    if sent is None:
        return dg.SkipReason(f"{found.reason}; {NO_CHANNEL}")
    context.log.info(f"alerted: {found.reason}: {sent}")


ALERT_SENSORS = [run_failure_alert, blocked_week_alert, finalize_deadline_alert]
