"""Runs whose worker died: marked failed, their leftovers stopped, their pool slots freed.

In a deployment with a daemon (`make serve`, or `make dev`), Dagster notices most of it
itself: a code server reports a run whose process it started was killed, and run
monitoring asks the run launcher whether each started run's worker is alive
(`orchestration.run_launcher`), marks a dead one's run failed and frees the pool slots of
runs that ended. Runs started from the command line (`make demo`, `make backfill`) have
no daemon watching, and a dead worker's dbt goes on running, orphaned, in every case.

So every run, as it starts, also settles what dead runs left on this host
(`release_dead_runs`, through the `RunStart` resource every asset requires), before any of
its steps asks for a slot: the next run clears what a killed one left, with or without a
daemon, down to the temporary files a writer killed before its rename left in the landing
zone or beside the warehouse (`orchestration.files`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from orchestration import settings
from orchestration.files import abandoned_temporaries
from orchestration.run_workers import (
    STEP_WORKER_ENV,
    WorkerState,
    leftovers,
    record_worker,
    stop,
    stop_leftovers,
    worker_of,
)


@dataclass(frozen=True)
class Released:
    """What `release_dead_runs` did, by run id."""

    failed: tuple[str, ...] = ()  # marked failed: their worker was dead
    stopped: tuple[str, ...] = ()  # had processes left running (their dbt), now stopped
    freed: tuple[str, ...] = ()  # had pool slots, claimed or pending, now freed
    removed: tuple[Path, ...] = ()  # temporary files whose writer died before its rename


def dead_worker_message(run: dg.DagsterRun) -> str:
    return (
        f"The run's worker ({worker_of(run)}) is gone: it was killed, or its host restarted, "
        "while the run was in progress. The run is marked failed and its pool slots are "
        "released; re-execute it from failure to finish it."
    )


def fail_dead_run(instance: dg.DagsterInstance, run: dg.DagsterRun) -> None:
    """Mark a run whose worker is dead as failed, after stopping what it left running;
    its pool slots are freed by the caller (or by Dagster's run monitoring)."""
    stop_leftovers(run.run_id)
    current = instance.get_run_by_id(run.run_id)
    if current is not None and not current.is_finished:  # another watcher may have done it
        instance.report_run_failed(current, dead_worker_message(current))


def release_dead_runs(
    instance: dg.DagsterInstance,
    current_run_id: str | None = None,
    log: logging.Logger | None = None,
    landing_roots: Sequence[Path] = (),
) -> Released:
    """Fail every started run whose worker on this host is dead; stop the processes still
    running for runs that are over; free the pool slots of runs that are over; remove the
    temporary files under `landing_roots` whose writer is gone."""
    log = log or logging.getLogger(__name__)
    failed = []
    for record in instance.get_run_records(
        filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED])
    ):
        run = record.dagster_run
        worker = worker_of(run)
        if run.run_id == current_run_id or worker is None:
            continue
        if worker.state() is WorkerState.DEAD:
            log.warning(f"run {run.run_id}: its worker ({worker}) is gone; marking it failed")
            fail_dead_run(instance, run)
            failed.append(run.run_id)

    stopped = []
    for run_id, processes in sorted(leftovers().items()):
        run = instance.get_run_by_id(run_id) if run_id != current_run_id else None
        if run is not None and run.is_finished:
            pids = stop(processes)
            log.warning(f"run {run_id} is over; stopped what it left running (pids {pids})")
            stopped.append(run_id)

    freed = []
    storage = instance.event_log_storage
    if storage.supports_global_concurrency_limits:
        for run_id in sorted(storage.get_concurrency_run_ids() - {current_run_id}):
            run = instance.get_run_by_id(run_id)
            if run is None or run.is_finished:
                storage.free_concurrency_slots_for_run(run_id)
                log.warning(f"run {run_id} is over but held pool slots; freed them")
                freed.append(run_id)
    removed = []
    for root in landing_roots:
        for path in abandoned_temporaries(root):
            path.unlink(missing_ok=True)
            removed.append(path)
    if removed:
        log.warning(f"removed {len(removed)} temporary file(s) a killed writer left: {removed[0]}")
    return Released(tuple(failed), tuple(stopped), tuple(freed), tuple(removed))


class RunStart(dg.ConfigurableResource):
    """What every run does as it starts, before its first step: it records its worker
    (`orchestration.run_workers`) and releases what dead runs left on this host
    (`release_dead_runs`). Every asset requires it, so Dagster sets it up once a run, at
    its start."""

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        run = context.run
        if context.instance is None or run is None:
            return  # built outside a run (a direct call in a test): nothing to record
        if os.environ.get(STEP_WORKER_ENV):
            return  # a step on a Celery worker: the run's worker is elsewhere
        record_worker(context.instance, run.run_id)
        on_s3 = settings.warehouse_on_s3()
        warehouse = settings.build_warehouse_path() if on_s3 else settings.warehouse_path()
        # Object storage has no temporary objects to clear (`orchestration.object_store`).
        roots = [root for root in (settings.raw_dir(), warehouse.parent) if isinstance(root, Path)]
        release_dead_runs(context.instance, run.run_id, context.log, roots)
