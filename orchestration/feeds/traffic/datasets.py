"""The dataset the web traffic feed lands: estimated visits per tracked site and day."""

from __future__ import annotations

import pyarrow as pa

from orchestration.datasets import Freshness, RawDataset, columns, nullable
from orchestration.quality.rules import activity_rules

WEB_TRAFFIC = RawDataset(
    name="web_traffic",
    description=(
        "Estimated visits per tracked site per day (Similarweb-style, floats kept), with the "
        "domain measured and the site's category (text, image or video)."
    ),
    data_fields=columns(
        site_id=pa.string(),
        domain=pa.string(),
        category=pa.string(),
        date=pa.date32(),
        visits=pa.float64(),
        data_last_updated=nullable(pa.date32(), "the provider's meta.last_updated"),
    ),
    key=("site_id", "date"),
    rules=activity_rules("site_id", "visits", "site"),
    # Similarweb releases a day's data within 72 hours after it ends (docs/providers.md):
    # data through three days ago; the week complete five days after it ends.
    freshness=Freshness(deadline_days=5, lag_days=3),
)
