"""The alert sensors on a real instance: a failed run, a run killed from outside, a week an
ERROR check blocked, and Monday's deadline at fixed instants; messages go to a local SMTP
server and a local webhook, with every secret of the environment taken out."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from orchestration.alerts.messages import BlockedCheck, RunFacts, run_failed
from orchestration.alerts.sensors import (
    NO_CHANNEL,
    blocked_week_alert,
    check_finalize_deadline,
    last_deadline,
    run_failure_alert,
)
from tests.alert_sinks import smtp_sink, webhook_sink
from tests.conftest import project_instance

SHANGHAI = ZoneInfo("Asia/Shanghai")
API_KEY = "sw-live-0123456789abcdef"
PG_PASSWORD = "pg-pass-word-42"
TEN = dt.time(10, 0)


@pytest.fixture
def instance(tmp_path):
    with project_instance(tmp_path) as instance:
        yield instance


@pytest.fixture
def sinks(monkeypatch):
    """Both channels on, pointed at local servers, with secrets in the environment."""
    with smtp_sink() as smtp, webhook_sink() as hook:
        for name, value in {
            **smtp.environment(),
            "COMPUTE_WEEKLY_ALERT_WEBHOOK_URL": hook.url,
            "COMPUTE_WEEKLY_WEBSERVER_URL": "http://dagster.example.com:3000/",
            "SIMILARWEB_API_KEY": API_KEY,
            "COMPUTE_WEEKLY_PG_URL": f"postgresql+psycopg2://dagster:{PG_PASSWORD}@db:5432/dagster",
        }.items():
            monkeypatch.setenv(name, value)
        yield smtp, hook


def failing_run(instance) -> dg.ExecuteInProcessResult:
    @dg.op
    def raw_web_traffic():
        raise dg.Failure(
            description=(
                f"raw_web_traffic 2024-12-16..2024-12-23 not landed: similarweb: GET "
                f"/v5/traffic?api_key={API_KEY} answered 401\nsecond line of the error"
            )
        )

    @dg.job(
        tags={"dagster/partition": "2024-12-16", "dagster/schedule_name": "finalize_previous_week"}
    )
    def weekly_refresh_job():
        raw_web_traffic()

    return weekly_refresh_job.execute_in_process(instance=instance, raise_on_error=False)


def failure_context(instance, run_id: str):
    run = instance.get_run_by_id(run_id)
    event = instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_FAILURE)[-1].dagster_event
    return dg.build_run_status_sensor_context(
        sensor_name="run_failure_alert",
        dagster_event=event,
        dagster_instance=instance,
        dagster_run=run,
    ).for_run_failure()


def delivered(smtp, hook) -> str:
    (message,) = smtp.messages
    (post,) = hook.posts
    body = message.get_content().replace("\r\n", "\n")
    assert post["text"] == f"*{message['Subject']}*\n{body.strip()}"
    return f"{message['Subject']}\n{body}"


def test_a_failed_run_is_alerted_naming_the_step_the_error_and_a_link(instance, sinks):
    result = failing_run(instance)
    assert not result.success
    run_failure_alert(failure_context(instance, result.run_id))
    text = delivered(*sinks)
    assert "run failed: weekly_refresh_job, 2024-12-16" in text
    assert f"Run: {result.run_id} of weekly_refresh_job" in text
    assert "Launched by: schedule finalize_previous_week" in text
    assert "Failed: raw_web_traffic: raw_web_traffic 2024-12-16..2024-12-23 not landed" in text
    assert "answered 401" in text and "second line" not in text, "the first line only"
    assert f"Link: http://dagster.example.com:3000/runs/{result.run_id}" in text
    assert API_KEY not in text and "api_key=***" in text


def test_a_run_failed_from_outside_is_alerted_with_the_cause_dagster_logged(instance, sinks):
    run = instance.add_run(
        dg.DagsterRun(job_name="weekly_refresh_job", run_id=str(uuid.uuid4()),
                      status=dg.DagsterRunStatus.STARTED)
    )  # fmt: skip
    instance.report_engine_event(
        "[DagsterApiServer] Run execution process for it was terminated by signal 9 (SIGKILL).",
        run,
    )
    instance.report_run_failed(run)  # Dagster's own message: failed from outside
    instance.report_engine_event("Retrying the run", run)  # after the failure: not its cause
    run_failure_alert(failure_context(instance, run.run_id))
    text = delivered(*sinks)
    assert (
        "Error: [DagsterApiServer] Run execution process for it was terminated by signal 9" in text
    )
    assert "The run failed before any step started." in text


def test_a_week_blocked_by_an_error_check_in_a_successful_run_is_alerted(instance, sinks):
    @dg.asset(
        key=["raw", "web_traffic"],
        check_specs=[dg.AssetCheckSpec("non_negative", asset=["raw", "web_traffic"])],
    )
    def web_traffic():
        yield dg.MaterializeResult()
        yield dg.AssetCheckResult(
            check_name="non_negative",
            passed=False,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={"failing rows": 3, "not published": "2024-12-16"},
        )

    result = dg.materialize([web_traffic], instance=instance)
    assert result.success
    context = dg.build_run_status_sensor_context(
        sensor_name="blocked_week_alert",
        dagster_event=result.get_run_success_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
    )
    blocked_week_alert(context)
    text = delivered(*sinks)
    assert "check blocked a week: raw/web_traffic non_negative" in text
    assert (
        "raw/web_traffic non_negative (ERROR, 3 failing row(s)): weeks not published 2024-12-16"
        in text
    )


def test_a_successful_run_without_a_blocked_week_sends_nothing(instance, sinks):
    @dg.asset
    def fine() -> None:
        pass

    result = dg.materialize([fine], instance=instance)
    context = dg.build_run_status_sensor_context(
        sensor_name="blocked_week_alert",
        dagster_event=result.get_run_success_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
    )
    skipped = blocked_week_alert(context)
    assert isinstance(skipped, dg.SkipReason)
    smtp, hook = sinks
    assert smtp.messages == [] and hook.posts == []


def test_with_no_channel_the_sensors_skip_saying_how_to_turn_alerts_on(instance, monkeypatch):
    for name in ("COMPUTE_WEEKLY_ALERT_EMAIL_TO", "COMPUTE_WEEKLY_SMTP_HOST",
                 "COMPUTE_WEEKLY_ALERT_WEBHOOK_URL"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    result = failing_run(instance)
    skipped = run_failure_alert(failure_context(instance, result.run_id))
    assert isinstance(skipped, dg.SkipReason) and skipped.skip_message == NO_CHANNEL


def test_the_message_without_a_webserver_url_says_how_to_get_a_link():
    facts = RunFacts("abc", "weekly_refresh_job", "", "", blocked=[BlockedCheck("raw/x", "y", "")])
    alert = run_failed(facts, environ={})
    assert "set COMPUTE_WEEKLY_WEBSERVER_URL for a link" in alert.body


@pytest.mark.parametrize(
    ("now", "monday"),
    [
        (dt.datetime(2024, 12, 23, 9, 59, tzinfo=SHANGHAI), dt.date(2024, 12, 16)),
        (dt.datetime(2024, 12, 23, 10, 0, tzinfo=SHANGHAI), dt.date(2024, 12, 23)),
        (dt.datetime(2024, 12, 29, 23, 59, tzinfo=SHANGHAI), dt.date(2024, 12, 23)),
        # 01:59 UTC on Monday is 09:59 in Beijing, 02:00 is 10:00
        (dt.datetime(2024, 12, 23, 1, 59, tzinfo=dt.UTC), dt.date(2024, 12, 16)),
        (dt.datetime(2024, 12, 23, 2, 0, tzinfo=dt.UTC), dt.date(2024, 12, 23)),
    ],
)
def test_the_last_deadline_is_monday_ten_in_beijing(now, monday):
    found, deadline = last_deadline(now, TEN)
    assert found == monday
    assert deadline == dt.datetime.combine(monday, TEN, tzinfo=SHANGHAI)


def weekly_run(instance, status, last_week: str):
    return instance.add_run(
        dg.DagsterRun(
            job_name="weekly_refresh_job",
            run_id=str(uuid.uuid4()),
            status=status,
            tags={
                "dagster/asset_partition_range_start": "2024-11-25",
                "dagster/asset_partition_range_end": last_week,
            },
        )
    )


MONDAY_10_05 = dt.datetime(2024, 12, 23, 10, 5, tzinfo=SHANGHAI)


def test_the_first_check_watches_deadlines_to_come(instance):
    found = check_finalize_deadline(instance, None, MONDAY_10_05, TEN)
    assert found.alert is None and found.cursor == "2024-12-23"


def test_a_monday_without_a_successful_run_by_ten_is_alerted_once(instance):
    failed = weekly_run(instance, dg.DagsterRunStatus.FAILURE, "2024-12-16")
    older = weekly_run(instance, dg.DagsterRunStatus.SUCCESS, "2024-12-09")  # not last week
    before = check_finalize_deadline(
        instance, "2024-12-16", dt.datetime(2024, 12, 23, 9, 59, tzinfo=SHANGHAI), TEN
    )
    assert before.alert is None, "before the deadline"
    found = check_finalize_deadline(instance, "2024-12-16", MONDAY_10_05, TEN)
    assert found.alert is not None and found.cursor == "2024-12-23"
    assert "week 2024-12-16 not finalized by 10:00" in found.alert.subject
    assert f"{failed.run_id} (FAILURE)" in found.alert.body
    assert older.run_id in found.alert.body
    again = check_finalize_deadline(instance, found.cursor, MONDAY_10_05, TEN)
    assert again.alert is None, "alerted once"


def test_a_monday_finalized_by_ten_is_not_alerted(instance):
    done = weekly_run(instance, dg.DagsterRunStatus.SUCCESS, "2024-12-16")
    found = check_finalize_deadline(instance, "2024-12-16", MONDAY_10_05, TEN)
    assert found.alert is None and done.run_id in found.reason
