"""The embedded default does not wedge either: a command-line run killed during its dbt
step (`kill -9`) does not keep the warehouse slot. With a daemon (`make dev`), Dagster's
run monitoring fails it through the project's run launcher; without one, the next run
does, as it starts, and stops the dbt the dead run left running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from orchestration.run_workers import leftovers
from orchestration.settings import PROJECT_ROOT
from tests.alert_sinks import wait_for
from tests.conftest import FEED_ENV_VARS, Workspace, install_instance_settings

pytestmark = pytest.mark.integration

WEEK = "2024-12-16"
POOL = "warehouse"
# config/dagster.yaml: run monitoring polls every 15 s, frees slots 5 s after a run ends;
# the daemon itself takes a few seconds to start.
DAEMON_BOUND_SECONDS = 60


def bin_(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


class Embedded:
    """A project instance (config/dagster.yaml) and workspace in a temp folder."""

    def __init__(self, root: Path) -> None:
        self.home = root / "dagster_home"
        self.home.mkdir()
        install_instance_settings(self.home)
        self.workspace = Workspace(root / "data")
        self.env = {k: v for k, v in os.environ.items() if k not in FEED_ENV_VARS}
        self.env.update(
            DAGSTER_HOME=str(self.home),
            COMPUTE_WEEKLY_RAW_DIR=str(self.workspace.raw),
            COMPUTE_WEEKLY_WAREHOUSE=str(self.workspace.warehouse),
            COMPUTE_WEEKLY_REPORTS_DIR=str(root / "reports"),
        )

    def materialize(self) -> subprocess.Popen:
        return subprocess.Popen(
            [bin_("dagster"), "asset", "materialize", "-m", "orchestration",
             "--select", "*", "--partition", WEEK],
            cwd=PROJECT_ROOT, env=self.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def instance(self) -> dg.DagsterInstance:
        return dg.DagsterInstance.from_config(str(self.home))


@pytest.fixture
def embedded(tmp_path, monkeypatch) -> Iterator[Embedded]:
    project = Embedded(tmp_path)
    monkeypatch.setenv("DAGSTER_HOME", str(project.home))  # the settings name it
    yield project


def killed_during_dbt(project: Embedded, instance: dg.DagsterInstance) -> str:
    """Start a run from the command line and kill it (-9) once its dbt is running."""
    known = {run.run_id for run in instance.get_runs()}
    cli = project.materialize()
    try:
        run_id = wait_for(
            lambda: next((r.run_id for r in instance.get_runs() if r.run_id not in known), None),
            120,
            "the run created",
        )
        wait_for(lambda: run_id in leftovers(), 120, "the run's dbt running")
        claimed = instance.event_log_storage.get_concurrency_info(POOL).claimed_slots
        assert [slot.run_id for slot in claimed] == [run_id]
    finally:
        cli.send_signal(signal.SIGKILL)
        cli.wait(timeout=30)
    return run_id


def claimed(instance: dg.DagsterInstance) -> list[str]:
    return [s.run_id for s in instance.event_log_storage.get_concurrency_info(POOL).claimed_slots]


def test_with_a_daemon_run_monitoring_fails_the_dead_run_and_frees_the_warehouse(embedded):
    with embedded.instance() as instance:
        run_id = killed_during_dbt(embedded, instance)
        assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.STARTED
        daemon = subprocess.Popen(
            [bin_("dagster-daemon"), "run", "-w", "workspace.yaml"],
            cwd=PROJECT_ROOT, env=embedded.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            wait_for(
                lambda: instance.get_run_by_id(run_id).is_finished,
                DAEMON_BOUND_SECONDS,
                "run monitoring failed the run",
            )
            wait_for(lambda: not claimed(instance), 30, "the warehouse slot freed")
        finally:
            daemon.send_signal(signal.SIGINT)
            daemon.wait(timeout=60)
        run = instance.get_run_by_id(run_id)
        assert run.status == dg.DagsterRunStatus.FAILURE
        failure = instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_FAILURE)[-1]
        assert "Detected run worker status FAILED" in failure.message
        assert "is gone" in failure.message
        wait_for(lambda: run_id not in leftovers(), 30, "the dead run's dbt stopped")


def test_without_a_daemon_the_next_run_releases_the_dead_one_and_completes(embedded):
    with embedded.instance() as instance:
        dead = killed_during_dbt(embedded, instance)
        assert dead in leftovers(), "the dead run's dbt, orphaned, is still running"
        next_run = embedded.materialize()
        assert next_run.wait(timeout=300) == 0, "the next run completed"
        assert instance.get_run_by_id(dead).status == dg.DagsterRunStatus.FAILURE
        failure = instance.all_logs(dead, of_type=dg.DagsterEventType.RUN_FAILURE)[-1]
        assert "is gone" in failure.message and "re-execute it from failure" in failure.message
        assert dead not in leftovers()
        assert claimed(instance) == []
        (latest, *_) = instance.get_runs(limit=1)
        assert latest.status == dg.DagsterRunStatus.SUCCESS
