"""The landing contract: typed rows or a clear error, atomic replacement of one partition."""

from __future__ import annotations

import datetime as dt
import re

import pyarrow.parquet as pq
import pytest

from orchestration.feeds.fx.datasets import FX_RATES
from orchestration.feeds.lib.base import FeedBatch
from orchestration.feeds.market.datasets import MARKET_BARS
from orchestration.ingest import ingest
from orchestration.landing import partition_file, read_partition, write_partition
from orchestration.partitions import WeekWindow
from orchestration.validation import ContractViolation, build_partition_table

WEEK = WeekWindow.from_partition_key("2024-12-16")
FETCHED = dt.datetime(2024, 12, 23, 1, 2, 3, tzinfo=dt.UTC)


def bar(day=dt.date(2024, 12, 18), **values):
    return {"symbol": "NVDA.O", "date": day, "close": 128.91, "currency": "USD", **values}


def table(rows, dataset=MARKET_BARS, week=WEEK):
    return build_partition_table(
        dataset, rows, week, source="demo", source_ref="test", fetched_at=FETCHED
    )


def test_rows_become_a_typed_table_with_provenance_sorted_by_key():
    result = table([bar(dt.date(2024, 12, 18), adj_close=128.8981), bar(dt.date(2024, 12, 16))])
    assert result.schema == MARKET_BARS.schema
    assert result.column("date").to_pylist() == [dt.date(2024, 12, 16), dt.date(2024, 12, 18)]
    assert result.column("adj_close").to_pylist() == [None, 128.8981]
    assert result.column("source").to_pylist() == ["demo", "demo"]
    assert result.column("fetched_at").to_pylist()[0] == FETCHED


def test_a_row_may_name_its_own_source_ref():
    result = table([bar(source_ref="NVDA.O.csv"), bar(dt.date(2024, 12, 17))])
    assert result.column("source_ref").to_pylist() == ["test", "NVDA.O.csv"]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (bar(close="128.91"), "row 0, column 'close' '128.91': expected a number, got str"),
        (bar(close=True), "expected a number, got bool"),
        (bar(close=float("inf")), "expected a finite number"),
        (bar(close=None), "row 0, column 'close' None: empty but required"),
        (bar(close=float("nan")), "column 'close' nan: empty but required"),
        (bar(day="2024-12-18"), "column 'date' '2024-12-18': expected a date, got str"),
        (bar(day=dt.datetime(2024, 12, 18, 9, 30)), "expected a date, got datetime"),
        (bar(symbol=688256), "column 'symbol' 688256: expected text"),
        (bar(price=1.0), "column 'price' 1.0: unknown column"),
    ],
)
def test_a_bad_value_is_named_not_coerced(row, message):
    with pytest.raises(ContractViolation, match=re.escape(message)):
        table([row])


def test_rows_outside_the_window_are_refused():
    with pytest.raises(
        ContractViolation, match=r"outside 2024-12-16..2024-12-23 \(end exclusive\)"
    ):
        table([bar(dt.date(2024, 12, 23))])


def test_every_violation_is_kept_not_just_the_first():
    with pytest.raises(ContractViolation, match="2 contract violation") as caught:
        table([bar(close="x"), bar(dt.date(2024, 12, 17)), bar(dt.date(2024, 12, 30))])
    assert [(v["row"], v["column"]) for v in caught.value.violations] == [(0, "close"), (2, "date")]


def test_fx_key_is_currency_and_date():
    rows = [
        {"date": dt.date(2024, 12, 18), "currency": "CNY", "units_per_usd": 7.2864},
        {"date": dt.date(2024, 12, 18), "currency": "KRW", "units_per_usd": 1435.6},
    ]
    assert table(rows, FX_RATES).num_rows == 2


def test_partition_path_and_atomic_replacement_of_one_week_only(tmp_path):
    other = WeekWindow.from_partition_key("2024-12-09")
    write_partition(
        tmp_path, "market_bars", other.start, table([bar(dt.date(2024, 12, 9))], week=other)
    )
    first = write_partition(tmp_path, "market_bars", WEEK.start, table([bar()]))
    assert first == tmp_path / "market_bars" / "week=2024-12-16" / "data.parquet"
    assert first == partition_file(tmp_path, "market_bars", WEEK.start)

    write_partition(tmp_path, "market_bars", WEEK.start, table([bar(close=130.0)]))
    assert pq.read_table(first).column("close").to_pylist() == [130.0]
    assert sorted(p.name for p in first.parent.iterdir()) == ["data.parquet"], "no temp file left"
    kept = read_partition(tmp_path, "market_bars", other.start)
    assert kept.column("date").to_pylist() == [dt.date(2024, 12, 9)]
    assert read_partition(tmp_path, "market_bars", dt.date(2024, 12, 2)) is None


class ListFeed:
    kind = "test"

    def __init__(self, rows):
        self.rows = rows

    def fetch(self, window):
        return FeedBatch(rows=list(self.rows), notes=["a note"], source_ref="list")


def test_ingest_reports_rows_notes_and_an_empty_week(tmp_path):
    landed = ingest([MARKET_BARS], ListFeed([bar()]), WEEK, tmp_path)
    assert (landed.published, landed.rows, landed.notes) == (True, {"market_bars": 1}, ("a note",))
    empty = ingest([MARKET_BARS], ListFeed([]), WEEK, tmp_path)
    assert empty.rows == {"market_bars": 0}
    assert empty.notes[-1] == "no market_bars rows at all in 2024-12-16..2024-12-23"
    assert read_partition(tmp_path, "market_bars", WEEK.start).num_rows == 0


def test_re_ingesting_a_week_lands_the_same_data_rows(tmp_path):
    rows = [bar(dt.date(2024, 12, 17)), bar(dt.date(2024, 12, 16))]
    ingest([MARKET_BARS], ListFeed(rows), WEEK, tmp_path, fetched_at=FETCHED)
    first = read_partition(tmp_path, "market_bars", WEEK.start)
    ingest([MARKET_BARS], ListFeed(rows[::-1]), WEEK, tmp_path)
    second = read_partition(tmp_path, "market_bars", WEEK.start)
    data = [f.name for f in MARKET_BARS.data_fields]
    assert first.select(data).equals(second.select(data))
    assert first.column("fetched_at") != second.column("fetched_at")
