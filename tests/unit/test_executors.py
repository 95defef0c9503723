"""Where steps execute: the environment chooses in-process or Celery, and a Celery worker
refuses to start where it could not share data with the run."""

from __future__ import annotations

import dagster as dg
import pytest

from orchestration import executors
from orchestration.celery_worker import main, shared_storage_problem, worker_environment
from orchestration.run_workers import STEP_WORKER_ENV


@pytest.fixture(autouse=True)
def no_executor_settings(monkeypatch):
    for name in (executors.EXECUTOR_ENV, executors.BROKER_ENV, executors.BACKEND_ENV):
        monkeypatch.delenv(name, raising=False)


def test_steps_run_in_process_by_default():
    assert executors.run_executor() is dg.in_process_executor


def test_celery_is_chosen_by_the_environment_with_its_broker(monkeypatch):
    monkeypatch.setenv(executors.EXECUTOR_ENV, "celery")
    monkeypatch.setenv(executors.BROKER_ENV, "redis://127.0.0.1:6379/5")
    executor = executors.run_executor()
    assert executor.name == "celery"
    assert executors.backend_url() == "redis://127.0.0.1:6379/5"  # results the same way
    monkeypatch.setenv(executors.BACKEND_ENV, "redis://127.0.0.1:6379/6")
    assert executors.backend_url() == "redis://127.0.0.1:6379/6"


def test_celery_without_a_broker_or_an_unknown_executor_say_what_to_set(monkeypatch):
    monkeypatch.setenv(executors.EXECUTOR_ENV, "celery")
    with pytest.raises(ValueError, match="COMPUTE_WEEKLY_CELERY_BROKER"):
        executors.run_executor()
    monkeypatch.setenv(executors.EXECUTOR_ENV, "k8s")
    with pytest.raises(ValueError, match="in_process, celery"):
        executors.run_executor()


def test_a_worker_needs_the_data_on_object_storage(monkeypatch, capsys):
    monkeypatch.setenv("COMPUTE_WEEKLY_RAW_DIR", "s3://lake/raw")
    monkeypatch.delenv("COMPUTE_WEEKLY_WAREHOUSE", raising=False)
    assert "COMPUTE_WEEKLY_WAREHOUSE to s3://" in shared_storage_problem()
    assert main([]) == 2
    assert "shares no disk" in capsys.readouterr().err
    monkeypatch.setenv("COMPUTE_WEEKLY_WAREHOUSE", "s3://lake/warehouse")
    assert shared_storage_problem() is None
    assert main([]) == 2  # and a broker
    assert "COMPUTE_WEEKLY_CELERY_BROKER" in capsys.readouterr().err


def test_what_a_worker_writes_stays_in_its_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("COMPUTE_WEEKLY_REPORTS_DIR", raising=False)
    env = worker_environment(tmp_path)
    assert env[STEP_WORKER_ENV] == "1"
    for name in ("COMPUTE_WEEKLY_CACHE_DIR", "COMPUTE_WEEKLY_REPORTS_DIR", "DBT_TARGET_PATH",
                 "DBT_LOG_PATH"):  # fmt: skip
        assert env[name].startswith(str(tmp_path)), name
