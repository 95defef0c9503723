"""The names compute-weekly takes from Dagster's internals, in one place, behind an exact pin.

A run launcher tells Dagster's run monitoring whether a run's worker is alive by returning
a `CheckRunHealthResult` with a `WorkerStatus` (`RunLauncher.check_run_worker_health`,
the hook Dagster's own Docker and Kubernetes launchers implement). The hook is public;
the two types it must return are not exported by `dagster`. They are imported here and
nowhere else, `pyproject.toml` pins Dagster to `PINNED_DAGSTER`, and
`tests/unit/test_dagster_internals.py` fails when an upgrade moves or changes them.
"""

from dagster._core.launcher import CheckRunHealthResult, WorkerStatus

PINNED_DAGSTER = "1.13.27"

__all__ = ["PINNED_DAGSTER", "CheckRunHealthResult", "WorkerStatus"]
