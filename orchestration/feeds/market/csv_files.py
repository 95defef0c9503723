"""The csv market feed: one `<WIND_CODE>.csv` per listing in a folder (`MARKET_CSV_DIR`).

Layout, as in ../shared/reference/market/: a header row naming `date` and `close`, and
optionally `open`, `high`, `low`, `adj_close`, `volume`, `shares_outstanding`, in any
column order; rows in any order; LF or CRLF line ends; empty cells are missing values.
`close` must be the close as traded (it makes the market cap); put split- and
dividend-adjusted closes in `adj_close`, which the changes use where present.

A listing with no file, or no rows in a week, is reported in the batch notes. A file
that cannot be read (no `date` or `close` column, a cell that is not a number, a date
twice) fails the run with the file and line named.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

from orchestration import seeds
from orchestration.feeds.base import FeedBatch, FeedConfigError, FeedDataError
from orchestration.feeds.parsing import iso_date, text_number
from orchestration.partitions import DateWindow

REQUIRED = ("date", "close")
OPTIONAL = ("open", "high", "low", "adj_close", "volume", "shares_outstanding")


def read_listing_file(path: Path, symbol: str, currency: str) -> list[dict[str, Any]]:
    """Every row of one listing's file as bar dicts, checked."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = [name.strip().lower() for name in (reader.fieldnames or [])]
        missing = [name for name in REQUIRED if name not in header]
        if missing:
            raise FeedDataError(f"{path.name}: no {', '.join(missing)} column (header {header})")
        reader.fieldnames = header
        bars: dict[dt.date, dict[str, Any]] = {}
        for record in reader:
            where = f"{path.name} line {reader.line_num}"
            raw_date = (record.get("date") or "").strip()
            if not raw_date:
                raise FeedDataError(f"{where}: empty date")
            day = iso_date(raw_date, where)
            if day in bars:
                raise FeedDataError(f"{where}: {day} appears twice")
            close = text_number(record.get("close") or "", f"{where} close")
            if close is None:
                raise FeedDataError(f"{where}: empty close")
            bar: dict[str, Any] = {
                "symbol": symbol,
                "date": day,
                "close": close,
                "currency": currency,
            }
            for name in OPTIONAL:
                bar[name] = text_number(record.get(name) or "", f"{where} {name}")
            bar["source_ref"] = path.name
            bars[day] = bar
    return [bars[day] for day in sorted(bars)]


class CsvMarketFeed:
    """Daily bars read from a folder of per-listing CSV files."""

    kind = "csv"

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise FeedConfigError(f"MARKET_CSV_DIR={str(folder)!r} is not a directory")
        self._files: dict[str, list[dict[str, Any]] | None] = {}

    def _bars(self, listing: seeds.Listing) -> list[dict[str, Any]] | None:
        if listing.symbol not in self._files:
            path = self.folder / f"{listing.symbol}.csv"
            self._files[listing.symbol] = (
                read_listing_file(path, listing.symbol, listing.currency) if path.exists() else None
            )
        return self._files[listing.symbol]

    def fetch(self, week: DateWindow) -> FeedBatch:
        batch = FeedBatch(rows=[])
        missing_files, empty_weeks = [], []
        for listing in seeds.watchlist():
            bars = self._bars(listing)
            if bars is None:
                missing_files.append(listing.symbol)
                continue
            in_week = [bar for bar in bars if bar["date"] in week]
            if not in_week:
                empty_weeks.append(listing.symbol)
            batch.rows.extend(in_week)
        if missing_files:
            batch.notes.append(
                f"no file in {self.folder} for {len(missing_files)} listing(s): "
                + ", ".join(missing_files)
            )
        if empty_weeks:
            batch.notes.append(
                f"no rows in the week of {week.start} for {len(empty_weeks)} listing(s): "
                + ", ".join(empty_weeks)
            )
        return batch
