"""The dbt project on its own: its unit tests pass, and a run's moving window costs dbt
no parse: it is read when the marts run.

Dagster's builds leave dbt's unit tests out (`orchestration.assets.dbt.build`): they test
the SQL of the tricky models on fixed inputs, not the data, so they run here, in CI.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestration.project import dbt_project
from orchestration.settings import (
    BUILD_WAREHOUSE_ENV,
    RAW_DIR_ENV,
    WINDOW_END_ENV,
    WINDOW_START_ENV,
)
from tests.conftest import copy_of
from tests.integration.dbt_in_process import dbt, private_dbt_target  # noqa: F401

pytestmark = pytest.mark.integration


def window_marts() -> set[str]:
    """The marts built window by window (incremental), from the manifest."""
    manifest = json.loads(Path(dbt_project.manifest_path).read_text())
    return {
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"]["materialized"] == "incremental"
    }


def test_every_dbt_unit_test_passes(two_weeks, tmp_path, monkeypatch):
    # Unit tests read the columns of the models they mock from the warehouse: a built one.
    work = copy_of(two_weeks, tmp_path)
    monkeypatch.setenv(RAW_DIR_ENV, str(work.raw))
    monkeypatch.setenv(
        BUILD_WAREHOUSE_ENV, str(work.warehouse.parent / ".building" / work.warehouse.name)
    )
    results = dbt("test", "--select", "test_type:unit").results
    manifest = json.loads(Path(dbt_project.manifest_path).read_text())
    assert len(manifest["unit_tests"]) >= 13
    assert sorted(result.node.unique_id for result in results) == sorted(manifest["unit_tests"])
    failed = [result.node.name for result in results if result.status != "pass"]
    assert failed == []


def perf_info(target: Path) -> dict:
    return json.loads((target / "perf_info.json").read_text())


def test_a_new_window_parses_no_file_and_its_marts_run_with_its_dates(tmp_path, monkeypatch):
    target = tmp_path / "target"  # private_dbt_target's
    monkeypatch.setenv(RAW_DIR_ENV, str(tmp_path / "raw"))
    monkeypatch.setenv(BUILD_WAREHOUSE_ENV, str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv(WINDOW_START_ENV, "2024-12-16")
    monkeypatch.setenv(WINDOW_END_ENV, "2024-12-23")
    dbt("parse")
    assert perf_info(target)["parsed_path_count"] > 100  # the first: everything

    monkeypatch.setenv(WINDOW_START_ENV, "2024-12-23")  # the next week
    monkeypatch.setenv(WINDOW_END_ENV, "2024-12-30")
    manifest = dbt("parse")
    info = perf_info(target)
    assert info["is_partial_parse_enabled"]
    assert info["parsed_path_count"] == 0  # the window is read when a model runs
    marts = window_marts()
    assert len(marts) >= 6
    for mart in marts:  # what the parse kept names the window's column, not its dates
        config = manifest.nodes[f"model.compute_weekly.{mart}"].config
        assert config.get("incremental_strategy") == "window_replace", mart
        assert config.get("window_column"), mart

    # When the marts run, their SQL has the new window's dates.
    results = dbt("compile", "--select", *sorted(marts))
    compiled = [result for result in results if result.node.resource_type == "model"]
    assert sorted(result.node.name for result in compiled) == sorted(marts)
    for result in compiled:
        code = result.node.compiled_code
        assert "date '2024-12-30'" in code, (result.node.name, code)
        assert "date '2024-12-23'" in code, (result.node.name, code)
        assert "1900-01-01" not in code and "9999-12-31" not in code, result.node.name
