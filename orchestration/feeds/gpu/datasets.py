"""The dataset the GPU feed lands: one price per card, condition, marketplace and day."""

from __future__ import annotations

import pyarrow as pa

from orchestration.datasets import Freshness, RawDataset, columns, described, nullable
from orchestration.feeds.gpu.rules import KNOWN_CONDITIONS, POSITIVE_PRICES, PRICE_SPIKES

GPU_PRICES = RawDataset(
    name="gpu_prices",
    data_fields=columns(
        product_id=described(pa.string(), "the gpu_products seed's id"),
        condition=described(pa.string(), "new or used"),
        marketplace=described(pa.string(), "amazon.com, ..."),
        date=described(pa.date32(), "the marketplace-local day"),
        price=described(pa.float64(), "in currency units (not cents)"),
        currency=pa.string(),
        is_carried_forward=described(
            pa.bool_(), "no price change that day; the earlier price carried"
        ),
        price_since=nullable(pa.date32(), "the day the price was set"),
    ),
    key=("product_id", "condition", "marketplace", "date"),
    description=(
        "One price per GPU card (the gpu_products seed), condition (new, used), marketplace "
        "and day, in the marketplace's currency: the last price at which the card was "
        "offered that day (marketplace-local date). A feed of price-change events (Keepa) "
        "carries the last known price forward to days without a change and marks them "
        "`is_carried_forward`; `price_since` is the day the price was set. A day without "
        "any offer has no row."
    ),
    rules=(POSITIVE_PRICES, KNOWN_CONDITIONS, PRICE_SPIKES),
    freshness=Freshness(deadline_days=2),
)
