"""The csv FX, traffic and downloads feeds, and the reading rules they share."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from orchestration.feeds.downloads.csv_files import CsvDownloadsFeed, read_downloads_file
from orchestration.feeds.fx.csv_files import CsvFxFeed, read_rate_file
from orchestration.feeds.lib.base import FeedConfigError, FeedDataError
from orchestration.feeds.lib.live import past_part
from orchestration.feeds.traffic.csv_files import CsvTrafficFeed, read_visits_file
from orchestration.partitions import DateWindow, WeekWindow
from tests.conftest import SHARED_DIR

REFERENCE_FX = SHARED_DIR / "reference" / "fx" / "USDCNY.csv"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# --- FX --------------------------------------------------------------------------------


def test_fx_rows_skip_blank_days(tmp_path: Path) -> None:
    path = write(tmp_path, "USDCNY.csv", "date,cny_per_usd\n2024-11-12,7.2\n2024-11-11,\n")

    assert read_rate_file(path, "CNY") == [
        {
            "date": day("2024-11-12"),
            "currency": "CNY",
            "units_per_usd": 7.2,
            "source_ref": path.name,
        }
    ]


def test_fx_a_rate_that_is_not_positive_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "USDCNY.csv", "date,cny_per_usd\n2024-11-12,0\n")

    with pytest.raises(FeedDataError, match=r"USDCNY\.csv line 2: cny_per_usd 0 is not positive"):
        read_rate_file(path, "CNY")


def test_fx_the_column_is_named_for_the_currency(tmp_path: Path) -> None:
    path = write(tmp_path, "USDHKD.csv", "date,cny_per_usd\n2024-11-12,7.2\n")

    with pytest.raises(FeedDataError, match=r"USDHKD\.csv: no hkd_per_usd column"):
        read_rate_file(path, "HKD")


@pytest.mark.skipif(not REFERENCE_FX.exists(), reason="../shared/reference is absent")
def test_fx_feed_reads_the_reference_file_for_a_week_with_a_holiday() -> None:
    feed = CsvFxFeed(REFERENCE_FX.parent, currencies=["CNY"])

    batch = feed.fetch(WeekWindow.from_partition_key("2024-11-11"))  # 11-11: no quote

    assert [(row["date"], row["units_per_usd"]) for row in batch.rows] == [
        (day("2024-11-12"), 7.2320),
        (day("2024-11-13"), 7.2245),
        (day("2024-11-14"), 7.2272),
        (day("2024-11-15"), 7.2288),
    ]
    assert batch.notes == []


def test_fx_feed_notes_currencies_without_a_file(tmp_path: Path) -> None:
    write(tmp_path, "USDCNY.csv", "date,cny_per_usd\n2024-12-16,7.28\n")

    batch = CsvFxFeed(tmp_path).fetch(WeekWindow.from_partition_key("2024-12-16"))

    assert [row["currency"] for row in batch.rows] == ["CNY"]
    assert batch.notes == [f"no file in {tmp_path} for 3 currency(ies): HKD, KRW, TWD"]


def test_fx_feed_folder_must_exist(tmp_path: Path) -> None:
    with pytest.raises(FeedConfigError, match="FX_CSV_DIR=.* is not a directory"):
        CsvFxFeed(tmp_path / "nowhere")


# --- traffic ---------------------------------------------------------------------------


def test_traffic_rows_take_the_domain_valid_on_their_day(tmp_path: Path) -> None:
    path = write(tmp_path, "chatgpt.csv", 'date,visits\n2024-05-15,1.5\n2024-05-16,"2,000.25"\n')

    assert read_visits_file(path, "chatgpt") == [
        {
            "site_id": "chatgpt",
            "domain": "chat.openai.com",
            "category": "text",
            "date": day("2024-05-15"),
            "visits": 1.5,
            "data_last_updated": None,
            "source_ref": "chatgpt.csv",
        },
        {
            "site_id": "chatgpt",
            "domain": "chatgpt.com",
            "category": "text",
            "date": day("2024-05-16"),
            "visits": 2000.25,
            "data_last_updated": None,
            "source_ref": "chatgpt.csv",
        },
    ]


def test_traffic_a_domain_cell_wins_over_the_seed(tmp_path: Path) -> None:
    path = write(
        tmp_path, "chatgpt.csv", "date,visits,domain\n2024-05-16,1,openai.com\n2024-05-17,2,\n"
    )

    assert [row["domain"] for row in read_visits_file(path, "chatgpt")] == [
        "openai.com",
        "chatgpt.com",
    ]


def test_traffic_empty_visits_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "claude.csv", "date,visits\n2024-05-16,\n")

    with pytest.raises(FeedDataError, match=r"claude\.csv line 2: empty visits"):
        read_visits_file(path, "claude")


def test_traffic_feed_keeps_the_week_and_notes_sites_without_rows(tmp_path: Path) -> None:
    write(tmp_path, "claude.csv", "date,visits\n2024-12-15,1\n2024-12-16,2\n")
    write(tmp_path, "chatgpt.csv", "date,visits\n2024-12-09,3\n")

    batch = CsvTrafficFeed(tmp_path).fetch(WeekWindow.from_partition_key("2024-12-16"))

    assert [(row["site_id"], row["date"], row["visits"]) for row in batch.rows] == [
        ("claude", day("2024-12-16"), 2.0)
    ]
    assert batch.notes[1] == "no rows in the week of 2024-12-16 for 1 site(s): chatgpt"
    assert batch.notes[0].startswith(f"no file in {tmp_path} for 24 site(s): gemini, ")


# --- downloads -------------------------------------------------------------------------


def test_downloads_rows_default_to_the_seed_platform(tmp_path: Path) -> None:
    path = write(tmp_path, "doubao.csv", "date,downloads\n2024-12-10,160112\n2024-12-09,152340\n")

    assert read_downloads_file(path, "doubao", "ios") == [
        {"app_id": "doubao", "platform": "ios", "date": day("2024-12-09"), "downloads": 152340.0,
         "source_ref": "doubao.csv"},
        {"app_id": "doubao", "platform": "ios", "date": day("2024-12-10"), "downloads": 160112.0,
         "source_ref": "doubao.csv"},
    ]  # fmt: skip


def test_downloads_a_date_may_repeat_once_per_platform(tmp_path: Path) -> None:
    path = write(
        tmp_path, "doubao.csv", "date,downloads,platform\n2024-12-09,5,ios\n2024-12-09,7,android\n"
    )

    rows = read_downloads_file(path, "doubao", "ios")

    assert [(row["platform"], row["downloads"]) for row in rows] == [("android", 7.0), ("ios", 5.0)]


def test_downloads_a_date_twice_on_one_platform_is_an_error(tmp_path: Path) -> None:
    path = write(
        tmp_path, "doubao.csv", "date,downloads,platform\n2024-12-09,5,ios\n2024-12-09,7,ios\n"
    )

    with pytest.raises(FeedDataError, match=r"doubao\.csv line 3: 2024-12-09 ios appears twice"):
        read_downloads_file(path, "doubao", "ios")


def test_downloads_feed_reads_each_tracked_app(tmp_path: Path) -> None:
    write(tmp_path, "doubao.csv", "date,downloads\n2024-12-09,5\n")

    batch = CsvDownloadsFeed(tmp_path).fetch(WeekWindow.from_partition_key("2024-12-09"))

    assert batch.rows == [
        {"app_id": "doubao", "platform": "ios", "date": day("2024-12-09"), "downloads": 5.0,
         "source_ref": "doubao.csv"}
    ]  # fmt: skip
    assert batch.notes[0].startswith(f"no file in {tmp_path} for 11 app(s): kimi, ")


def test_downloads_feed_folder_must_exist(tmp_path: Path) -> None:
    with pytest.raises(FeedConfigError, match="DOWNLOADS_CSV_DIR=.* is not a directory"):
        CsvDownloadsFeed(tmp_path / "nowhere")


# --- the window live feeds ask for -----------------------------------------------------


def test_past_part_is_the_window_before_today() -> None:
    week = WeekWindow.from_partition_key("2024-12-16")

    assert past_part(week, day("2024-12-18")) == DateWindow(day("2024-12-16"), day("2024-12-18"))
    assert past_part(week, day("2025-01-01")) == DateWindow(day("2024-12-16"), day("2024-12-23"))
    assert past_part(week, day("2024-12-16")) is None
