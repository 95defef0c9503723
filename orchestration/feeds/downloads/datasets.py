"""The dataset the app downloads feed lands: estimated downloads per app, platform and
day."""

from __future__ import annotations

import pyarrow as pa

from orchestration.datasets import Freshness, RawDataset
from orchestration.quality.rules import WARN, Rule, non_negative, vanished_or_dropped

APP_DOWNLOADS = RawDataset(
    name="app_downloads",
    description="Estimated downloads per tracked app per day and platform (Qimai-style).",
    data_fields=(
        pa.field("app_id", pa.string(), nullable=False),
        pa.field("platform", pa.string(), nullable=False),
        pa.field("date", pa.date32(), nullable=False),
        pa.field("downloads", pa.float64(), nullable=False),
    ),
    key=("app_id", "platform", "date"),
    rules=(
        Rule("non_negative", "Downloads are >= 0.", non_negative("downloads")),
        Rule(
            "vanished_or_dropped",
            "No app of last week is missing, or fell by more than 80 % in mean daily downloads.",
            vanished_or_dropped("app_id", "downloads"),
            lambda _: WARN,
        ),
    ),
    freshness=Freshness(deadline_days=3, lag_days=1),
)
