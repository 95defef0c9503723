"""A Celery worker that executes the steps of compute-weekly's runs (`make worker`).

    python -m orchestration.celery_worker [--dir FOLDER] [--name NAME] [--concurrency N]

With `COMPUTE_WEEKLY_EXECUTOR=celery`, a run hands each step to the broker
(`orchestration.executors`); a worker takes it and executes it with dagster-celery's own
task, against the run's instance (the team's PostgreSQL). Each worker works in a folder
of its own (`--dir`, default a new temporary folder), empty to start with: its cache,
dbt's scratch database, dbt's target and log folders live there. It has no access to the
project's `raw/`, `warehouse/` or `reports/`: the landing zone, the warehouse and the
reports must be on object storage (`s3://` in `COMPUTE_WEEKLY_RAW_DIR`,
`COMPUTE_WEEKLY_WAREHOUSE` and `COMPUTE_WEEKLY_REPORTS_DIR`), through which workers
exchange data and readers find what they made.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any

from orchestration import object_store, settings
from orchestration.executors import QUEUE, backend_url, broker_url, celery_settings
from orchestration.run_workers import STEP_WORKER_ENV


def worker_environment(folder: Path) -> dict[str, str]:
    """What a worker's steps write locally, all inside `folder`."""
    return {
        settings.CACHE_DIR_ENV: str(folder / "cache"),
        "DBT_TARGET_PATH": str(folder / "dbt-target"),
        "DBT_LOG_PATH": str(folder / "dbt-logs"),
        STEP_WORKER_ENV: "1",
    }


def shared_storage_problem() -> str | None:
    """Why a worker could not share data with the others, or None."""
    local = [
        name
        for name in (settings.RAW_DIR_ENV, settings.WAREHOUSE_ENV, settings.REPORTS_DIR_ENV)
        if not object_store.is_s3(os.environ.get(name) or "")
    ]
    if local:
        return (
            f"a Celery worker shares no disk with the run: set {' and '.join(local)} to "
            f"{'an s3:// prefix' if len(local) == 1 else 's3:// prefixes'} "
            "(docs/object-storage.md)"
        )
    return None


def celery_app() -> Any:
    """dagster-celery's app and step task, with this project's broker, backend and settings
    (`orchestration.executors.celery_settings`: a dead worker's step goes to another)."""
    from dagster_celery.executor import CeleryExecutor
    from dagster_celery.make_app import make_app
    from dagster_celery.tasks import create_task

    executor = CeleryExecutor.for_cli(
        broker=broker_url(), backend=backend_url(), config_source=celery_settings()
    )
    app = make_app(executor.app_args())
    create_task(app)
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.celery_worker")
    parser.add_argument("--dir", type=Path, default=None, help="the worker's own folder")
    parser.add_argument("--name", default=None, help="the worker's name (default: its pid)")
    parser.add_argument("--concurrency", type=int, default=1, help="steps at a time")
    args = parser.parse_args(argv)
    problem = shared_storage_problem()
    if problem:
        print(f"worker: {problem}", file=sys.stderr)
        return 2
    try:
        app = celery_app()
    except ValueError as exc:
        print(f"worker: {exc}", file=sys.stderr)
        return 2
    folder = (args.dir or Path(tempfile.mkdtemp(prefix="compute-weekly-worker-"))).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    os.chdir(folder)
    os.environ.update(worker_environment(folder))
    name = args.name or f"worker-{os.getpid()}"
    print(f"worker {name}@{socket.gethostname()} in {folder}", flush=True)
    app.worker_main(
        ["worker", "--queues", QUEUE, "--hostname", f"{name}@%h", "--prefetch-multiplier=1",
         "--concurrency", str(args.concurrency), "--loglevel", "INFO"]
    )  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
