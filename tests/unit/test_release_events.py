"""The release-events file feed, the seeded exhibit 9, and landing it whole through ingest."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow.parquet as pq
import pytest

from orchestration.feeds.lib.base import FeedBatch, FeedDataError
from orchestration.feeds.releases.datasets import RELEASE_EVENTS
from orchestration.feeds.releases.events_file import (
    DEFAULT_FILE,
    ReleaseEventsFeed,
    read_events,
    release_span,
)
from orchestration.feeds.releases.rules import has_source, no_duplicate_events
from orchestration.ingest import ingest
from orchestration.landing import unpartitioned_file
from orchestration.partitions import DateWindow
from orchestration.quality.rules import AuditContext

HEADER = "event_id,date,time,time_zone,vendor,product,highlight,source_url\n"
SPAN = DateWindow(dt.date(2022, 1, 1), dt.date(2028, 1, 1))


def write(folder: Path, text: str) -> Path:
    path = folder / "release_events.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_rows_with_optional_columns_empty_cells_and_short_times(tmp_path: Path):
    path = write(
        tmp_path,
        HEADER + "e1,2024-12-18,9:30,Asia/Shanghai,ByteDance,Doubao,Vision model,https://x.io\n"
        "e2,2024-12-30,,Asia/Shanghai,Moonshot AI,k1,,\n",
    )

    assert read_events(path) == [
        {
            "event_id": "e1",
            "vendor": "ByteDance",
            "product": "Doubao",
            "product_zh": None,
            "highlight": "Vision model",
            "highlight_zh": None,
            "local_date": dt.date(2024, 12, 18),
            "local_time": "09:30",
            "time_zone": "Asia/Shanghai",
            "source_url": "https://x.io",
        },
        {
            "event_id": "e2",
            "vendor": "Moonshot AI",
            "product": "k1",
            "product_zh": None,
            "highlight": None,
            "highlight_zh": None,
            "local_date": dt.date(2024, 12, 30),
            "local_time": None,
            "time_zone": "Asia/Shanghai",
            "source_url": None,
        },
    ]


def test_a_bad_date_or_a_missing_column_names_the_file_and_line(tmp_path: Path):
    with pytest.raises(FeedDataError, match="release_events.csv line 2: '12/18/2024'"):
        read_events(write(tmp_path, HEADER + "e1,12/18/2024,10:00,UTC,V,P,H,https://x.io\n"))
    with pytest.raises(FeedDataError, match="no source_url column"):
        read_events(write(tmp_path, "event_id,date,time,time_zone,vendor,product,highlight\n"))


def test_the_span_covers_the_history_and_announced_events_ahead():
    span = release_span(today=dt.date(2026, 11, 28))
    assert (span.start, span.end) == (dt.date(2022, 1, 1), dt.date(2028, 1, 1))


# --- the seeded file: exhibit 9 ---------------------------------------------------------------

EXHIBIT_9 = [  # day, Pacific date, Beijing date, product as the report prints it
    (1, "12/5", "12/6", "o1 完全体"),
    (2, "12/6", "12/7", "强化微调"),
    (3, "12/9", "12/10", "Sora"),
    (4, "12/10", "12/11", "Canvas"),
    (5, "12/11", "12/12", "ChatGPT 与苹果集成"),
    (6, "12/12", "12/13", "Her"),
    (7, "12/13", "12/14", "ChatGPT Projects"),
    (8, "12/16", "12/17", "ChatGPT 搜索"),  # the report misspells it ChaGPT
    (9, "12/17", "12/18", "DevDay"),
]


def month_day(date: dt.date) -> str:
    return f"{date.month}/{date.day}"


def test_the_seeded_file_is_exhibit_9_in_pacific_and_beijing_time():
    rows = ReleaseEventsFeed().fetch(release_span()).rows
    assert len(rows) == len(EXHIBIT_9)
    for row, (number, pacific, beijing, product_zh) in zip(rows, EXHIBIT_9, strict=True):
        hour, minute = map(int, row["local_time"].split(":"))
        zone = ZoneInfo(row["time_zone"])
        moment = dt.datetime.combine(row["local_date"], dt.time(hour, minute), tzinfo=zone)
        assert month_day(moment.astimezone(ZoneInfo("America/Los_Angeles"))) == pacific
        assert month_day(moment.astimezone(ZoneInfo("Asia/Shanghai"))) == beijing
        assert row["product_zh"] == product_zh
        assert row["vendor"] == "OpenAI" and row["highlight"] and row["highlight_zh"]
        assert row["source_url"] == f"https://openai.com/12-days/?day={number}"
    ctx = AuditContext(RELEASE_EVENTS, SPAN, dt.date(2026, 11, 28))
    assert has_source(rows, ctx) == [] and no_duplicate_events(rows, ctx) == []


# --- landed whole, through write-audit-publish -----------------------------------------------


class StubFeed:
    kind = "file"

    def __init__(self, rows: list[dict]) -> None:
        self.rows = rows

    def fetch(self, window: DateWindow) -> FeedBatch:
        return FeedBatch(rows=[dict(row) for row in self.rows], source_ref="data/test.csv")


def test_the_file_is_landed_whole_and_a_bad_edit_never_replaces_it(tmp_path: Path):
    good = read_events(DEFAULT_FILE)
    landed = ingest([RELEASE_EVENTS], StubFeed(good), SPAN, tmp_path)
    assert landed.published and landed.rows == {"release_events": 9}
    published = unpartitioned_file(tmp_path, "release_events")
    before = published.read_bytes()
    assert pq.read_table(published).column("source").to_pylist() == ["file"] * 9

    no_source = [*good[:-1], {**good[-1], "source_url": None}]
    bad = ingest([RELEASE_EVENTS], StubFeed(no_source), SPAN, tmp_path)

    assert not bad.published
    assert [f.rule.name for f in bad.rejected_by] == ["has_source"]
    assert published.read_bytes() == before
    assert bad.paths["release_events"].parent.parent.name == "release_events"
    assert "_rejected" in bad.paths["release_events"].parts


def test_a_mistyped_year_is_a_contract_violation_not_a_dropped_row(tmp_path: Path):
    good = read_events(DEFAULT_FILE)
    typo = [{**good[0], "local_date": dt.date(2204, 12, 5)}, *good[1:]]
    landed = ingest([RELEASE_EVENTS], StubFeed(typo), SPAN, tmp_path)
    assert not landed.published
    [finding] = landed.rejected_by
    assert finding.rule.name == "contract"
    assert finding.failing[0]["column"] == "local_date"
