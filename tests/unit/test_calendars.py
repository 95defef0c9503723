"""Exchange sessions from exchange_calendars, with a flagged weekday fallback."""

from __future__ import annotations

import datetime as dt

from orchestration import calendars
from orchestration.feeds.sessions.exchange_calendars import ExchangeSessionsFeed, session_span
from orchestration.partitions import DateWindow, WeekWindow


def days(sessions):
    return [s.day for s in sessions]


def test_krx_was_closed_on_2023_12_29():
    found = calendars.sessions("XKRX", dt.date(2023, 12, 26), dt.date(2024, 1, 4))
    assert days(found) == [
        dt.date(2023, 12, 26), dt.date(2023, 12, 27), dt.date(2023, 12, 28),
        dt.date(2024, 1, 2), dt.date(2024, 1, 3),
    ]  # fmt: skip
    assert not any(s.is_fallback for s in found)


def test_shanghai_golden_week_and_nasdaq_thanksgiving():
    golden = calendars.sessions("XSHG", dt.date(2024, 9, 30), dt.date(2024, 10, 9))
    assert days(golden) == [dt.date(2024, 9, 30), dt.date(2024, 10, 8)]
    thanksgiving = calendars.sessions("XNAS", dt.date(2024, 11, 27), dt.date(2024, 12, 2))
    assert days(thanksgiving) == [dt.date(2024, 11, 27), dt.date(2024, 11, 29)]


def test_past_the_xshg_horizon_weekdays_are_assumed_and_flagged():
    assert calendars.horizon("XSHG")[1] == dt.date(2026, 12, 31)
    found = calendars.sessions("XSHG", dt.date(2026, 12, 30), dt.date(2027, 1, 6))
    assert [(s.day, s.is_fallback) for s in found] == [
        (dt.date(2026, 12, 30), False),
        (dt.date(2026, 12, 31), False),
        (dt.date(2027, 1, 1), True),  # a holiday in fact, but past what the calendar knows
        (dt.date(2027, 1, 4), True),
        (dt.date(2027, 1, 5), True),
    ]


def test_the_sessions_feed_reports_the_fallback_and_maps_shenzhen_to_xshg():
    batch = ExchangeSessionsFeed().fetch(WeekWindow.from_partition_key("2027-01-04"))
    shenzhen = [row for row in batch.rows if row["exchange"] == "XSHE"]
    assert {row["calendar_code"] for row in shenzhen} == {"XSHG"}
    assert all(row["is_fallback"] for row in shenzhen)
    assert any("XSHE" in note and "assumed" in note for note in batch.notes)
    assert any("XSHG" in note and "2026-12-31" in note for note in batch.notes)
    nyse = [row for row in batch.rows if row["exchange"] == "XNYS"]
    assert nyse and not any(row["is_fallback"] for row in nyse)


def test_within_the_horizon_nothing_is_reported():
    batch = ExchangeSessionsFeed().fetch(DateWindow(dt.date(2024, 12, 16), dt.date(2024, 12, 23)))
    assert batch.notes == []
    assert {row["exchange"] for row in batch.rows} == {
        "XHKG", "XKRX", "XNAS", "XNYS", "XSHE", "XSHG", "XTAI",
    }  # fmt: skip


def test_session_span_covers_the_year_before_the_first_week_to_next_week():
    span = session_span(today=dt.date(2024, 12, 18))
    assert span.start == dt.date(2022, 1, 1)
    assert span.end == dt.date(2024, 12, 30)


def test_a_calendars_sessions_are_built_once_and_kept_on_disk(monkeypatch, tmp_path):
    monkeypatch.setenv("COMPUTE_WEEKLY_CACHE_DIR", str(tmp_path))
    calendars._known_sessions.cache_clear()
    try:
        built = calendars.sessions("XKRX", dt.date(2023, 12, 26), dt.date(2024, 1, 4))
        (kept,) = (tmp_path / "calendars").iterdir()
        assert kept.name.startswith("XKRX_") and kept.name.endswith(".txt")
        assert "2023-12-28\n2024-01-02\n" in kept.read_text()  # 2023-12-29: closed

        # Another process (nothing in memory) reads them back without building the calendar.
        calendars._known_sessions.cache_clear()

        def refuse(*args, **kwargs):
            raise AssertionError("the calendar was built again")

        monkeypatch.setattr(calendars.xcals, "get_calendar", refuse)
        again = calendars.sessions("XKRX", dt.date(2023, 12, 26), dt.date(2024, 1, 4))
        assert again == built

        # A damaged file is rebuilt, not trusted.
        monkeypatch.undo()
        monkeypatch.setenv("COMPUTE_WEEKLY_CACHE_DIR", str(tmp_path))
        kept.write_text("2023-12-26\nnot a date\n")
        calendars._known_sessions.cache_clear()
        assert calendars.sessions("XKRX", dt.date(2023, 12, 26), dt.date(2024, 1, 4)) == built
        assert "not a date" not in kept.read_text()
    finally:
        calendars._known_sessions.cache_clear()
