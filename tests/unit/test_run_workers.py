"""A run's worker: recorded as the run starts, judged alive or dead from this host, and
the processes it left behind found and stopped (real processes, killed for real)."""

from __future__ import annotations

import os
import socket
import time
import uuid

import dagster as dg
import psutil
import pytest

from orchestration import run_workers
from orchestration.run_workers import (
    RUN_ID_ENV,
    WORKER_TAG,
    RunWorker,
    WorkerState,
    leftovers,
    record_worker,
    stop_leftovers,
    worker_of,
    worker_state,
)
from tests.processes import gone, killed, start_sleeper


def worker_for(process) -> RunWorker:
    return RunWorker(socket.gethostname(), process.pid, psutil.Process(process.pid).create_time())


def test_this_process_is_alive():
    assert RunWorker.current().state() is WorkerState.ALIVE


def test_a_killed_worker_is_dead():
    process = start_sleeper()
    worker = worker_for(process)
    assert worker.state() is WorkerState.ALIVE
    killed(process)
    assert worker.state() is WorkerState.DEAD


def test_a_killed_worker_not_yet_reaped_is_dead():
    process = start_sleeper()
    worker = worker_for(process)
    process.kill()  # a zombie until its parent (this test) reaps it
    deadline = time.monotonic() + 10
    while psutil.Process(process.pid).status() != psutil.STATUS_ZOMBIE:
        assert time.monotonic() < deadline, "the killed process never became a zombie"
        time.sleep(0.05)
    try:
        assert worker.state() is WorkerState.DEAD
    finally:
        process.wait(timeout=10)


def test_a_pid_given_to_a_later_process_is_not_the_worker():
    process = start_sleeper()
    try:
        worker = worker_for(process)
        earlier = RunWorker(worker.host, worker.pid, worker.started - 60)
        assert earlier.state() is WorkerState.DEAD
    finally:
        killed(process)


def test_a_worker_on_another_host_cannot_be_judged_here():
    worker = RunWorker("another-host.example", os.getpid(), RunWorker.current().started)
    assert worker.state() is WorkerState.ELSEWHERE


def test_the_tag_round_trips_and_a_malformed_one_is_no_worker():
    worker = RunWorker.current()
    assert RunWorker.from_tag(worker.to_tag()) == worker
    for bad in ("", "{", "[]", '{"host": "h"}', '{"host": "h", "pid": "x", "started": 1}'):
        assert RunWorker.from_tag(bad) is None, bad


def test_a_run_records_its_worker_once(tmp_path):
    with dg.DagsterInstance.ephemeral() as instance:
        run = instance.add_run(dg.DagsterRun(job_name="weekly", run_id=str(uuid.uuid4())))
        assert worker_of(run) is None and worker_state(run) is WorkerState.UNRECORDED
        first = record_worker(instance, run.run_id)
        assert first == RunWorker.current()
        # Another process of the same run (a step in its own process) keeps the first.
        process = start_sleeper()
        try:
            alive_first = RunWorker(first.host, process.pid, worker_for(process).started)
            instance.add_run_tags(run.run_id, {WORKER_TAG: alive_first.to_tag()})
            assert record_worker(instance, run.run_id) == alive_first
            # A dead one is replaced (the run was resumed in a new process).
            killed(process)
            assert record_worker(instance, run.run_id) == RunWorker.current()
        finally:
            if process.poll() is None:
                killed(process)
        assert worker_state(instance.get_run_by_id(run.run_id)) is WorkerState.ALIVE


def test_what_a_run_left_running_is_found_by_its_run_id_and_stopped():
    run_id = str(uuid.uuid4())
    left = start_sleeper({RUN_ID_ENV: run_id})
    other = start_sleeper({RUN_ID_ENV: str(uuid.uuid4())})
    try:
        found = leftovers()
        assert [p.pid for p in found[run_id]] == [left.pid]
        assert stop_leftovers(run_id) == [left.pid]
        assert left.wait(timeout=10) is not None
        assert other.poll() is None, "another run's process is left alone"
    finally:
        for process in (left, other):
            if process.poll() is None:
                killed(process)


def test_a_leftover_deaf_to_sigterm_is_killed(monkeypatch):
    monkeypatch.setattr(run_workers, "LEFTOVER_EXIT_SECONDS", 1)
    run_id = str(uuid.uuid4())
    deaf = start_sleeper({RUN_ID_ENV: run_id}, ignore_sigterm=True)
    try:
        assert stop_leftovers(run_id) == [deaf.pid]
        deaf.wait(timeout=10)
        assert gone(deaf.pid)
    finally:
        if deaf.poll() is None:
            killed(deaf)


@pytest.mark.parametrize("value", [None, ""])
def test_no_worker_recorded(value):
    tags = {} if value is None else {WORKER_TAG: value}
    run = dg.DagsterRun(job_name="weekly", run_id=str(uuid.uuid4()), tags=tags)
    assert worker_of(run) is None
