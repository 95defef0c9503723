"""What a raw dataset is: its name, columns, types, key, rules and freshness.

Each feed declares its datasets in its own package (`orchestration/feeds/<feed>/
datasets.py`); `orchestration.feeds.raw_datasets` lists them all. A dataset's schema is
its contract with dbt: the dbt sources are generated from it (`orchestration.dbt_sources`).
Provenance columns (`source`, `source_ref`, `fetched_at`) are added by the landing step,
not by feeds, so every dataset carries them the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
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


DESCRIPTION = b"description"  # the field metadata key of a column's meaning


@dataclass(frozen=True)
class Column:
    """A column's type, whether it may be empty, and what it means where its name does not
    say (documented in the dbt sources)."""

    type: pa.DataType
    description: str = ""
    nullable: bool = False


def described(type_: pa.DataType, description: str) -> Column:
    """A NOT NULL column with a description."""
    return Column(type_, description)


def nullable(type_: pa.DataType, description: str = "") -> Column:
    """A column that may be empty."""
    return Column(type_, description, nullable=True)


def columns(**kinds: pa.DataType | Column) -> tuple[pa.Field, ...]:
    """A dataset's columns in the order given, each a type (NOT NULL) or a `Column`:
    `columns(symbol=pa.string(), volume=nullable(pa.float64()), date=described(...))`."""
    fields = []
    for name, kind in kinds.items():
        column = kind if isinstance(kind, Column) else Column(kind)
        metadata = {DESCRIPTION: column.description.encode()} if column.description else None
        fields.append(pa.field(name, column.type, nullable=column.nullable, metadata=metadata))
    return tuple(fields)


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

    @property
    def column_descriptions(self) -> dict[str, str]:
        """What a column means, where its name does not say (`described`, `nullable`)."""
        return {
            field.name: field.metadata[DESCRIPTION].decode()
            for field in self.data_fields
            if field.metadata and DESCRIPTION in field.metadata
        }

    @property
    def data_schema(self) -> pa.Schema:
        """The feed's columns, as landed: descriptions are documentation, not Parquet
        metadata."""
        return pa.schema(field.remove_metadata() for field in self.data_fields)

    @property
    def schema(self) -> pa.Schema:
        return pa.schema(list(self.data_schema) + list(PROVENANCE_FIELDS))
