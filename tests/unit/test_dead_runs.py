"""What a dead run leaves is released by the next run, on the project's own instance
(SQLite, its settings): the dead run failed, its dbt stopped, its slot freed. And the run
launcher answers Dagster's run monitoring from the same records."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import dagster as dg
import psutil
import pytest

from orchestration.dagster_internals import WorkerStatus
from orchestration.dead_runs import RunStart, release_dead_runs
from orchestration.files import abandoned_temporaries, temporary_beside
from orchestration.run_launcher import MonitoredRunLauncher
from orchestration.run_workers import RUN_ID_ENV, STEP_WORKER_ENV, WORKER_TAG, RunWorker
from orchestration.settings import PROJECT_ROOT
from tests.conftest import project_instance
from tests.processes import killed, start_sleeper

POOL = "warehouse"


@pytest.fixture
def instance(tmp_path):
    with project_instance(tmp_path) as instance:
        instance.event_log_storage.set_concurrency_slots(POOL, 1)
        yield instance


def started_run(instance, worker: RunWorker | None, status=dg.DagsterRunStatus.STARTED):
    tags = {WORKER_TAG: worker.to_tag()} if worker else {}
    return instance.add_run(
        dg.DagsterRun(
            job_name="weekly_refresh_job", run_id=str(uuid.uuid4()), status=status, tags=tags
        )
    )


def holds_the_slot(instance, run) -> None:
    claim = instance.event_log_storage.claim_concurrency_slot(POOL, run.run_id, "dbt_models")
    assert claim.is_claimed


def claimed_by(instance) -> list[str]:
    return [
        slot.run_id for slot in instance.event_log_storage.get_concurrency_info(POOL).claimed_slots
    ]


def dead_worker() -> RunWorker:
    process = start_sleeper()
    worker = RunWorker(socket.gethostname(), process.pid, psutil.Process(process.pid).create_time())
    killed(process)
    return worker


def test_a_run_whose_worker_died_holding_the_slot_is_failed_and_its_slot_freed(instance):
    dead = started_run(instance, dead_worker())
    holds_the_slot(instance, dead)
    leftover = start_sleeper({RUN_ID_ENV: dead.run_id})  # its dbt, orphaned
    try:
        released = release_dead_runs(instance, current_run_id=str(uuid.uuid4()))
        assert released.failed == (dead.run_id,)
        assert claimed_by(instance) == []
        assert leftover.wait(timeout=15) is not None, "the dead run's dbt was stopped"
    finally:
        if leftover.poll() is None:
            killed(leftover)
    failed = instance.get_run_by_id(dead.run_id)
    assert failed.status == dg.DagsterRunStatus.FAILURE
    message = instance.all_logs(dead.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)[-1].message
    assert f"pid {dead_worker_pid(dead)}" in message and "re-execute it from failure" in message


def dead_worker_pid(run) -> int:
    return RunWorker.from_tag(run.tags[WORKER_TAG]).pid


def test_live_runs_and_runs_on_other_hosts_are_left_alone(instance):
    alive = started_run(instance, RunWorker.current())
    holds_the_slot(instance, alive)
    elsewhere = started_run(instance, RunWorker("other-host.example", 1, 0.0))
    unrecorded = started_run(instance, None)
    released = release_dead_runs(instance, current_run_id=str(uuid.uuid4()))
    assert released.failed == () and released.freed == ()
    for run in (alive, elsewhere, unrecorded):
        assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTED
    assert claimed_by(instance) == [alive.run_id]


def test_a_finished_run_still_holding_a_slot_is_freed_and_its_leftovers_stopped(instance):
    over = started_run(instance, RunWorker.current(), status=dg.DagsterRunStatus.FAILURE)
    holds_the_slot(instance, over)
    leftover = start_sleeper({RUN_ID_ENV: over.run_id})
    try:
        released = release_dead_runs(instance)
        assert released.freed == (over.run_id,) and released.stopped == (over.run_id,)
        assert leftover.wait(timeout=15) is not None
    finally:
        if leftover.poll() is None:
            killed(leftover)
    assert claimed_by(instance) == []


def test_every_run_releases_dead_runs_before_its_steps(instance):
    dead = started_run(instance, dead_worker())
    holds_the_slot(instance, dead)

    @dg.asset(required_resource_keys={"run_start"}, pool=POOL)
    def needs_the_warehouse() -> None:
        pass

    results = []
    run = threading.Thread(
        target=lambda: results.append(
            dg.materialize(
                [needs_the_warehouse], instance=instance, resources={"run_start": RunStart()}
            )
        ),
        daemon=True,  # were the slot never released, it would wait for it forever
    )
    run.start()
    run.join(timeout=60)
    assert results, "the run still waits for the slot the dead run held"
    result = results[0]
    assert result.success
    assert instance.get_run_by_id(dead.run_id).status == dg.DagsterRunStatus.FAILURE
    recorded = RunWorker.from_tag(instance.get_run_by_id(result.run_id).tags[WORKER_TAG])
    assert recorded == RunWorker.current()


def test_the_launcher_tells_run_monitoring_which_workers_are_alive(instance):
    launcher = instance.run_launcher
    assert isinstance(launcher, MonitoredRunLauncher)
    assert launcher.supports_check_run_worker_health
    dead = started_run(instance, dead_worker())
    leftover = start_sleeper({RUN_ID_ENV: dead.run_id})
    try:
        health = launcher.check_run_worker_health(dead)
        assert health.status == WorkerStatus.FAILED and "is gone" in health.msg
        assert leftover.wait(timeout=15) is not None, "the dead worker's dbt was stopped"
    finally:
        if leftover.poll() is None:
            killed(leftover)
    for run in (
        started_run(instance, RunWorker.current()),
        started_run(instance, RunWorker("other-host.example", 1, 0.0)),
        started_run(instance, None),
    ):
        assert launcher.check_run_worker_health(run).status == WorkerStatus.RUNNING


WRITER = (
    "import sys, time; from pathlib import Path; from orchestration.files import temporary_beside;"
    " t = temporary_beside(Path(sys.argv[1])); t.write_bytes(b'half a parquet');"
    " print(t, flush=True); time.sleep(600)"
)


def test_a_temporary_file_a_killed_writer_left_is_removed_and_a_live_ones_kept(instance, tmp_path):
    partition = tmp_path / "raw" / "market_bars" / "week=2024-12-16"
    partition.mkdir(parents=True)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(partition / "data.parquet")],
        stdout=subprocess.PIPE, text=True, cwd=PROJECT_ROOT,
    )  # fmt: skip
    left = Path(writer.stdout.readline().strip())
    killed(writer)  # before its rename
    live = temporary_beside(partition / "responses.jsonl.gz")  # this process: writing
    live.write_bytes(b"being written")
    (partition / "data.parquet").write_bytes(b"the published week")
    assert abandoned_temporaries(tmp_path / "raw") == [left]

    released = release_dead_runs(instance, landing_roots=[tmp_path / "raw", tmp_path / "nowhere"])
    assert released.removed == (left,)
    assert sorted(p.name for p in partition.iterdir()) == sorted(["data.parquet", live.name])


def test_a_step_on_a_celery_worker_records_no_worker_and_fails_no_run(instance, monkeypatch):
    """A Celery worker's step process ends with its step while the run goes on: were it
    recorded as the run's worker, the run would be found dead after the step."""
    dead = started_run(instance, dead_worker())
    monkeypatch.setenv(STEP_WORKER_ENV, "1")

    @dg.asset(required_resource_keys={"run_start"})
    def a_step() -> None:
        pass

    result = dg.materialize([a_step], instance=instance, resources={"run_start": RunStart()})
    assert result.success
    assert WORKER_TAG not in instance.get_run_by_id(result.run_id).tags
    assert instance.get_run_by_id(dead.run_id).status == dg.DagsterRunStatus.STARTED
