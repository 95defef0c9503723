"""The csv market feed: one `<WIND_CODE>.csv` per listing in a folder (`MARKET_CSV_DIR`).

Layout, as in ../shared/reference/market/: a header row naming `date` and `close`, and
optionally `open`, `high`, `low`, `adj_close`, `volume`, `shares_outstanding`, in any
column order; rows in any order; LF or CRLF line ends; empty cells are missing values.
`close` must be the close as traded (it makes the market cap); put split- and
dividend-adjusted closes in `adj_close`, which the changes use where present.

A listing with no file, or no rows in a week, is reported in the batch notes. A file
that cannot be read (no `date` or `close` column, a cell that is not a number, a date
twice) fails the run with the file and line named. The reading rules are
`orchestration.feeds.lib.csv_reading`'s, shared with the other csv feeds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from orchestration import seeds
from orchestration.feeds.lib.csv_reading import CsvFolderFeed, read_records

OPTIONAL = ("open", "high", "low", "adj_close", "volume", "shares_outstanding")


def read_listing_file(path: Path, symbol: str, currency: str) -> list[dict[str, Any]]:
    """Every row of one listing's file as bar dicts, checked."""
    bars = []
    for record in read_records(path, ["close"]):
        bar: dict[str, Any] = {
            "symbol": symbol,
            "date": record.day,
            "close": record.required_number("close"),
            "currency": currency,
        }
        for name in OPTIONAL:
            bar[name] = record.number(name)
        bar["source_ref"] = path.name
        bars.append(bar)
    return sorted(bars, key=lambda bar: bar["date"])


class CsvMarketFeed(
    CsvFolderFeed, env_var="MARKET_CSV_DIR", noun="listing(s)", read=read_listing_file
):
    """Daily bars read from a folder of per-listing CSV files, in the listing's currency."""

    def entities(self) -> dict[str, tuple[str]]:
        return {listing.symbol: (listing.currency,) for listing in seeds.watchlist()}
