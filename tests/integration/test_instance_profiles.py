"""The two instance profiles `make` installs: the embedded default (SQLite, no server) and,
with COMPUTE_WEEKLY_PG_URL set, the team's (PostgreSQL through Dagster's own storage
classes), each loaded as a Dagster process loads it."""

from __future__ import annotations

import os
import subprocess

import dagster as dg
import pytest
import yaml

from orchestration.run_launcher import MonitoredRunLauncher
from orchestration.settings import PROJECT_ROOT
from tests.postgres import dagster_url, fresh_database

pytestmark = pytest.mark.integration


def make_install(home, **env) -> None:
    subprocess.run(
        ["make", "-s", "install", f"DAGSTER_HOME={home}"],
        cwd=PROJECT_ROOT,
        env={**{k: v for k, v in os.environ.items() if k != "COMPUTE_WEEKLY_PG_URL"}, **env},
        check=True,
        capture_output=True,
    )


def test_the_embedded_default_is_sqlite_with_run_monitoring(tmp_path, monkeypatch):
    make_install(tmp_path)
    assert (tmp_path / "dagster.yaml").read_text() == (
        PROJECT_ROOT / "config/dagster.yaml"
    ).read_text()
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        assert type(instance.run_storage).__name__ == "SqliteRunStorage"
        assert isinstance(instance.run_launcher, MonitoredRunLauncher)
        assert instance.run_monitoring_enabled
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1


def test_with_a_postgres_url_the_team_profile_keeps_everything_in_postgres(tmp_path, monkeypatch):
    with fresh_database() as url:
        make_install(tmp_path, COMPUTE_WEEKLY_PG_URL=url)
        production = (PROJECT_ROOT / "config/dagster.production.yaml").read_text()
        assert (tmp_path / "dagster.yaml").read_text() == production
        storage = yaml.safe_load(production)["storage"]["postgres"]
        assert storage == {"postgres_url": {"env": "COMPUTE_WEEKLY_PG_URL"}}, (
            "from the environment only"
        )

        # A plain postgresql:// is psycopg 3 to SQLAlchemy 2.1, which dagster-postgres does
        # not run on: the reason `make` names the driver.
        monkeypatch.setenv("COMPUTE_WEEKLY_PG_URL", url)
        with pytest.raises(ModuleNotFoundError, match="psycopg"):
            dg.DagsterInstance.from_config(str(tmp_path))

        monkeypatch.setenv("COMPUTE_WEEKLY_PG_URL", dagster_url(url))
        with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
            storages = {
                type(instance.run_storage).__name__,
                type(instance.event_log_storage).__name__,
                type(instance.schedule_storage).__name__,
            }
            assert storages == {
                "PostgresRunStorage",
                "PostgresEventLogStorage",
                "PostgresScheduleStorage",
            }
            assert all(
                type(s).__module__.startswith("dagster_postgres.")
                for s in (
                    instance.run_storage,
                    instance.event_log_storage,
                    instance.schedule_storage,
                )
            )
            assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
            assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 2
            assert isinstance(instance.run_launcher, MonitoredRunLauncher)
            assert instance.run_monitoring_enabled and instance.run_retries_enabled
            assert not instance.run_retries_retry_on_asset_or_op_failure
            run = instance.add_run(dg.DagsterRun(job_name="weekly_refresh_job"))
            assert instance.get_run_by_id(run.run_id).job_name == "weekly_refresh_job"
