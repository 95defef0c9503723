"""The csv market feed: read_listing_file (one file) and CsvMarketFeed (a folder, a week)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from orchestration.feeds.lib.base import FeedConfigError, FeedDataError
from orchestration.feeds.market.csv_files import CsvMarketFeed, read_listing_file
from orchestration.partitions import WeekWindow
from orchestration.settings import SEEDS_DIR

WEEK = WeekWindow.from_partition_key("2024-12-16")  # 2024-12-16 .. 2024-12-22


def watchlist_symbols() -> list[str]:
    with (SEEDS_DIR / "watchlist.csv").open(newline="", encoding="utf-8") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda row: int(row["display_order"]))
    return [row["symbol"] for row in rows]


def write(folder: Path, name: str, text: str, *, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def bar(day: dt.date, close: float, **values: float | None) -> dict[str, object]:
    """The full bar dict for NVDA.O, optional columns None unless given."""
    row: dict[str, object] = {
        "symbol": "NVDA.O",
        "date": day,
        "close": close,
        "currency": "USD",
        "open": None,
        "high": None,
        "low": None,
        "adj_close": None,
        "volume": None,
        "shares_outstanding": None,
        "source_ref": "NVDA.O.csv",
    }
    row.update(values)
    return row


# --- the week window the feed filters on ----------------------------------------------


def test_week_window_covers_monday_to_sunday_end_exclusive() -> None:
    assert WEEK.start == dt.date(2024, 12, 16)
    assert WEEK.end == dt.date(2024, 12, 23)
    assert dt.date(2024, 12, 16) in WEEK
    assert dt.date(2024, 12, 22) in WEEK
    assert dt.date(2024, 12, 23) not in WEEK
    assert dt.date(2024, 12, 15) not in WEEK


def test_the_watchlist_has_33_listings() -> None:
    symbols = watchlist_symbols()
    assert len(symbols) == 33
    assert "NVDA.O" in symbols and "000660.KS" in symbols


# --- read_listing_file: layout --------------------------------------------------------


def test_columns_in_any_order(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "NVDA.O.csv",
        "close,volume,date,adj_close\n130.39,245000000,2024-12-17,130.37\n",
    )

    assert read_listing_file(path, "NVDA.O", "USD") == [
        bar(dt.date(2024, 12, 17), 130.39, volume=245000000.0, adj_close=130.37)
    ]


def test_all_optional_columns_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "NVDA.O.csv",
        "date,open,high,low,close,adj_close,volume,shares_outstanding\n"
        "2024-12-17,129.1,131.59,126.86,130.39,130.37,245000000,24490000000\n",
    )

    assert read_listing_file(path, "NVDA.O", "USD") == [
        bar(
            dt.date(2024, 12, 17),
            130.39,
            open=129.1,
            high=131.59,
            low=126.86,
            adj_close=130.37,
            volume=245000000.0,
            shares_outstanding=24490000000.0,
        )
    ]


def test_rows_in_any_order_come_out_sorted_by_date(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "NVDA.O.csv",
        "date,close\n2024-12-18,3\n2024-12-16,1\n2024-12-17,2\n",
    )

    rows = read_listing_file(path, "NVDA.O", "USD")

    assert [(row["date"], row["close"]) for row in rows] == [
        (dt.date(2024, 12, 16), 1.0),
        (dt.date(2024, 12, 17), 2.0),
        (dt.date(2024, 12, 18), 3.0),
    ]


def test_crlf_line_endings(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "NVDA.O.csv",
        "date,close,volume\r\n2024-12-16,132.0,1000\r\n2024-12-17,130.39,2000\r\n",
    )
    assert b"\r\n" in path.read_bytes()

    assert read_listing_file(path, "NVDA.O", "USD") == [
        bar(dt.date(2024, 12, 16), 132.0, volume=1000.0),
        bar(dt.date(2024, 12, 17), 130.39, volume=2000.0),
    ]


def test_utf8_bom_does_not_hide_the_first_column(tmp_path: Path) -> None:
    path = write(tmp_path, "NVDA.O.csv", "date,close\n2024-12-17,130.39\n", encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")

    assert read_listing_file(path, "NVDA.O", "USD") == [bar(dt.date(2024, 12, 17), 130.39)]


def test_header_names_are_trimmed_and_case_insensitive(tmp_path: Path) -> None:
    path = write(tmp_path, "NVDA.O.csv", " Date , CLOSE ,Volume\n2024-12-17,130.39,5\n")

    assert read_listing_file(path, "NVDA.O", "USD") == [
        bar(dt.date(2024, 12, 17), 130.39, volume=5.0)
    ]


def test_empty_optional_cells_are_none(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "NVDA.O.csv",
        "date,open,high,low,close,adj_close,volume\n2024-12-17,,, ,130.39,,\n",
    )

    assert read_listing_file(path, "NVDA.O", "USD") == [bar(dt.date(2024, 12, 17), 130.39)]


def test_short_row_leaves_trailing_optionals_none(tmp_path: Path) -> None:
    path = write(tmp_path, "NVDA.O.csv", "date,close,volume\n2024-12-17,130.39\n")
    assert read_listing_file(path, "NVDA.O", "USD") == [bar(dt.date(2024, 12, 17), 130.39)]


def test_quoted_thousands_separators_parse(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "NVDA.O.csv",
        'date,close,volume,shares_outstanding\n2024-12-17,"1,234.5","12,345,678","24,490,000,000"\n',
    )

    assert read_listing_file(path, "NVDA.O", "USD") == [
        bar(
            dt.date(2024, 12, 17),
            1234.5,
            volume=12345678.0,
            shares_outstanding=24490000000.0,
        )
    ]


def test_cells_with_surrounding_spaces_parse(tmp_path: Path) -> None:
    path = write(tmp_path, "NVDA.O.csv", "date,close\n 2024-12-17 , 130.39 \n")
    assert read_listing_file(path, "NVDA.O", "USD") == [bar(dt.date(2024, 12, 17), 130.39)]


def test_rows_carry_symbol_currency_and_source_ref_given(tmp_path: Path) -> None:
    path = write(tmp_path, "000660.KS.csv", "date,close\n2024-12-17,171900\n")

    [row] = read_listing_file(path, "000660.KS", "KRW")

    assert (row["symbol"], row["currency"], row["source_ref"]) == (
        "000660.KS",
        "KRW",
        "000660.KS.csv",
    )
    assert row["close"] == 171900.0


def test_header_only_file_gives_no_rows(tmp_path: Path) -> None:
    path = write(tmp_path, "NVDA.O.csv", "date,close\n")
    assert read_listing_file(path, "NVDA.O", "USD") == []


# --- read_listing_file: errors name the file and line ---------------------------------


def test_missing_close_column_raises_naming_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "NVDA.O.csv", "date,open,adj_close\n2024-12-17,1,2\n")
    with pytest.raises(FeedDataError, match=r"NVDA\.O\.csv: no close column"):
        read_listing_file(path, "NVDA.O", "USD")


def test_missing_date_column_raises_naming_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "NVDA.O.csv", "day,close\n2024-12-17,1\n")
    with pytest.raises(FeedDataError, match=r"NVDA\.O\.csv: no date column"):
        read_listing_file(path, "NVDA.O", "USD")


def test_empty_file_raises_naming_both_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "NVDA.O.csv", "")
    with pytest.raises(FeedDataError, match=r"NVDA\.O\.csv: no date, close column"):
        read_listing_file(path, "NVDA.O", "USD")


def test_non_numeric_close_raises_naming_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "NVDA.O.csv", "date,close\n2024-12-16,132.0\n2024-12-17,n/a\n")
    with pytest.raises(FeedDataError, match=r"NVDA\.O\.csv line 3 close: 'n/a' is not a number"):
        read_listing_file(path, "NVDA.O", "USD")


def test_non_numeric_optional_cell_raises_naming_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "NVDA.O.csv", "date,close,volume\n2024-12-17,130.39,lots\n")
    with pytest.raises(FeedDataError, match=r"NVDA\.O\.csv line 2 volume: 'lots' is not a number"):
        read_listing_file(path, "NVDA.O", "USD")


def test_empty_close_raises_naming_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "NVDA.O.csv", "date,close,volume\n2024-12-17,,100\n")
    with pytest.raises(FeedDataError, match=r"NVDA\.O\.csv line 2: empty close"):
        read_listing_file(path, "NVDA.O", "USD")


@pytest.mark.parametrize("raw", ["2024/12/17", "17-12-2024", "2024-02-30", "yesterday"])
def test_bad_date_raises_naming_file_and_line(tmp_path: Path, raw: str) -> None:
    path = write(tmp_path, "NVDA.O.csv", f"date,close\n{raw},130.39\n")
    with pytest.raises(
        FeedDataError, match=r"NVDA\.O\.csv line 2: .* is not a (YYYY-MM-DD|calendar) date"
    ):
        read_listing_file(path, "NVDA.O", "USD")


def test_empty_date_raises_naming_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "NVDA.O.csv", "date,close\n2024-12-16,1\n,130.39\n")
    with pytest.raises(FeedDataError, match=r"NVDA\.O\.csv line 3: empty date"):
        read_listing_file(path, "NVDA.O", "USD")


def test_a_date_twice_raises_naming_file_and_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "NVDA.O.csv",
        "date,close\n2024-12-16,1\n2024-12-17,2\n2024-12-16,3\n",
    )
    with pytest.raises(FeedDataError, match=r"NVDA\.O\.csv line 4: 2024-12-16 appears twice"):
        read_listing_file(path, "NVDA.O", "USD")


def test_line_number_after_a_blank_line_is_the_file_line(tmp_path: Path) -> None:
    path = write(tmp_path, "NVDA.O.csv", "date,close\n2024-12-16,1\n\n2024-12-17,x\n")
    with pytest.raises(FeedDataError, match=r"NVDA\.O\.csv line 4 "):
        read_listing_file(path, "NVDA.O", "USD")


# --- CsvMarketFeed --------------------------------------------------------------------


def test_folder_that_does_not_exist_raises_config_error(tmp_path: Path) -> None:
    with pytest.raises(FeedConfigError, match="is not a directory"):
        CsvMarketFeed(tmp_path / "nowhere")


def test_folder_that_is_a_file_raises_config_error(tmp_path: Path) -> None:
    path = write(tmp_path, "market.csv", "date,close\n")
    with pytest.raises(FeedConfigError, match="is not a directory"):
        CsvMarketFeed(path)


def test_fetch_keeps_only_rows_in_the_week(tmp_path: Path) -> None:
    write(
        tmp_path,
        "NVDA.O.csv",
        "date,close\n"
        "2024-12-15,1\n"  # Sunday before
        "2024-12-16,2\n"  # Monday: first day
        "2024-12-22,3\n"  # Sunday: last day
        "2024-12-23,4\n",  # next Monday: excluded
    )

    batch = CsvMarketFeed(tmp_path).fetch(WEEK)

    assert batch.rows == [bar(dt.date(2024, 12, 16), 2.0), bar(dt.date(2024, 12, 22), 3.0)]


def test_fetch_reports_32_missing_files_in_notes_without_raising(tmp_path: Path) -> None:
    write(tmp_path, "NVDA.O.csv", "date,close\n2024-12-17,130.39\n")

    batch = CsvMarketFeed(tmp_path).fetch(WEEK)

    expected_missing = [symbol for symbol in watchlist_symbols() if symbol != "NVDA.O"]
    assert len(expected_missing) == 32
    assert batch.notes == [
        f"no file in {tmp_path} for 32 listing(s): " + ", ".join(expected_missing)
    ]
    assert batch.rows == [bar(dt.date(2024, 12, 17), 130.39)]


def test_fetch_reports_a_listing_with_no_rows_in_the_week(tmp_path: Path) -> None:
    for symbol in watchlist_symbols():
        write(tmp_path, f"{symbol}.csv", "date,close\n2024-12-17,10\n")
    write(tmp_path, "NVDA.O.csv", "date,close\n2024-12-09,1\n2024-12-23,2\n")

    batch = CsvMarketFeed(tmp_path).fetch(WEEK)

    assert batch.notes == ["no rows in the week of 2024-12-16 for 1 listing(s): NVDA.O"]
    assert "NVDA.O" not in {row["symbol"] for row in batch.rows}
    assert len(batch.rows) == 32


def test_fetch_with_every_file_and_row_has_no_notes(tmp_path: Path) -> None:
    for symbol in watchlist_symbols():
        write(tmp_path, f"{symbol}.csv", "date,close\n2024-12-17,10\n")

    batch = CsvMarketFeed(tmp_path).fetch(WEEK)

    assert batch.notes == []
    assert [row["symbol"] for row in batch.rows] == watchlist_symbols()


def test_fetch_rows_carry_watchlist_currency_and_file_name(tmp_path: Path) -> None:
    write(tmp_path, "NVDA.O.csv", "date,close\n2024-12-17,130.39\n")
    write(tmp_path, "000660.KS.csv", "date,close\n2024-12-17,171900\n")

    batch = CsvMarketFeed(tmp_path).fetch(WEEK)

    by_symbol = {row["symbol"]: row for row in batch.rows}
    assert (by_symbol["NVDA.O"]["currency"], by_symbol["NVDA.O"]["source_ref"]) == (
        "USD",
        "NVDA.O.csv",
    )
    assert (by_symbol["000660.KS"]["currency"], by_symbol["000660.KS"]["source_ref"]) == (
        "KRW",
        "000660.KS.csv",
    )
    assert by_symbol["000660.KS"]["close"] == 171900.0


def test_fetch_ignores_files_not_on_the_watchlist(tmp_path: Path) -> None:
    write(tmp_path, "NVDA.O.csv", "date,close\n2024-12-17,130.39\n")
    write(tmp_path, "AAPL.O.csv", "date,close\n2024-12-17,250\n")

    batch = CsvMarketFeed(tmp_path).fetch(WEEK)

    assert {row["symbol"] for row in batch.rows} == {"NVDA.O"}


def test_fetch_raises_on_a_bad_file_naming_it(tmp_path: Path) -> None:
    write(tmp_path, "NVDA.O.csv", "date,close\n2024-12-17,130.39\n")
    write(tmp_path, "000660.KS.csv", "date,close\n2024-12-17,oops\n")

    with pytest.raises(FeedDataError, match=r"000660\.KS\.csv line 2 close"):
        CsvMarketFeed(tmp_path).fetch(WEEK)


def test_fetch_raises_on_a_bad_row_outside_the_week(tmp_path: Path) -> None:
    write(tmp_path, "NVDA.O.csv", "date,close\n2024-12-17,130.39\n2023-01-03,\n")

    with pytest.raises(FeedDataError, match=r"NVDA\.O\.csv line 3: empty close"):
        CsvMarketFeed(tmp_path).fetch(WEEK)
