"""The dbt project on its own: its unit tests pass, and a run's moving window costs a
partial parse, not a full one.

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


def test_a_new_window_reparses_only_the_marts_that_read_it(tmp_path, monkeypatch):
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
    marts = window_marts()
    assert len(marts) >= 6
    assert 0 < info["parsed_path_count"] <= len(marts) + 2
    # The marts were parsed with the new window: their window_replace predicate has it.
    for mart in marts:
        node = manifest.nodes[f"model.compute_weekly.{mart}"]
        predicates = " ".join(node.config.get("incremental_predicates"))
        assert "2024-12-30" in predicates, (mart, predicates)
        assert "2024-12-23" in predicates or mart == "app_downloads_monthly", (mart, predicates)
