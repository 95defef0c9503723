"""The dataset the release calendar lands whole: AI product releases kept by analysts."""

from __future__ import annotations

import pyarrow as pa

from orchestration.datasets import RawDataset
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
    data_fields=(
        pa.field("event_id", pa.string(), nullable=False),
        pa.field("vendor", pa.string(), nullable=False),
        pa.field("product", pa.string(), nullable=False),
        pa.field("product_zh", pa.string()),
        pa.field("highlight", pa.string(), nullable=False),
        pa.field("highlight_zh", pa.string()),
        pa.field("local_date", pa.date32(), nullable=False),
        pa.field("local_time", pa.string()),  # HH:MM as announced; None: time not known
        pa.field("time_zone", pa.string(), nullable=False),  # IANA, e.g. America/Los_Angeles
        pa.field("source_url", pa.string()),  # checked by the has_source rule
    ),
    key=("event_id",),
    rules=(VALID_TIME_ZONES, NO_DUPLICATE_EVENTS, HAS_SOURCE),
    column_descriptions={
        "local_date": "the date as announced, in time_zone",
        "local_time": "HH:MM as announced; null if not known",
        "time_zone": "IANA time zone of the announcement",
    },
)
