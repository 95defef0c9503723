"""Weekly partitions: Monday-to-Sunday weeks in Asia/Shanghai, half-open windows."""

from __future__ import annotations

import datetime as dt

import pytest

from orchestration.partitions import (
    DateWindow,
    WeekWindow,
    build_weekly_partitions,
    first_week,
    weekly_partitions,
)


def test_weeks_start_on_monday_2023_01_02_in_shanghai():
    keys = weekly_partitions.get_partition_keys(current_time=dt.datetime(2023, 1, 24))
    assert keys[:3] == ["2023-01-02", "2023-01-09", "2023-01-16"]
    assert weekly_partitions.timezone == "Asia/Shanghai"
    assert all(dt.date.fromisoformat(key).weekday() == 0 for key in keys)


def test_the_last_partition_is_the_week_in_progress_in_shanghai():
    # 2024-12-22 16:30 UTC is Monday 00:30 in Shanghai: a new week is in progress there.
    monday = dt.datetime(2024, 12, 22, 16, 30, tzinfo=dt.UTC)
    sunday = dt.datetime(2024, 12, 22, 15, 30, tzinfo=dt.UTC)
    assert weekly_partitions.get_partition_keys(current_time=monday)[-1] == "2024-12-23"
    assert weekly_partitions.get_partition_keys(current_time=sunday)[-1] == "2024-12-16"


def test_first_week_is_configurable_and_must_be_a_monday(monkeypatch):
    monkeypatch.setenv("COMPUTE_WEEKLY_FIRST_WEEK", "2024-01-01")
    assert first_week() == dt.date(2024, 1, 1)
    assert build_weekly_partitions().get_first_partition_key() == "2024-01-01"
    monkeypatch.setenv("COMPUTE_WEEKLY_FIRST_WEEK", "2024-01-03")
    with pytest.raises(ValueError, match="is a Wednesday; weeks start on a Monday"):
        first_week()
    monkeypatch.setenv("COMPUTE_WEEKLY_FIRST_WEEK", "last year")
    with pytest.raises(ValueError, match="not a date"):
        first_week()


def test_week_window_is_half_open():
    week = WeekWindow.from_partition_key("2024-12-16")
    assert (week.start, week.end) == (dt.date(2024, 12, 16), dt.date(2024, 12, 23))
    assert dt.date(2024, 12, 22) in week
    assert dt.date(2024, 12, 23) not in week
    assert dt.date(2024, 12, 15) not in week
    assert len(week.days()) == 7
    assert WeekWindow.containing(dt.date(2024, 12, 18)) == week


def test_a_partition_key_must_be_a_monday():
    with pytest.raises(ValueError, match="not a Monday"):
        WeekWindow.from_partition_key("2024-12-18")


def test_date_window_membership_rejects_datetimes_and_other_types():
    window = DateWindow(dt.date(2024, 1, 1), dt.date(2024, 1, 3))
    assert window.days() == [dt.date(2024, 1, 1), dt.date(2024, 1, 2)]
    assert "2024-01-01" not in window


def test_a_window_clipped_keeps_the_days_between_its_bounds():
    week = DateWindow(dt.date(2024, 12, 16), dt.date(2024, 12, 23))
    tracked_from_wednesday = week.clip(start=dt.date(2024, 12, 18))
    assert tracked_from_wednesday == DateWindow(dt.date(2024, 12, 18), dt.date(2024, 12, 23))
    assert week.clip(start=dt.date(2024, 12, 1), end=dt.date(2025, 1, 1)) == week
    assert week.clip(end=dt.date(2024, 12, 17)) == DateWindow(week.start, dt.date(2024, 12, 17))
    assert week.clip(start=dt.date(2024, 12, 23)) is None  # tracked from the next week
    assert week.clip(end=dt.date(2024, 12, 16)) is None  # nothing has passed yet
