"""Publishing the private build over the warehouse analysts read."""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb
import pytest

from orchestration import settings
from orchestration.warehouse import dbt_environment, publish


def build_database(path, value: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists marts")
        con.execute(f"create or replace table marts.t as select {value} as v")
        con.execute(
            f'create or replace view marts.v as select v * 2 as w from "{path.stem}".marts.t'
        )


def test_a_build_is_published_whole_and_readable_by_an_older_duckdb(tmp_path):
    build, published = tmp_path / ".building" / "warehouse.duckdb", tmp_path / "warehouse.duckdb"
    build_database(build, 1)
    assert publish(build, published, "v1.0.0") == str(published)
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select w from marts.v").fetchall() == [(2,)]
    cli = os.path.join(os.path.dirname(sys.executable), "duckdb")  # the 1.x CLI
    done = subprocess.run(
        [cli, "-readonly", str(published), "-c", "select w from marts.v"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "2" in done.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == [".building", "warehouse.duckdb"]


def test_a_reader_holding_the_old_file_keeps_it_whole(tmp_path):
    build, published = tmp_path / ".building" / "warehouse.duckdb", tmp_path / "warehouse.duckdb"
    build_database(build, 1)
    publish(build, published)
    reader = duckdb.connect(str(published), read_only=True)
    build_database(build, 5)
    publish(build, published)
    assert reader.execute("select v from marts.t").fetchall() == [(1,)], "the old snapshot"
    reader.close()
    with duckdb.connect(str(published), read_only=True) as fresh:
        assert fresh.execute("select v from marts.t").fetchall() == [(5,)]


def test_publishing_nothing_or_a_differently_named_file_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing to publish"):
        publish(tmp_path / "missing.duckdb", tmp_path / "missing.duckdb")
    build_database(tmp_path / "build.duckdb", 1)
    with pytest.raises(ValueError, match="must share a name"):
        publish(tmp_path / "build.duckdb", tmp_path / "warehouse.duckdb")


def test_the_build_sits_beside_the_published_file_and_dbt_gets_absolute_paths(
    monkeypatch, tmp_path
):
    monkeypatch.setenv(settings.WAREHOUSE_ENV, str(tmp_path / "w" / "warehouse.duckdb"))
    monkeypatch.setenv(settings.RAW_DIR_ENV, "relative/raw")
    monkeypatch.delenv(settings.BUILD_WAREHOUSE_ENV, raising=False)
    assert settings.build_warehouse_path() == tmp_path / "w" / ".building" / "warehouse.duckdb"
    with dbt_environment():
        assert os.environ[settings.BUILD_WAREHOUSE_ENV] == str(settings.build_warehouse_path())
        assert os.path.isabs(os.environ[settings.RAW_DIR_ENV])
    assert os.environ[settings.RAW_DIR_ENV] == "relative/raw"
    assert settings.BUILD_WAREHOUSE_ENV not in os.environ
