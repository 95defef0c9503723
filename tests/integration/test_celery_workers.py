"""Steps on Celery workers (`COMPUTE_WEEKLY_EXECUTOR=celery`): the demo's year backfilled
in one run whose steps two workers execute, each in its own empty folder, exchanging data
only through a local S3 server and the team's instance (PostgreSQL), with Redis as the
broker. Its marts equal those of the in-process run on local disk. A worker killed in the
middle of the dbt step loses nothing: the other worker builds it and the run succeeds."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from benchmarks.seaweedfs import S3Server, s3_server
from orchestration.executors import VISIBILITY_TIMEOUT_ENV
from orchestration.settings import PROJECT_ROOT
from tests.integration.test_object_storage import NO_REPORTS, differing_rows, relations
from tests.postgres import REQUIRED_ENV, dagster_url, fresh_database

pytestmark = pytest.mark.integration

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# The machine's Redis is shared and keeps its state: each test uses its own database
# number, emptied before and after.
REDIS_DB = 13
KILL_TEST_REDIS_DB = 12
WORKERS = ("w1", "w2")
FIRST, LAST = "2023-12-25", "2024-12-16"
REPORT = 'key:"reports/weekly_report"'
SUCCESS = dg.DagsterRunStatus.SUCCESS


def venv(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


@contextmanager
def redis_broker(db: int) -> Iterator[str]:
    """The URL of Redis database `db` as a Celery broker, emptied before and after."""
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db, socket_timeout=5)
    try:
        client.flushdb()
    except redis.ConnectionError as exc:
        if os.environ.get(REQUIRED_ENV):
            pytest.fail(f"no Redis at {REDIS_HOST}:{REDIS_PORT} ({exc}), and {REQUIRED_ENV} is set")
        pytest.skip(f"no Redis at {REDIS_HOST}:{REDIS_PORT} ({exc}; CI runs this test)")
    try:
        yield f"redis://{REDIS_HOST}:{REDIS_PORT}/{db}"
    finally:
        client.flushdb()
        client.close()


@pytest.fixture
def broker() -> Iterator[str]:
    with redis_broker(REDIS_DB) as url:
        yield url


def team_environment(server: S3Server, home: Path, pg_url: str, broker_url: str, cache: Path):
    """The environment of a run and its workers: the team's instance, data on S3, Celery."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPUTE_WEEKLY_")}
    env.update(
        server.env(),
        DAGSTER_HOME=str(home),
        COMPUTE_WEEKLY_PG_URL=dagster_url(pg_url),
        COMPUTE_WEEKLY_RAW_DIR="s3://lake/raw",
        COMPUTE_WEEKLY_WAREHOUSE="s3://lake/warehouse",
        COMPUTE_WEEKLY_REPORTS_DIR="s3://lake/reports",
        COMPUTE_WEEKLY_EXECUTOR="celery",
        COMPUTE_WEEKLY_CELERY_BROKER=broker_url,
        COMPUTE_WEEKLY_CACHE_DIR=str(cache),
    )
    return env


