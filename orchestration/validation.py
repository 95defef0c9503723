"""The contract every landed partition meets: types, required values, dates in the window.

`build_partition_table` turns a feed's rows into a typed Arrow table of the dataset's
schema. A row that breaks the contract (a value of the wrong type, a null where none is
allowed, an unknown column, a date outside the window) makes it raise
`ContractViolation`, which carries every offending row: which row, which column, which
value and why. Nothing is coerced silently: a string where a number belongs is a
violation, not a NULL. Rules about the values themselves (keys, ranges, completeness)
are checks, in `orchestration.quality`.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pyarrow as pa

from orchestration.datasets import RawDataset
from orchestration.feeds.lib.base import FeedDataError
from orchestration.partitions import DateWindow

SAMPLE_SIZE = 5


class ContractViolation(FeedDataError):
    """Rows that break a raw dataset's contract; `violations` lists each one."""

    def __init__(self, message: str, violations: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.violations = violations


def _convert(value: Any, field: pa.Field) -> Any:
    """One value to the Python type Arrow expects for `field`, or raise TypeError."""
    if value is None:
        return None
    kind = field.type
    if pa.types.is_floating(kind):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"expected a number, got {type(value).__name__}")
        number = float(value)
        if math.isnan(number):
            return None
        if math.isinf(number):
            raise TypeError("expected a finite number")
        return number
    if pa.types.is_string(kind):
        if not isinstance(value, str):
            raise TypeError(f"expected text, got {type(value).__name__}")
        return value
    if pa.types.is_date(kind):
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise TypeError(f"expected a date, got {type(value).__name__}")
        return value
    if pa.types.is_boolean(kind):
        if not isinstance(value, bool):
            raise TypeError(f"expected true/false, got {type(value).__name__}")
        return value
    raise TypeError(f"unsupported column type {kind}")  # pragma: no cover - schema bug


def _violation(index: int, column: str | None, value: Any, problem: str) -> dict[str, Any]:
    return {"row": index, "column": column, "value": repr(value), "problem": problem}


def build_partition_table(
    dataset: RawDataset,
    rows: list[dict[str, Any]],
    window: DateWindow,
    *,
    source: str,
    source_ref: str | None,
    fetched_at: dt.datetime,
) -> pa.Table:
    """Typed table of one window (a week) of `dataset`, with provenance, sorted by key."""
    expected = {field.name for field in dataset.data_fields} | {"source_ref"}
    columns: dict[str, list[Any]] = {field.name: [] for field in dataset.data_fields}
    refs: list[str | None] = []
    violations: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        refs.append(row.get("source_ref") or source_ref)
        for column in sorted(set(row) - expected):
            violations.append(_violation(index, column, row[column], "unknown column"))
        for field in dataset.data_fields:
            raw = row.get(field.name)
            try:
                value = _convert(raw, field)
            except TypeError as exc:
                violations.append(_violation(index, field.name, raw, str(exc)))
                value = None
            else:
                if value is None and not field.nullable:
                    violations.append(_violation(index, field.name, raw, "empty but required"))
                elif field.name == dataset.date_column and value not in window:
                    violations.append(
                        _violation(
                            index,
                            field.name,
                            raw,
                            f"outside {window.start}..{window.end} (end exclusive)",
                        )
                    )
            columns[field.name].append(value)
    if violations:
        sample = "; ".join(
            f"row {v['row']}, column {v['column']!r} {v['value']}: {v['problem']}"
            for v in violations[:SAMPLE_SIZE]
        )
        raise ContractViolation(
            f"{dataset.name}: {len(violations)} contract violation(s): {sample}", violations
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
