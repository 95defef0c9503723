"""What a raw dataset is: its name, columns, types, key, rules and freshness.

Each feed declares its datasets in its own package (`orchestration/feeds/<feed>/
datasets.py`); `orchestration.feeds.raw_datasets` lists them all. A dataset's schema is
its contract with dbt: the dbt sources are generated from it (`orchestration.dbt_sources`).
Provenance columns (`source`, `source_ref`, `fetched_at`) are added by the landing step,
not by feeds, so every dataset carries them the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyarrow as pa

from orchestration.partitions import DateWindow

if TYPE_CHECKING:
    from orchestration.quality.rules import Rule

PROVENANCE_FIELDS = (
    pa.field("source", pa.string(), nullable=False),  # feed kind: demo, csv, yahoo, ...
    pa.field("source_ref", pa.string()),  # file name or endpoint, never a secret
    pa.field("fetched_at", pa.timestamp("us", tz="UTC"), nullable=False),
)


@dataclass(frozen=True)
class Freshness:
    """When a week of a dataset must be complete: `deadline_days` after it ends, holding
    the days through `lag_days` before today (a provider that publishes late), or through
    the last day `last_expected(window, day)` says the dataset has by `day` (its last
    session, its last weekday; None: nothing expected yet)."""

    deadline_days: int
    lag_days: int = 0
    last_expected: Callable[[DateWindow, dt.date], dt.date | None] | None = None


@dataclass(frozen=True)
class RawDataset:
    name: str  # asset key raw/<name>, folder raw/<name>/, dbt source raw.<name>
    description: str
    data_fields: tuple[pa.Field, ...]
    key: tuple[str, ...]  # one row per key per partition
    date_column: str = "date"  # the day a row belongs to; it decides the week
    partitioned: bool = True  # weekly partitions; False: one file for the whole span
    rules: tuple[Rule, ...] = ()  # its own, besides every dataset's (quality.rules.rules_of)
    freshness: Freshness | None = None  # None: no freshness check
    # What a column means, where its name does not say (documented in the dbt sources)
    column_descriptions: Mapping[str, str] = field(default_factory=dict, hash=False)

    @property
    def data_schema(self) -> pa.Schema:
        return pa.schema(self.data_fields)

    @property
    def schema(self) -> pa.Schema:
        return pa.schema(self.data_fields + PROVENANCE_FIELDS)
