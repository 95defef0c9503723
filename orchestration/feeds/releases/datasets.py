"""The dataset the release calendar lands whole: AI product releases kept by analysts."""

from __future__ import annotations

import pyarrow as pa

from orchestration.datasets import RawDataset, columns, described, nullable
from orchestration.feeds.releases.rules import HAS_SOURCE, NO_DUPLICATE_EVENTS, VALID_TIME_ZONES

RELEASE_EVENTS = RawDataset(
    name="release_events",
    description=(
        "AI product releases kept by analysts in data/release_events.csv: the local date "
        "and time as announced with its IANA time zone, vendor, product, highlight (English, "
        "and Chinese where the report has it) and a source URL. Landed whole on every run, "
        "so an edit to any event reaches the marts at the next run."
    ),
    partitioned=False,
    date_column="local_date",
    data_fields=columns(
        event_id=pa.string(),
        vendor=pa.string(),
        product=pa.string(),
        product_zh=nullable(pa.string()),
        highlight=pa.string(),
        highlight_zh=nullable(pa.string()),
        local_date=described(pa.date32(), "the date as announced, in time_zone"),
        local_time=nullable(pa.string(), "HH:MM as announced; null if not known"),
        time_zone=described(pa.string(), "IANA time zone of the announcement"),
        source_url=nullable(pa.string()),
    ),
    key=("event_id",),
    rules=(VALID_TIME_ZONES, NO_DUPLICATE_EVENTS, HAS_SOURCE),
)
