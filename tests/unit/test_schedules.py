"""The schedules, evaluated at fixed instants: which weeks each tick asks for."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from orchestration.schedules import finalize_request, refresh_request, repull_weeks

BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def repository():
    from orchestration.definitions import build_definitions

    return build_definitions().get_repository_def()


def tick(repository, name: str, moment: dt.datetime) -> list[dg.RunRequest]:
    # No instance: evaluated with one (`evaluate_tick`, Dagster 1.13), a schedule left
    # Dagster's current definitions-state storage set to the instance's after it closed,
    # and the next definitions loaded in the same process failed on its dead reference.
    context = dg.build_schedule_context(scheduled_execution_time=moment, repository_def=repository)
    requested = repository.get_schedule_def(name)(context)
    return requested if isinstance(requested, list) else [requested]


def test_the_schedules_run_in_beijing_time(repository):
    finalize = repository.get_schedule_def("finalize_previous_week")
    refresh = repository.get_schedule_def("refresh_week_in_progress")
    assert (finalize.cron_schedule, finalize.execution_timezone) == ("0 8 * * 1", "Asia/Shanghai")
    assert (refresh.cron_schedule, refresh.execution_timezone) == ("0 6 * * 2-6", "Asia/Shanghai")
    assert finalize.job_name == refresh.job_name == "weekly_refresh_job"


def test_monday_finalizes_the_week_that_ended_with_the_weeks_still_revised(repository):
    [request] = tick(
        repository, "finalize_previous_week", dt.datetime(2024, 12, 23, 8, tzinfo=BEIJING)
    )
    assert request.run_key == "finalize-2024-12-16"
    assert request.tags["dagster/asset_partition_range_start"] == "2024-11-25"
    assert request.tags["dagster/asset_partition_range_end"] == "2024-12-16"


def test_the_re_pulled_weeks_are_configurable(monkeypatch):
    monkeypatch.setenv("COMPUTE_WEEKLY_REPULL_WEEKS", "1")
    request = finalize_request(dt.datetime(2024, 12, 23, 8, tzinfo=BEIJING), repull_weeks())
    assert request.tags["dagster/asset_partition_range_start"] == "2024-12-16"
    assert request.tags["dagster/asset_partition_range_end"] == "2024-12-16"
    monkeypatch.setenv("COMPUTE_WEEKLY_REPULL_WEEKS", "0")
    with pytest.raises(ValueError, match="at least 1"):
        repull_weeks()


@pytest.mark.parametrize(
    ("moment", "week"),
    [
        (dt.datetime(2024, 12, 17, 6, tzinfo=BEIJING), "2024-12-16"),  # Tuesday: Monday's US close
        (dt.datetime(2024, 12, 18, 6, tzinfo=BEIJING), "2024-12-16"),  # the seed report's Wednesday
        (dt.datetime(2024, 12, 21, 6, tzinfo=BEIJING), "2024-12-16"),  # Saturday: Friday's close
        (dt.datetime(2024, 12, 24, 6, tzinfo=BEIJING), "2024-12-23"),
    ],
)
def test_weekday_mornings_refresh_the_week_in_progress(repository, moment, week):
    [request] = tick(repository, "refresh_week_in_progress", moment)
    assert request.partition_key == week
    assert request.run_key == f"refresh-{moment.date().isoformat()}"


def test_a_utc_instant_is_read_in_beijing():
    # 2024-12-22 23:00 UTC is Monday 07:00 in Beijing: the week of 2024-12-23 is in progress.
    assert (
        refresh_request(dt.datetime(2024, 12, 22, 23, tzinfo=dt.UTC)).partition_key == "2024-12-23"
    )
