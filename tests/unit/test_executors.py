"""Where steps execute: the environment chooses in-process or Celery, and a Celery worker
refuses to start where it could not share data with the run."""

from __future__ import annotations

import dagster as dg
import pytest

from orchestration import executors
from orchestration.celery_worker import (
    celery_app,
    main,
    shared_storage_problem,
    worker_environment,
)
from orchestration.run_workers import STEP_WORKER_ENV


@pytest.fixture(autouse=True)
def no_executor_settings(monkeypatch):
    for name in (executors.EXECUTOR_ENV, executors.BROKER_ENV, executors.BACKEND_ENV,
                 executors.VISIBILITY_TIMEOUT_ENV):  # fmt: skip
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


def test_a_dead_workers_step_goes_back_to_the_broker_after_the_visibility_timeout(monkeypatch):
    settings = executors.celery_settings()
    assert settings["task_acks_late"] is True  # acknowledged when the step ends
    assert settings["task_reject_on_worker_lost"] is False  # a killed step fails its run
    assert settings["worker_deduplicate_successful_tasks"] is True  # no step twice after success
    options = settings["broker_transport_options"]
    assert options["visibility_timeout"] == 3600
    assert options["unacked_restore_interval"] == 10 and options["unacked_restore_throttle"] == 1
    assert options["max_retries"] == 3  # dagster-celery's connection retries kept
    monkeypatch.setenv(executors.VISIBILITY_TIMEOUT_ENV, "5")
    options = executors.celery_settings()["broker_transport_options"]
    assert options["visibility_timeout"] == 5 and options["unacked_restore_interval"] == 5


@pytest.mark.parametrize("value", ["0", "-3", "1h", "1.5"])
def test_a_visibility_timeout_that_is_not_whole_seconds_says_so(monkeypatch, value):
    monkeypatch.setenv(executors.VISIBILITY_TIMEOUT_ENV, value)
    with pytest.raises(ValueError, match="COMPUTE_WEEKLY_CELERY_VISIBILITY_TIMEOUT.*whole number"):
        executors.celery_settings()


def test_the_worker_and_the_run_share_the_settings(monkeypatch):
    monkeypatch.setenv(executors.BROKER_ENV, "redis://127.0.0.1:6379/5")
    monkeypatch.setenv(executors.VISIBILITY_TIMEOUT_ENV, "42")
    app = celery_app()
    assert app.conf.task_acks_late is True
    assert app.conf.broker_transport_options["visibility_timeout"] == 42
    assert app.tasks["execute_plan"].acks_late is True
    config = executors.celery_executor_config()
    assert config["config_source"] == executors.celery_settings()


def test_a_worker_needs_the_data_and_the_reports_on_object_storage(monkeypatch, capsys):
    monkeypatch.setenv("COMPUTE_WEEKLY_RAW_DIR", "s3://lake/raw")
    monkeypatch.delenv("COMPUTE_WEEKLY_WAREHOUSE", raising=False)
    monkeypatch.setenv("COMPUTE_WEEKLY_REPORTS_DIR", "/shared/reports")
    problem = shared_storage_problem()
    assert "COMPUTE_WEEKLY_WAREHOUSE and COMPUTE_WEEKLY_REPORTS_DIR to s3://" in problem
    assert main([]) == 2
    assert "shares no disk" in capsys.readouterr().err
    monkeypatch.setenv("COMPUTE_WEEKLY_WAREHOUSE", "s3://lake/warehouse")
    monkeypatch.setenv("COMPUTE_WEEKLY_REPORTS_DIR", "s3://lake/reports")
    assert shared_storage_problem() is None
    assert main([]) == 2  # and a broker
    assert "COMPUTE_WEEKLY_CELERY_BROKER" in capsys.readouterr().err


def test_what_a_worker_writes_locally_stays_in_its_folder(tmp_path):
    env = worker_environment(tmp_path)
    assert env[STEP_WORKER_ENV] == "1"
    for name in ("COMPUTE_WEEKLY_CACHE_DIR", "DBT_TARGET_PATH", "DBT_LOG_PATH"):
        assert env[name].startswith(str(tmp_path)), name
    assert "COMPUTE_WEEKLY_REPORTS_DIR" not in env  # reports go to object storage


def test_a_report_on_a_worker_with_a_local_folder_fails_naming_the_setting(monkeypatch, tmp_path):
    from orchestration.assets.report import weekly_report
    from orchestration.dead_runs import RunStart

    monkeypatch.setenv(STEP_WORKER_ENV, "1")
    monkeypatch.setenv("COMPUTE_WEEKLY_REPORTS_DIR", str(tmp_path / "reports"))
    result = dg.materialize(
        [weekly_report],
        instance=dg.DagsterInstance.ephemeral(),
        resources={"run_start": RunStart()},
        partition_key="2024-12-16",
        raise_on_error=False,
    )
    assert not result.success
    [failure] = [event for event in result.all_events if event.is_step_failure]
    message = failure.step_failure_data.user_failure_data.description
    assert "COMPUTE_WEEKLY_REPORTS_DIR" in message and "s3://" in message
    assert not (tmp_path / "reports").exists()
