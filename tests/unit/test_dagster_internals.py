"""The Dagster internals the project imports (orchestration/dagster_internals.py) are where
and what they were when the exact pin was set: an upgrade that moves or changes them
fails here, loudly, before it fails in a daemon."""

from __future__ import annotations

import inspect
import tomllib
from importlib.metadata import version

import dagster as dg

from orchestration import dagster_internals
from orchestration.dagster_internals import PINNED_DAGSTER, CheckRunHealthResult, WorkerStatus
from orchestration.settings import PROJECT_ROOT


def test_dagster_is_the_pinned_version():
    dependencies = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"][
        "dependencies"
    ]
    assert f"dagster=={PINNED_DAGSTER}" in dependencies
    assert version("dagster") == dg.__version__ == PINNED_DAGSTER


def test_the_health_check_types_are_what_run_monitoring_compares():
    assert {status.name for status in WorkerStatus} >= {"RUNNING", "FAILED", "SUCCESS"}
    result = CheckRunHealthResult(WorkerStatus.FAILED, "gone")
    assert (result.status, result.msg) == (WorkerStatus.FAILED, "gone")


def test_run_monitoring_asks_the_launcher_and_fails_a_run_it_says_failed():
    from dagster._core.launcher import RunLauncher
    from dagster._daemon.monitoring import run_monitoring

    assert "run" in inspect.signature(RunLauncher.check_run_worker_health).parameters
    assert isinstance(
        inspect.getattr_static(RunLauncher, "supports_check_run_worker_health"), property
    )
    source = inspect.getsource(run_monitoring.monitor_started_run)
    assert "check_run_worker_health(run)" in source
    assert "[WorkerStatus.RUNNING, WorkerStatus.SUCCESS]" in source
    assert run_monitoring.WorkerStatus is WorkerStatus


def test_nothing_else_of_the_project_imports_a_private_dagster_name():
    own = {
        dagster_internals.__file__,
        *map(str, (PROJECT_ROOT / "orchestration").rglob("event_log_storage.py")),
    }
    offenders = [
        str(path.relative_to(PROJECT_ROOT))
        for path in (PROJECT_ROOT / "orchestration").rglob("*.py")
        if str(path) not in own and "dagster._" in path.read_text()
    ]
    assert offenders == []
