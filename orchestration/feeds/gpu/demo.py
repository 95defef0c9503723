"""The demo GPU price feed: Keepa-shaped `product` answers from the demo GPU model.

One answer per listing and week, as the live client would get it at the end of the week
(or today, for the week in progress): the listing's whole history of new and used price
changes up to then in Keepa's `csv` arrays (Keepa minutes, cents, -1 for no offer),
`lastUpdate` the minute before. It goes through `keepa.find_product` and
`keepa.parse_prices`, the live client's parser, so the carry-forward, the marketplace's
day and the -1 handling are the same code. Listings of cards the demo model has no profile
for, or on a marketplace Keepa does not serve, are notes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from orchestration import seeds
from orchestration.feeds.gpu import demo_model as gpu_model
from orchestration.feeds.gpu.keepa import (
    CONDITION_SERIES,
    MARKETPLACES,
    find_product,
    keepa_minutes,
    parse_prices,
)
from orchestration.feeds.lib.base import FeedBatch
from orchestration.partitions import DateWindow, report_today


def demo_asin(listing: seeds.GpuListing) -> str:
    """The ASIN the demo answers for: the pinned one, else a placeholder (not an ASIN)."""
    return listing.asin or f"DEMO-{listing.product_id}"


def product_payload(listing: seeds.GpuListing, end: dt.date) -> dict[str, Any]:
    """What Keepa's `product?history=1` answers for a listing, fetched as `end` (a
    marketplace-local day) begins: its history before `end`."""
    market = MARKETPLACES[listing.marketplace]
    zone = ZoneInfo(market.time_zone)
    fetched = dt.datetime.combine(end, dt.time(), tzinfo=zone) - dt.timedelta(minutes=1)
    history: list[list[int] | None] = [None] * (max(CONDITION_SERIES.values()) + 1)
    for condition, index in CONDITION_SERIES.items():
        series: list[int] = []
        for event in gpu_model.events(
            listing.product_id, condition, listing.tracked_from, market.time_zone, end
        ):
            series += [keepa_minutes(event.at), event.minor_units]
        history[index] = series or None
    return {
        "timestamp": int(fetched.timestamp() * 1000),
        "tokensLeft": 1199,
        "refillIn": 42000,
        "refillRate": 20,
        "tokensConsumed": 1,
        "products": [
            {
                "asin": demo_asin(listing),
                "domainId": market.domain_id,
                "productType": 0,
                "title": seeds.gpu_products()[listing.product_id].display_name,
                "trackingSince": keepa_minutes(
                    dt.datetime.combine(listing.tracked_from, dt.time(), tzinfo=zone)
                ),
                "lastUpdate": keepa_minutes(fetched),
                "csv": history,
            }
        ],
    }


class DemoGpuFeed:
    kind = "demo"

    def __init__(
        self, today: dt.date | None = None, listings: Iterable[seeds.GpuListing] | None = None
    ) -> None:
        self.today = today or report_today()
        self.listings = tuple(listings) if listings is not None else None  # None: the seed

    def fetch(self, week: DateWindow) -> FeedBatch:
        batch = FeedBatch(rows=[], source_ref="demo:keepa-product")
        unserved = []
        for listing in self.listings or seeds.gpu_listings():
            served = week.clip(start=listing.tracked_from, end=self.today)
            if served is None:
                continue
            if (
                listing.product_id not in gpu_model.profiles()
                or listing.marketplace not in MARKETPLACES
            ):
                unserved.append(f"{listing.product_id} ({listing.marketplace})")
                continue
            product = find_product(product_payload(listing, served.end), demo_asin(listing))
            assert product is not None
            rows, notes = parse_prices(product, listing=listing, window=served)
            batch.rows.extend(rows)
            batch.notes.extend(notes)
        if unserved:
            batch.notes.append(
                f"the demo has no price model for {len(unserved)} listing(s): "
                + ", ".join(unserved)
            )
        return batch
