"""The contract every landed partition meets, checked before anything is written.

`build_partition_table` turns a feed's rows into a typed Arrow table of the dataset's
schema, or raises `ContractViolation` saying which column, which row and which value
broke it: wrong type, a null where none is allowed, a date outside the window, or a key
that appears twice. Nothing is coerced silently: a string where a number belongs is an
error, not a NULL.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from typing import Any

import pyarrow as pa

from orchestration.datasets import RawDataset
from orchestration.feeds.base import FeedDataError
from orchestration.partitions import DateWindow

SAMPLE_SIZE = 5


class ContractViolation(FeedDataError):
    """Rows that break a raw dataset's contract; nothing of the partition is written."""


def _convert(value: Any, field: pa.Field) -> Any:
    """One value to the Python type Arrow expects for `field`, or raise TypeError."""
    if value is None:
        return None
    kind = field.type
    if pa.types.is_floating(kind):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"expected a number, got {type(value).__name__} {value!r}")
        number = float(value)
        if math.isnan(number):
            return None
        if math.isinf(number):
            raise TypeError(f"expected a finite number, got {value!r}")
        return number
    if pa.types.is_string(kind):
        if not isinstance(value, str):
            raise TypeError(f"expected text, got {type(value).__name__} {value!r}")
        return value
    if pa.types.is_date(kind):
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise TypeError(f"expected a date, got {type(value).__name__} {value!r}")
        return value
    if pa.types.is_boolean(kind):
        if not isinstance(value, bool):
            raise TypeError(f"expected true/false, got {type(value).__name__} {value!r}")
        return value
    raise TypeError(f"unsupported column type {kind}")  # pragma: no cover - schema bug


def build_partition_table(
    dataset: RawDataset,
    rows: list[dict[str, Any]],
    window: DateWindow,
    *,
    source: str,
    source_ref: str | None,
    fetched_at: dt.datetime,
) -> pa.Table:
    """Typed, checked table of one window (a week) of `dataset`, with provenance added."""
    name = dataset.name
    expected = {field.name for field in dataset.data_fields} | {"source_ref"}
    columns: dict[str, list[Any]] = {field.name: [] for field in dataset.data_fields}
    refs: list[str | None] = []
    for index, row in enumerate(rows):
        refs.append(row.get("source_ref") or source_ref)
        unknown = set(row) - expected
        if unknown:
            raise ContractViolation(f"{name}: row {index} has unknown columns {sorted(unknown)}")
        for field in dataset.data_fields:
            try:
                value = _convert(row.get(field.name), field)
            except TypeError as exc:
                raise ContractViolation(
                    f"{name}: row {index}, column {field.name!r}: {exc}"
                ) from None
            if value is None and not field.nullable:
                raise ContractViolation(
                    f"{name}: row {index}, column {field.name!r} is empty but required ({row})"
                )
            columns[field.name].append(value)

    outside = [
        (index, day) for index, day in enumerate(columns[dataset.date_column]) if day not in window
    ]
    if outside:
        sample = ", ".join(f"row {i}: {d}" for i, d in outside[:SAMPLE_SIZE])
        raise ContractViolation(
            f"{name}: {len(outside)} row(s) dated outside {window.start}..{window.end} "
            f"(end exclusive): {sample}"
        )

    keys = Counter(zip(*(columns[k] for k in dataset.key), strict=True))
    duplicates = [key for key, count in keys.items() if count > 1]
    if duplicates:
        sample = "; ".join(", ".join(map(str, key)) for key in sorted(duplicates)[:SAMPLE_SIZE])
        raise ContractViolation(
            f"{name}: {len(duplicates)} key(s) appear more than once "
            f"(key {', '.join(dataset.key)}): {sample}"
        )

    count = len(rows)
    arrays = [pa.array(columns[f.name], type=f.type) for f in dataset.data_fields]
    arrays += [
        pa.array([source] * count, type=pa.string()),
        pa.array(refs, type=pa.string()),
        pa.array([fetched_at] * count, type=pa.timestamp("us", tz="UTC")),
    ]
    table = pa.Table.from_arrays(arrays, schema=dataset.schema)
    # Sorted by key, so a re-run of the same window lands the same rows in the same order.
    return table.sort_by([(column, "ascending") for column in dataset.key])
