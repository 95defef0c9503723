"""Reading the demo models' calibration tables: the csv files beside each model.

A profile table has one row per entity, its columns named as the fields of the model's
profile dataclass (`read_profiles`); an anchor table pins a series to known values on a
few days (`read_anchors`, for `paths.anchored_log_walk`).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

Profile = TypeVar("Profile")
Row = Mapping[str, str]


def read_profiles(
    path: Path, kind: type[Profile], key: str, **derived: Callable[[Row], Any]
) -> dict[str, Profile]:
    """Each row of `path` as a `kind` (a dataclass), by its `key` column. A field is the
    column of its name converted by the field's type (`str`, `float`, `int`), or, where
    the column does not hold it as such, what `derived[field](row)` makes of the row."""
    types = typing.get_type_hints(kind)
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {
        row[key]: kind(
            **{
                field.name: derived[field.name](row)
                if field.name in derived
                else types[field.name](row[field.name])
                for field in dataclasses.fields(kind)  # type: ignore[arg-type]
            }
        )
        for row in rows
    }


def read_anchors(path: Path, series: str, value: str) -> dict[str, dict[dt.date, float]]:
    """The anchors of each series (`series` column) of `path`: `value` on `anchor_date`."""
    result: dict[str, dict[dt.date, float]] = {}
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            day = dt.date.fromisoformat(row["anchor_date"])
            result.setdefault(row[series], {})[day] = float(row[value])
    return result
