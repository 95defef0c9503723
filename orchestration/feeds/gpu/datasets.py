"""The dataset the GPU feed lands: one price per card, condition, marketplace and day."""

from __future__ import annotations

import pyarrow as pa

from orchestration.datasets import Freshness, RawDataset
from orchestration.feeds.gpu.rules import KNOWN_CONDITIONS, POSITIVE_PRICES, PRICE_SPIKES

GPU_PRICES = RawDataset(
    name="gpu_prices",
    description=(
        "One price per GPU card (the gpu_products seed), condition (new, used), marketplace "
        "and day, in the marketplace's currency: the last price at which the card was "
        "offered that day (marketplace-local date). A feed of price-change events (Keepa) "
        "carries the last known price forward to days without a change and marks them "
        "`is_carried_forward`; `price_since` is the day the price was set. A day without "
        "any offer has no row."
    ),
    data_fields=(
        pa.field("product_id", pa.string(), nullable=False),
        pa.field("condition", pa.string(), nullable=False),  # new | used
        pa.field("marketplace", pa.string(), nullable=False),  # amazon.com, ...
        pa.field("date", pa.date32(), nullable=False),
        pa.field("price", pa.float64(), nullable=False),  # currency units, not cents
        pa.field("currency", pa.string(), nullable=False),
        pa.field("is_carried_forward", pa.bool_(), nullable=False),
        pa.field("price_since", pa.date32()),  # the day the price was set (None: unknown)
    ),
    key=("product_id", "condition", "marketplace", "date"),
    rules=(POSITIVE_PRICES, KNOWN_CONDITIONS, PRICE_SPIKES),
    freshness=Freshness(deadline_days=2),
    column_descriptions={
        "product_id": "the gpu_products seed's id",
        "condition": "new or used",
        "marketplace": "amazon.com, ...",
        "date": "the marketplace-local day",
        "price": "in currency units (not cents)",
        "is_carried_forward": "no price change that day; the earlier price carried",
        "price_since": "the day the price was set",
    },
)