def start_worker(env: dict[str, str], folder: Path, name: str, log: Path) -> subprocess.Popen:
    """A worker (`make worker`) in its own empty `folder` and its own process group."""
    folder.mkdir()
    return subprocess.Popen(
        [sys.executable, "-m", "orchestration.celery_worker", "--dir", str(folder),
         "--name", name],
        env=env, cwd=folder, stdout=log.open("w"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip


def materialize(env: dict[str, str], cwd: Path, selection: str, *partitions: str):
    return subprocess.run(
        [venv("dagster"), "asset", "materialize", "-m", "orchestration", "--select", selection,
         *partitions],
        env=env, cwd=cwd, capture_output=True, text=True,
    )  # fmt: skip


def files_under(*folders: Path) -> dict[str, int]:
    return {
        str(path): path.stat().st_mtime_ns
        for folder in folders
        if folder.is_dir()
        for path in folder.rglob("*")
    }


def celery_starts(instance: dg.DagsterInstance, run_id: str) -> list[tuple[str, str]]:
    """(step, Celery worker) each time a worker started executing a step of the run, in
    order (dagster-celery's engine events)."""
    starts = []
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
        metadata = entry.dagster_event.event_specific_data.metadata
        if "Celery worker" in metadata:
            starts.append((entry.dagster_event.step_key, metadata["Celery worker"].value))
    return starts


def celery_workers_of(instance: dg.DagsterInstance, run_id: str) -> dict[str, str]:
    """Which Celery worker executed each step of the run (the last to start it)."""
    return dict(celery_starts(instance, run_id))


def test_a_year_on_two_celery_workers_builds_the_marts_of_the_year_on_disk(
    demo_year, broker, tmp_path
):
    project_data = (PROJECT_ROOT / "raw", PROJECT_ROOT / "warehouse")
    before = files_under(*project_data)
    home, launcher = tmp_path / "home", tmp_path / "launcher"
    home.mkdir()
    launcher.mkdir()
    shutil.copy(PROJECT_ROOT / "config" / "dagster.production.yaml", home / "dagster.yaml")
    with s3_server(tmp_path / "s3") as server, fresh_database() as url:
        server.make_bucket("lake")
        env = team_environment(server, home, url, broker, tmp_path / "reader")
        subprocess.run([venv("dagster"), "instance", "migrate"], env=env, check=True,
                       capture_output=True)  # fmt: skip
        workers = []
        try:
            for name in WORKERS:
                workers.append(start_worker(env, tmp_path / name, name, tmp_path / f"{name}.log"))
            # The year without its 52 reports (they render in one process on a worker,
            # whose processes may not start others), then the last week's report.
            year = materialize(env, launcher, NO_REPORTS, "--partition-range", f"{FIRST}...{LAST}")
            report = materialize(env, launcher, REPORT, "--partition", LAST)
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(timeout=60)
        assert year.returncode == 0, year.stderr[-4000:]
        assert report.returncode == 0, report.stderr[-4000:]

        with pytest.MonkeyPatch.context() as patch:
            for name, value in env.items():
                patch.setenv(name, value)
            with dg.DagsterInstance.from_config(str(home)) as instance:
                records = instance.get_run_records(limit=2)  # newest first
                assert [r.dagster_run.status for r in records] == [SUCCESS, SUCCESS]
                executed_by = celery_workers_of(instance, records[1].dagster_run.run_id)
                succeeded = {
                    entry.dagster_event.step_key
                    for entry in instance.all_logs(
                        records[1].dagster_run.run_id, of_type=dg.DagsterEventType.STEP_SUCCESS
                    )
                }
                reported_by = celery_workers_of(instance, records[0].dagster_run.run_id)
            from orchestration import object_store, published_builds

            build = published_builds.readable_warehouse()
            reports = object_store.filesystem().find("lake/reports")

    assert {host.split("@")[0] for host in executed_by.values()} == set(WORKERS)
    assert set(executed_by) == succeeded and "dbt_models" in succeeded  # every step
    [(step, host)] = reported_by.items()
    worker = host.split("@")[0]
    assert step == "reports__weekly_report" and worker in WORKERS
    assert "lake/reports/weekly-report-2024-12-20.html" in reports  # on object storage
    assert len(reports) == 7  # the page and its six charts
    assert files_under(*project_data) == before  # the project's folders were never used
    assert not list(launcher.iterdir())
    for name in WORKERS:  # what a worker wrote locally stayed in its own folder
        assert {path.name for path in (tmp_path / name).iterdir()} <= {
            "cache", "dbt-target", "dbt-logs"
        }  # fmt: skip

    con = duckdb.connect()
    con.execute(f"attach '{build}' as s3build (read_only)")
    con.execute(f"attach '{demo_year.warehouse}' as disk (read_only)")
    for mart in relations(con, "marts"):
        assert differing_rows(con, f"marts.{mart}") == 0, mart


def steps_events(instance: dg.DagsterInstance, run_id: str, kind: dg.DagsterEventType, step: str):
    return [
        entry
        for entry in instance.all_logs(run_id, of_type=kind)
        if entry.dagster_event.step_key == step
    ]


def celery_hosts(instance: dg.DagsterInstance, run_id: str, step: str) -> list[str]:
    """The Celery workers that started executing `step`, in order."""
    return [host for started, host in celery_starts(instance, run_id) if started == step]


def processes_in(folder: Path) -> list[int]:
    """Processes still running with their working directory inside `folder`."""
    import psutil

    found = []
    for process in psutil.process_iter(["pid", "cwd"]):
        cwd = process.info.get("cwd")
        if cwd and Path(cwd).is_relative_to(folder):
            found.append(process.info["pid"])
    return found


KILL_WEEKS = ("2024-12-09", "2024-12-16")  # the `two_weeks` base's weeks
# The broker hands a step out again after this: longer than the dbt step of two weeks
# takes on a loaded machine (else a live step would be handed out twice, as documented).
VISIBILITY_SECONDS = 60


def test_a_worker_killed_in_the_middle_of_the_dbt_step_loses_nothing(two_weeks, tmp_path):
    """The two weeks' landing zone on S3, and a run of the dbt step on two workers: the
    worker building the warehouse dies whole (its process group killed, as when its machine
    is lost) after dbt has materialized its first model. The step was never acknowledged to
    the broker, so the other worker builds it; the run succeeds, one build is published,
    and its marts equal those the same landing zone gave in process on disk."""
    home, launcher = tmp_path / "home", tmp_path / "launcher"
    home.mkdir()
    launcher.mkdir()
    shutil.copy(PROJECT_ROOT / "config" / "dagster.production.yaml", home / "dagster.yaml")
    with (
        redis_broker(KILL_TEST_REDIS_DB) as broker_url,
        s3_server(tmp_path / "s3") as server,
        fresh_database() as url,
    ):
        server.make_bucket("lake")
        env = team_environment(server, home, url, broker_url, tmp_path / "reader")
        env[VISIBILITY_TIMEOUT_ENV] = str(VISIBILITY_SECONDS)
        with pytest.MonkeyPatch.context() as patch:
            for name, value in server.env().items():
                patch.setenv(name, value)
            from orchestration import object_store

            object_store.filesystem().put(f"{two_weeks.raw}/", "lake/raw", recursive=True)
        subprocess.run([venv("dagster"), "instance", "migrate"], env=env, check=True,
                       capture_output=True)  # fmt: skip
        workers = {
            name: start_worker(env, tmp_path / name, name, tmp_path / f"{name}.log")
            for name in WORKERS
        }
        run_log = tmp_path / "run.log"
        run = subprocess.Popen(
            [venv("dagster"), "asset", "materialize", "-m", "orchestration", "--select",
             "kind:dbt", "--partition-range", "...".join(KILL_WEEKS)],
            env=env, cwd=launcher, stdout=run_log.open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            with pytest.MonkeyPatch.context() as patch:
                for name, value in env.items():
                    patch.setenv(name, value)
                with dg.DagsterInstance.from_config(str(home)) as instance:
                    victim, run_id = kill_the_worker_building_dbt(instance, run, workers)
                    assert run.wait(timeout=300) == 0, run_log.read_text()[-4000:]
                    [record] = instance.get_run_records(limit=2)
                    dbt_hosts = celery_hosts(instance, run_id, "dbt_models")
                    dbt_successes = steps_events(
                        instance, run_id, dg.DagsterEventType.STEP_SUCCESS, "dbt_models"
                    )
                from orchestration import published_builds, settings

                builds = published_builds.list_builds(settings.warehouse_prefix())
                build = published_builds.readable_warehouse()
        finally:
            if run.poll() is None:
                run.kill()
            for worker in workers.values():
                if worker.poll() is None:
                    worker.terminate()
            for worker in workers.values():
                worker.wait(timeout=60)

    [survivor] = set(WORKERS) - {victim}
    assert record.dagster_run.status == SUCCESS
    assert [host.split("@")[0] for host in dbt_hosts] == [victim, survivor]
    assert len(dbt_successes) == 1
    assert len(builds) == 1  # the killed build published nothing
    assert not processes_in(tmp_path / victim)  # dbt died with its worker

    con = duckdb.connect()
    con.execute(f"attach '{build}' as s3build (read_only)")
    con.execute(f"attach '{two_weeks.warehouse}' as disk (read_only)")
    marts = relations(con, "marts")
    assert "stock_performance" in marts
    for mart in marts:
        assert differing_rows(con, f"marts.{mart}") == 0, mart


def kill_the_worker_building_dbt(
    instance: dg.DagsterInstance, run: subprocess.Popen, workers: dict[str, subprocess.Popen]
) -> tuple[str, str]:
    """Wait for the run's dbt step to record its first materialization on a worker, kill
    that worker's process group, and return the worker's name and the run's id."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        assert run.poll() is None, "the run ended before its dbt step materialized anything"
        for name, worker in workers.items():
            assert worker.poll() is None, f"worker {name} exited (its log is {name}.log)"
        records = instance.get_run_records(limit=1)
        if records:
            run_id = records[0].dagster_run.run_id
            materialized = steps_events(
                instance, run_id, dg.DagsterEventType.ASSET_MATERIALIZATION, "dbt_models"
            )
            if materialized:
                [host] = celery_hosts(instance, run_id, "dbt_models")  # handed out once
                victim = host.split("@")[0]
                assert not steps_events(
                    instance, run_id, dg.DagsterEventType.STEP_SUCCESS, "dbt_models"
                ), "the dbt step ended before its worker could be killed"
                os.killpg(workers[victim].pid, signal.SIGKILL)
                workers[victim].wait(timeout=30)
                return victim, run_id
        time.sleep(0.2)
    raise AssertionError("the run's dbt step never materialized anything on a worker")
