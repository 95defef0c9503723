"""Steps on Celery workers (`COMPUTE_WEEKLY_EXECUTOR=celery`): the demo's year backfilled
in one run whose steps two workers execute, each in its own empty folder, exchanging data
only through a local S3 server and the team's instance (PostgreSQL), with Redis as the
broker. Its marts equal those of the in-process run on local disk."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from benchmarks.seaweedfs import s3_server
from orchestration.settings import PROJECT_ROOT
from tests.integration.test_object_storage import NO_REPORTS, differing_rows, relations
from tests.postgres import REQUIRED_ENV, dagster_url, fresh_database

pytestmark = pytest.mark.integration

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# The machine's Redis is shared and keeps its state: this test uses its own database
# number, emptied before and after.
REDIS_DB = 13
WORKERS = ("w1", "w2")
FIRST, LAST = "2023-12-25", "2024-12-16"
REPORT = 'key:"reports/weekly_report"'
SUCCESS = dg.DagsterRunStatus.SUCCESS


def venv(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


@pytest.fixture
def broker() -> Iterator[str]:
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB, socket_timeout=5)
    try:
        client.flushdb()
    except redis.ConnectionError as exc:
        if os.environ.get(REQUIRED_ENV):
            pytest.fail(f"no Redis at {REDIS_HOST}:{REDIS_PORT} ({exc}), and {REQUIRED_ENV} is set")
        pytest.skip(f"no Redis at {REDIS_HOST}:{REDIS_PORT} ({exc}; CI runs this test)")
    try:
        yield f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"
    finally:
        client.flushdb()
        client.close()


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


def celery_workers_of(instance: dg.DagsterInstance, run_id: str) -> dict[str, str]:
    """Which Celery worker executed each step of the run (dagster-celery's engine events)."""
    found = {}
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
        metadata = entry.dagster_event.event_specific_data.metadata
        if "Celery worker" in metadata:
            found[entry.dagster_event.step_key] = metadata["Celery worker"].value
    return found


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
        env = {k: v for k, v in os.environ.items() if not k.startswith("COMPUTE_WEEKLY_")}
        env.update(
            server.env(),
            DAGSTER_HOME=str(home),
            COMPUTE_WEEKLY_PG_URL=dagster_url(url),
            COMPUTE_WEEKLY_RAW_DIR="s3://lake/raw",
            COMPUTE_WEEKLY_WAREHOUSE="s3://lake/warehouse",
            COMPUTE_WEEKLY_EXECUTOR="celery",
            COMPUTE_WEEKLY_CELERY_BROKER=broker,
            COMPUTE_WEEKLY_CACHE_DIR=str(tmp_path / "reader"),
        )
        subprocess.run([venv("dagster"), "instance", "migrate"], env=env, check=True,
                       capture_output=True)  # fmt: skip
        workers = []
        try:
            for name in WORKERS:
                folder = tmp_path / name
                folder.mkdir()
                log = (tmp_path / f"{name}.log").open("w")
                workers.append(subprocess.Popen(
                    [sys.executable, "-m", "orchestration.celery_worker", "--dir", str(folder),
                     "--name", name],
                    env=env, cwd=folder, stdout=log, stderr=subprocess.STDOUT,
                ))  # fmt: skip
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
            from orchestration import published_builds

            build = published_builds.readable_warehouse()

    assert {host.split("@")[0] for host in executed_by.values()} == set(WORKERS)
    assert set(executed_by) == succeeded and "dbt_models" in succeeded  # every step
    [(step, host)] = reported_by.items()
    worker = host.split("@")[0]
    assert step == "reports__weekly_report" and worker in WORKERS
    assert list((tmp_path / worker / "reports").rglob("*2024-12-20.html"))
    assert files_under(*project_data) == before  # the project's folders were never used
    assert not list(launcher.iterdir())
    for name in WORKERS:  # what a worker wrote stayed in its own folder
        assert {path.name for path in (tmp_path / name).iterdir()} <= {
            "cache", "dbt-target", "dbt-logs", "reports"
        }  # fmt: skip

    con = duckdb.connect()
    con.execute(f"attach '{build}' as s3build (read_only)")
    con.execute(f"attach '{demo_year.warehouse}' as disk (read_only)")
    for mart in relations(con, "marts"):
        assert differing_rows(con, f"marts.{mart}") == 0, mart
