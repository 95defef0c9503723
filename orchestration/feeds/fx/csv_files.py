"""The csv FX feed: one `USD<CCY>.csv` per currency in a folder (`FX_CSV_DIR`).

Layout, as in ../shared/reference/fx/USDCNY.csv: a header naming `date` and
`<ccy>_per_usd` (e.g. `cny_per_usd`: units of the currency per 1 USD). A blank value is
a day without a quote (a holiday), skipped; a value that is not a positive number is an
error naming the file and line. The reading rules are
`orchestration.feeds.lib.csv_reading`'s. It also serves as the fallback of the Frankfurter
feed for currencies Frankfurter does not quote (TWD).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from orchestration import seeds
from orchestration.feeds.lib.base import FeedDataError
from orchestration.feeds.lib.csv_reading import CsvFolderFeed, read_records


def read_rate_file(path: Path, currency: str) -> list[dict[str, Any]]:
    """The quoted days of one currency's file as FX rows, checked."""
    column = f"{currency.lower()}_per_usd"
    rows = []
    for record in read_records(path, [column]):
        rate = record.number(column)
        if rate is None:
            continue
        if rate <= 0:
            raise FeedDataError(f"{record.where}: {column} {rate:g} is not positive")
        rows.append(
            {
                "date": record.day,
                "currency": currency,
                "units_per_usd": rate,
                "source_ref": path.name,
            }
        )
    return sorted(rows, key=lambda row: row["date"])


class CsvFxFeed(
    CsvFolderFeed,
    env_var="FX_CSV_DIR",
    noun="currency(ies)",
    read=read_rate_file,
    file_name="USD{}.csv",
):
    """Daily FX rates read from a folder of `USD<CCY>.csv` files."""

    def __init__(self, folder: str | Path, *, currencies: Iterable[str] | None = None) -> None:
        super().__init__(folder)
        self.currencies = [c.upper() for c in currencies] if currencies is not None else None

    def entities(self) -> dict[str, tuple[()]]:
        wanted = self.currencies if self.currencies is not None else seeds.watchlist_currencies()
        return dict.fromkeys(wanted, ())
