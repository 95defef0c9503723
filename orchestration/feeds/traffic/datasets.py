"""The dataset the web traffic feed lands: estimated visits per tracked site and day."""

from __future__ import annotations

import pyarrow as pa

from orchestration.datasets import Freshness, RawDataset
from orchestration.quality.rules import WARN, Rule, non_negative, vanished_or_dropped

WEB_TRAFFIC = RawDataset(
    name="web_traffic",
    description=(
        "Estimated visits per tracked site per day (Similarweb-style, floats kept), with the "
        "domain measured and the site's category (text, image or video)."
    ),
    data_fields=(
        pa.field("site_id", pa.string(), nullable=False),
        pa.field("domain", pa.string(), nullable=False),
        pa.field("category", pa.string(), nullable=False),
        pa.field("date", pa.date32(), nullable=False),
        pa.field("visits", pa.float64(), nullable=False),
        pa.field("data_last_updated", pa.date32()),  # provider's meta.last_updated
    ),
    key=("site_id", "date"),
    rules=(
        Rule("non_negative", "Visits are >= 0.", non_negative("visits")),
        Rule(
            "vanished_or_dropped",
            "No site of last week is missing, or fell by more than 80 % in mean daily visits.",
            vanished_or_dropped("site_id", "visits"),
            lambda _: WARN,
        ),
    ),
    # Similarweb publishes about ten days after a day ends (docs/providers.md).
    freshness=Freshness(deadline_days=12, lag_days=10),
    column_descriptions={
        "data_last_updated": "the provider's meta.last_updated",
    },
)
