"""A published warehouse holds no path of the landing zone it was built from: moved to
another folder, with the landing zone gone, every mart, staging model and view still
answers."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from tests.conftest import copy_of

pytestmark = pytest.mark.integration


def test_a_moved_warehouse_answers_every_query_without_its_landing_zone(two_weeks, tmp_path):
    built = copy_of(two_weeks, tmp_path)
    moved = tmp_path / "elsewhere" / "warehouse.duckdb"
    moved.parent.mkdir()
    shutil.move(built.warehouse, moved)
    shutil.rmtree(built.root)
    with duckdb.connect(str(moved), read_only=True) as con:
        views = con.execute("select sql from duckdb_views() where not internal").fetchall()
        assert views, "the intermediate views are part of the check"
        for (sql,) in views:
            assert "read_parquet" not in sql and str(two_weeks.root) not in sql
        relations = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('staging', 'intermediate', 'marts', 'reference')"
        ).fetchall()
        assert {schema for schema, _ in relations} == {
            "staging", "intermediate", "marts", "reference"
        }  # fmt: skip
        for schema, name in relations:
            con.execute(f"select * from {schema}.{name}").fetchall()
        staged = con.execute("select count(*) from staging.stg_market_bars").fetchone()[0]
        assert staged > 0
