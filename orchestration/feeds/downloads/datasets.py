"""The dataset the app downloads feed lands: estimated downloads per app, platform and
day."""

from __future__ import annotations

import pyarrow as pa

from orchestration.datasets import Freshness, RawDataset, columns
from orchestration.quality.rules import activity_rules

APP_DOWNLOADS = RawDataset(
    name="app_downloads",
    description="Estimated downloads per tracked app per day and platform (Qimai-style).",
    data_fields=columns(
        app_id=pa.string(), platform=pa.string(), date=pa.date32(), downloads=pa.float64()
    ),
    key=("app_id", "platform", "date"),
    rules=activity_rules("app_id", "downloads", "app"),
    freshness=Freshness(deadline_days=3, lag_days=1),
)
