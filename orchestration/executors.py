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

A worker that dies in the middle of a step (its machine lost, the whole process killed)
does not lose the step: steps are acknowledged to the broker only when they end
(`task_acks_late`), so the broker hands an unfinished step to another worker. On Redis
that happens once the step has been out for the visibility timeout
(`COMPUTE_WEEKLY_CELERY_VISIBILITY_TIMEOUT`), which must therefore be longer than the
longest step: a step still running after it is handed out a second time. On RabbitMQ the
broker hands it out as soon as the dead worker's connection closes. A step whose own
process is killed while its worker lives (the kernel's OOM killer, say) fails its run with
Celery's WorkerLostError instead of being handed out again: what killed it would most
likely kill it again.
"""

from __future__ import annotations

import os

import dagster as dg

EXECUTOR_ENV = "COMPUTE_WEEKLY_EXECUTOR"
BROKER_ENV = "COMPUTE_WEEKLY_CELERY_BROKER"
BACKEND_ENV = "COMPUTE_WEEKLY_CELERY_BACKEND"
VISIBILITY_TIMEOUT_ENV = "COMPUTE_WEEKLY_CELERY_VISIBILITY_TIMEOUT"
DEFAULT_VISIBILITY_TIMEOUT = 3600  # seconds; kombu's own default for Redis
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


def visibility_timeout() -> int:
    """Seconds a step may be out on a Redis broker before it is handed to another worker."""
    text = (os.environ.get(VISIBILITY_TIMEOUT_ENV) or "").strip()
    if not text:
        return DEFAULT_VISIBILITY_TIMEOUT
    try:
        seconds = int(text)
    except ValueError:
        seconds = 0
    if seconds <= 0:
        raise ValueError(
            f"{VISIBILITY_TIMEOUT_ENV}={text!r}: give a whole number of seconds, longer than "
            "the longest step a worker runs"
        )
    return seconds


def celery_settings() -> dict:
    """Celery settings the run and its workers share, on top of dagster-celery's own.

    Acknowledging a step when it ends lets the broker hand a dead worker's step to another;
    kombu's Redis transport looks for such steps every `unacked_restore_interval` seconds
    once they have been out for the visibility timeout (the throttle of 1 makes every look
    a real one). A step handed out again after it succeeded (a step that outran the
    timeout) is skipped by the worker that takes it, which finds its success in the result
    backend. dagster-celery's transport options (connection retries) are kept.
    """
    from dagster_celery.defaults import broker_transport_options

    timeout = visibility_timeout()
    return {
        "task_acks_late": True,
        "task_reject_on_worker_lost": False,
        "worker_deduplicate_successful_tasks": True,
        "broker_transport_options": {
            **broker_transport_options,
            "visibility_timeout": timeout,
            "unacked_restore_interval": min(10, timeout),
            "unacked_restore_throttle": 1,
        },
    }


def run_executor() -> dg.ExecutorDefinition:
    """The executor the definitions' jobs run with, as the environment chooses it."""
    if executor_name() == "in_process":
        return dg.in_process_executor
    from dagster_celery import celery_executor

    return celery_executor.configured(celery_executor_config(), name="celery")


def celery_executor_config() -> dict:
    """dagster-celery's executor settings: broker and backend read from the environment
    when a run starts, and the settings the workers share (`celery_settings`)."""
    broker_url()  # a clear error now rather than a connection refused at run time
    source = {"env": BACKEND_ENV} if os.environ.get(BACKEND_ENV) else {"env": BROKER_ENV}
    return {"broker": {"env": BROKER_ENV}, "backend": source, "config_source": celery_settings()}
