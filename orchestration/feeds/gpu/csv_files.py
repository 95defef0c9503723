"""The csv GPU price feed: one `<product_id>.csv` per card in a folder (`GPU_CSV_DIR`).

Layout: a header naming `date`, `condition` and `price`, optionally `marketplace` and
`currency`; one row per day a price was observed, per condition and marketplace:

    date,condition,price,marketplace,currency
    2024-12-16,new,"25,999.00",amazon.com,USD
    2024-12-16,used,21950,amazon.com,USD

`condition` is `new` or `used` (any case); `price` is in currency units (not cents), read
by `parsing.text_number`. Without a `marketplace` cell, a row is the card's only listing
in the `gpu_listings` seed (a card listed on several marketplaces needs the cell);
without a `currency` cell, the currency of that marketplace if Keepa serves it
(amazon.com: USD), else the cell is required. A day without an offer has no row: rows
are landed as observed, never carried forward (`is_carried_forward` false, `price_since`
the row's date). The reading rules are `orchestration.feeds.lib.csv_reading`'s: a date, a
condition and a marketplace twice in a file, or an empty or non-numeric price, is an
error naming the file and line.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from orchestration import seeds
from orchestration.feeds.gpu.keepa import CONDITION_SERIES, MARKETPLACES
from orchestration.feeds.lib.base import FeedDataError
from orchestration.feeds.lib.csv_reading import CsvFolderFeed, read_records


def read_price_file(
    path: Path, product_id: str, listings: Iterable[seeds.GpuListing] | None = None
) -> list[dict[str, Any]]:
    """Every row of one card's file as gpu_prices rows, checked."""
    marketplaces = [
        listing.marketplace
        for listing in (listings if listings is not None else seeds.gpu_listings())
        if listing.product_id == product_id
    ]
    rows = []
    for record in read_records(
        path, ["condition", "price"], key_columns=("condition", "marketplace")
    ):
        condition = record.text("condition").lower()
        if condition not in CONDITION_SERIES:
            raise FeedDataError(f"{record.where}: condition {condition!r} is not new or used")
        marketplace = record.text("marketplace")
        if not marketplace:
            if len(marketplaces) != 1:
                raise FeedDataError(
                    f"{record.where}: no marketplace, and {product_id} has "
                    f"{len(marketplaces)} listings in the gpu_listings seed"
                )
            marketplace = marketplaces[0]
        currency = record.text("currency").upper()
        if not currency:
            if marketplace not in MARKETPLACES:
                raise FeedDataError(f"{record.where}: no currency for marketplace {marketplace}")
            currency = MARKETPLACES[marketplace].currency
        rows.append(
            {
                "product_id": product_id,
                "condition": condition,
                "marketplace": marketplace,
                "date": record.day,
                "price": record.required_number("price"),
                "currency": currency,
                "is_carried_forward": False,
                "price_since": record.day,
                "source_ref": path.name,
            }
        )
    return sorted(rows, key=lambda row: (row["date"], row["condition"], row["marketplace"]))


class CsvGpuFeed(CsvFolderFeed, env_var="GPU_CSV_DIR", noun="card(s)", read=read_price_file):
    """Daily GPU prices read from a folder of per-card CSV files."""

    def __init__(
        self, folder: str | Path, listings: Iterable[seeds.GpuListing] | None = None
    ) -> None:
        super().__init__(folder)
        self.listings = tuple(listings) if listings is not None else None  # None: the seed

    def entities(self) -> dict[str, tuple[tuple[seeds.GpuListing, ...] | None]]:
        listings = self.listings if self.listings is not None else seeds.gpu_listings()
        return {listing.product_id: (self.listings,) for listing in listings}
