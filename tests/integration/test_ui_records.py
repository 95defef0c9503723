"""What the Dagster UI shows, read from the instance's records after a real run of three
weeks: each week's partition with that week's own facts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq

from orchestration.partitions import FIRST_WEEK_ENV
from orchestration.settings import PROJECT_ROOT, RAW_DIR_ENV, REPORTS_DIR_ENV, WAREHOUSE_ENV
from tests.conftest import (
    FEED_ENV_VARS,
    Workspace,
    failure_text,
    install_instance_settings,
    materialize_range,
    pipeline_env,
    project_instance,
)


def latest(instance: dg.DagsterInstance, key: str, partition: str) -> dict:
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(
            asset_key=dg.AssetKey.from_user_string(key), asset_partitions=[partition]
        ),
        limit=1,
    ).records
    assert records, f"{key} {partition} was never materialized"
    return {name: value.value for name, value in records[0].asset_materialization.metadata.items()}


def test_a_weeks_partition_shows_its_own_rows_and_file(tmp_path):
    workspace = Workspace(tmp_path / "workspace")
    (tmp_path / "home").mkdir()
    with project_instance(tmp_path / "home") as instance, pipeline_env(workspace):
        result = materialize_range("2024-12-02", "2024-12-16", instance=instance)
        assert result.success, failure_text(result)
        for week in ("2024-12-02", "2024-12-09", "2024-12-16"):
            for dataset in ("market_bars", "corporate_actions", "fx_rates", "web_traffic"):
                facts = latest(instance, f"raw/{dataset}", week)
                file = workspace.raw / dataset / f"week={week}" / "data.parquet"
                assert facts["dagster/row_count"] == pq.read_metadata(file).num_rows, (
                    dataset,
                    week,
                )
                assert facts["location"] == str(file)
                assert facts["outcome"] == "published" and facts["feed"] == "demo"
        market = latest(instance, "raw/market_bars", "2024-12-16")
        assert market["dagster/row_count"] == 165
        # The FX week before the run's first was landed too: its first days carry its rate.
        lead_in = latest(instance, "raw/fx_rates", "2024-11-25")
        assert lead_in["dagster/row_count"] > 0


def test_a_failed_dbt_test_is_a_readable_check_whose_sample_has_the_rows_keys(tmp_path):
    """A history whose first week starts on Christmas: no FX rate can be landed before it,
    so the listings of Taipei and Seoul, open on the 26th, have no market cap that day.
    The WARN check says so under a readable name, and its sample names the rows."""
    home, data = tmp_path / "home", tmp_path / "data"
    home.mkdir()
    install_instance_settings(home)
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        FIRST_WEEK_ENV: "2023-12-25",
        RAW_DIR_ENV: str(data / "raw"),
        WAREHOUSE_ENV: str(data / "warehouse" / "warehouse.duckdb"),
        REPORTS_DIR_ENV: str(data / "reports"),
    }
    for name in FEED_ENV_VARS:
        env.pop(name, None)
    dagster = Path(sys.executable).with_name("dagster")
    done = subprocess.run(
        [str(dagster), "asset", "materialize", "-m", "orchestration", "--select", "*",
         "--partition", "2023-12-25"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    with project_instance(home) as instance:
        [run] = instance.get_runs()
        records = instance.get_records_for_run(
            run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
        ).records
    evaluations = [r.event_log_entry.dagster_event.event_specific_data for r in records]
    [check] = [
        evaluation
        for evaluation in evaluations
        if evaluation.asset_key == dg.AssetKey(["intermediate", "int_listing_bars"])
        and evaluation.check_name == "market_cap_100m_not_null"
    ]
    assert not check.passed
    sample = check.metadata["failing rows sample"].value
    header = sample.splitlines()[0]
    assert "symbol" in header and "trade_date" in header
    assert ".TW |" in sample and "| 2023-12-25 |" in sample
