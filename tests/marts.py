"""Comparing two warehouses' marts row for row, floats to twelve significant digits (the
same sums added in another order differ in their last bits)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import duckdb


def mart_rows(
    warehouse: Path, marts: Iterable[str] | None = None, read_only: bool = True
) -> dict[str, list[tuple]]:
    """Every row of each mart (all of schema `marts` by default), sorted."""
    with duckdb.connect(str(warehouse), read_only=read_only) as con:
        names = list(marts) if marts is not None else [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'marts' order by 1"
            ).fetchall()
        ]  # fmt: skip
        return {
            name: con.execute(f"select * from marts.{name} order by all").fetchall()
            for name in names
        }


def same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    return a == b


def assert_same_marts(left: dict[str, list[tuple]], right: dict[str, list[tuple]]) -> None:
    assert sorted(left) == sorted(right)
    for mart in left:
        assert len(left[mart]) == len(right[mart]) > 0, mart
        for row_left, row_right in zip(left[mart], right[mart], strict=True):
            assert all(map(same, row_left, row_right)), (mart, row_left, row_right)
