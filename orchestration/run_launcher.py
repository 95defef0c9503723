"""The run launcher of the project's instances: Dagster's default, with a health check.

`DefaultRunLauncher` starts each run in a process of the code server it came from, and
cannot tell Dagster's run monitoring whether that process is still alive: a run whose
worker was killed stays STARTED, holding its pool slots. `MonitoredRunLauncher` launches
the same way and answers the monitoring's question (`check_run_worker_health`) from the
worker the run recorded as it started (`orchestration.run_workers`): alive, or dead, in
which case its leftovers are stopped and the monitoring marks the run failed; its pool
slots are freed after `run_monitoring.free_slots_after_run_end_seconds`. A worker that
runs on another host, or that died before it recorded itself, cannot be judged here: it
counts as running, and the instance's `max_runtime_seconds` bounds it.
"""

from __future__ import annotations

import dagster as dg

from orchestration.dagster_internals import CheckRunHealthResult, WorkerStatus
from orchestration.dead_runs import dead_worker_message
from orchestration.run_workers import WorkerState, stop_leftovers, worker_of


class MonitoredRunLauncher(dg.DefaultRunLauncher):
    """`DefaultRunLauncher` that run monitoring can ask whether a run's worker lives.

    In dagster.yaml:

        run_launcher:
          module: orchestration.run_launcher
          class: MonitoredRunLauncher
    """

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: dg.DagsterRun) -> CheckRunHealthResult:
        worker = worker_of(run)
        if worker is None:
            return CheckRunHealthResult(
                WorkerStatus.RUNNING, "the run has not recorded its worker yet"
            )
        state = worker.state()
        if state is WorkerState.DEAD:
            stop_leftovers(run.run_id)
            return CheckRunHealthResult(WorkerStatus.FAILED, dead_worker_message(run))
        if state is WorkerState.ELSEWHERE:
            return CheckRunHealthResult(
                WorkerStatus.RUNNING, f"its worker ({worker}) is on another host"
            )
        return CheckRunHealthResult(WorkerStatus.RUNNING, f"its worker ({worker}) is alive")
