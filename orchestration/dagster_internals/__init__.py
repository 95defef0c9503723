"""What compute-weekly takes from the internals of Dagster and dagster-dbt, in one place,
behind exact pins (`pyproject.toml`), each measured and tested so that an upgrade that
moves or changes what it touches fails loudly (tests/unit/test_dagster_internals.py).

- The run launcher's health check (`orchestration.run_launcher`) answers Dagster's run
  monitoring through its public hook, `RunLauncher.check_run_worker_health`, which must
  return a `CheckRunHealthResult` with a `WorkerStatus`: two types `dagster` does not
  export. Without them run monitoring cannot tell a dead worker from a live one.
- `sqlite_event_log`: Dagster's SQLite event log with its connections kept open and event
  batches written in one transaction. It overrides the storage's connection and set-up
  internals. Without it the embedded instance's 52-week backfill misses its target
  (benchmarks/README.md: measured side by side).
- `dbt_cli`: dagster-dbt's `DbtCliResource` without the `dbt --version` subprocess and the
  in-process dbt adapter it starts before every invocation (its `_cli_version` and
  `_initialize_dbt_core_adapter` hooks). Without it a weekly run misses its target
  (benchmarks/README.md: measured side by side).
"""

from dagster._core.launcher import CheckRunHealthResult, WorkerStatus

PINNED_DAGSTER = "1.13.27"
PINNED_DAGSTER_DBT = "0.29.27"

__all__ = ["PINNED_DAGSTER", "PINNED_DAGSTER_DBT", "CheckRunHealthResult", "WorkerStatus"]
