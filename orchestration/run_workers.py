"""Which process runs a Dagster run, and whether it is still alive.

A run is executed by one process, its run worker: the `dagster asset materialize` command
itself, or the process a code server starts for a run the daemon or the UI launched. If
that process dies without a word (`kill -9`, the kernel's out-of-memory killer, a reboot),
Dagster's records still say the run is STARTED, and a step that held a slot of a pool
(the dbt step holds the `warehouse` pool's only slot) holds it forever: every later
run's dbt step waits for it.

So every run records its worker when it starts, as a run tag (`WORKER_TAG`: host, pid and
the process's start time, which tells a live worker from a new process that was given
the same pid). Anything on the same host can then tell whether the run is still being
worked on (`worker_state`): the run launcher's health check, which Dagster's run
monitoring calls (`orchestration.run_launcher`), and each new run as it starts
(`orchestration.dead_runs`). A worker on another host is neither alive nor dead here:
only its own host can tell.

The dbt process a worker starts inherits `RUN_ID_ENV`; when the worker is found dead, its
leftover dbt (which would otherwise finish a build nobody publishes, holding the build
file's lock) is stopped (`stop_leftovers`).
"""

from __future__ import annotations

import contextlib
import enum
import json
import os
import socket
from dataclasses import dataclass

import dagster as dg
import psutil

WORKER_TAG = "compute-weekly/run-worker"
# Set in the environment of the processes a run starts (its dbt), so that they can be found
# and stopped once the run's worker is gone.
RUN_ID_ENV = "COMPUTE_WEEKLY_RUN_ID"
# Set in a Celery worker (`orchestration.celery_worker`): a process that executes steps of
# runs, not a run's worker. It records nothing about the run: the step's process ends with
# the step, while the run goes on.
STEP_WORKER_ENV = "COMPUTE_WEEKLY_STEP_WORKER"
# Process start times are read back rounded (psutil, from the kernel's clock ticks).
START_TIME_TOLERANCE_SECONDS = 1.0
LEFTOVER_EXIT_SECONDS = 10


class WorkerState(enum.Enum):
    ALIVE = "alive"
    DEAD = "dead"
    ELSEWHERE = "on another host"
    UNRECORDED = "not recorded"


@dataclass(frozen=True)
class RunWorker:
    """A run worker process: where it runs, its pid, and when the process started."""

    host: str
    pid: int
    started: float  # the process's start, seconds since the epoch

    @classmethod
    def current(cls) -> RunWorker:
        return cls(socket.gethostname(), os.getpid(), psutil.Process().create_time())

    def to_tag(self) -> str:
        return json.dumps({"host": self.host, "pid": self.pid, "started": self.started})

    @classmethod
    def from_tag(cls, value: str) -> RunWorker | None:
        try:
            fields = json.loads(value)
            return cls(str(fields["host"]), int(fields["pid"]), float(fields["started"]))
        except (ValueError, KeyError, TypeError):
            return None

    def state(self) -> WorkerState:
        """ALIVE if this process still runs, DEAD if it is gone (or its pid now belongs to
        a later process), ELSEWHERE if it runs on another host."""
        if self.host != socket.gethostname():
            return WorkerState.ELSEWHERE
        try:
            process = psutil.Process(self.pid)
            started = process.create_time()
            zombie = process.status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return WorkerState.DEAD
        if zombie or abs(started - self.started) > START_TIME_TOLERANCE_SECONDS:
            return WorkerState.DEAD
        return WorkerState.ALIVE

    def __str__(self) -> str:
        return f"pid {self.pid} on {self.host}"


def record_worker(instance: dg.DagsterInstance, run_id: str) -> RunWorker:
    """Record this process as the run's worker (a run tag), unless the run recorded one
    already (a step executed in another process of the same run keeps the first)."""
    run = instance.get_run_by_id(run_id)
    if run is not None and WORKER_TAG in run.tags:
        recorded = RunWorker.from_tag(run.tags[WORKER_TAG])
        if recorded is not None and recorded.state() is not WorkerState.DEAD:
            return recorded
    worker = RunWorker.current()
    instance.add_run_tags(run_id, {WORKER_TAG: worker.to_tag()})
    return worker


def worker_of(run: dg.DagsterRun) -> RunWorker | None:
    """The worker the run recorded, if it got that far."""
    value = run.tags.get(WORKER_TAG)
    return RunWorker.from_tag(value) if value else None


def worker_state(run: dg.DagsterRun) -> WorkerState:
    worker = worker_of(run)
    return worker.state() if worker is not None else WorkerState.UNRECORDED


def leftovers() -> dict[str, list[psutil.Process]]:
    """The processes on this host started for a run (those that inherited `RUN_ID_ENV`:
    a run's dbt), by run id. Only the caller's own user's processes can be read."""
    found: dict[str, list[psutil.Process]] = {}
    for process in psutil.process_iter():
        try:
            run_id = process.environ().get(RUN_ID_ENV) if process.pid != os.getpid() else None
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
        if run_id:
            found.setdefault(run_id, []).append(process)
    return found


def stop(processes: list[psutil.Process]) -> list[int]:
    """Stop the processes, politely, then firmly; return their pids."""
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.terminate()
    _, alive = psutil.wait_procs(processes, timeout=LEFTOVER_EXIT_SECONDS)
    for process in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    psutil.wait_procs(alive, timeout=LEFTOVER_EXIT_SECONDS)
    return [process.pid for process in processes]


def stop_leftovers(run_id: str) -> list[int]:
    """Stop what this host still runs for `run_id` (the dbt of a worker that died)."""
    return stop(leftovers().get(run_id, []))
