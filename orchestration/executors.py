"""Where a run's steps execute: in the run's own process (the default), or on Celery
workers (`COMPUTE_WEEKLY_EXECUTOR=celery`).

In process, every step of a run shares one process, which saves a process start-up per
step (benchmarks/README.md), and DuckDB allows one writer anyway. On Celery
(dagster-celery's executor), each step is a task that a worker (`make worker`,
`orchestration.celery_worker`) takes from the broker in `COMPUTE_WEEKLY_CELERY_BROKER`
(e.g. `redis://127.0.0.1:6379/5`), results going back through the same server unless
`COMPUTE_WEEKLY_CELERY_BACKEND` names another. Workers share no disk with the run or each
other: they need the landing zone and the warehouse on object storage
(`orchestration.object_store`) and the team's instance (PostgreSQL), which is how they
exchange data.
"""

from __future__ import annotations

import os

import dagster as dg

EXECUTOR_ENV = "COMPUTE_WEEKLY_EXECUTOR"
BROKER_ENV = "COMPUTE_WEEKLY_CELERY_BROKER"
BACKEND_ENV = "COMPUTE_WEEKLY_CELERY_BACKEND"
QUEUE = "dagster"  # dagster-celery's queue for step tasks
EXECUTORS = ("in_process", "celery")


def executor_name() -> str:
    name = (os.environ.get(EXECUTOR_ENV) or "in_process").strip().lower()
    if name not in EXECUTORS:
        raise ValueError(f"{EXECUTOR_ENV}={name!r}: use one of {', '.join(EXECUTORS)}")
    return name


def broker_url() -> str:
    url = os.environ.get(BROKER_ENV)
    if not url:
        raise ValueError(
            f"{EXECUTOR_ENV}=celery needs {BROKER_ENV}, the Celery broker's URL "
            "(e.g. redis://127.0.0.1:6379/5)"
        )
    return url


def backend_url() -> str:
    return os.environ.get(BACKEND_ENV) or broker_url()


def run_executor() -> dg.ExecutorDefinition:
    """The executor the definitions' jobs run with, as the environment chooses it."""
    if executor_name() == "in_process":
        return dg.in_process_executor
    from dagster_celery import celery_executor

    broker_url()  # a clear error now rather than a connection refused at run time
    source = {"env": BACKEND_ENV} if os.environ.get(BACKEND_ENV) else {"env": BROKER_ENV}
    return celery_executor.configured(
        {"broker": {"env": BROKER_ENV}, "backend": source}, name="celery"
    )
