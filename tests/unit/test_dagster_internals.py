"""What the project takes from Dagster's and dagster-dbt's internals
(orchestration/dagster_internals/) is where and what it was when the exact pins were set:
an upgrade that moves or changes any of it fails here, loudly, before it fails in a run
or a daemon. The modules' own behaviour is tested beside them (test_sqlite_event_log.py,
test_dead_runs.py, test_definitions.py)."""

from __future__ import annotations

import inspect
import re
import tomllib
from contextlib import AbstractContextManager
from functools import cached_property
from importlib.metadata import version

import dagster as dg

from orchestration.dagster_internals import (
    PINNED_DAGSTER,
    PINNED_DAGSTER_DBT,
    CheckRunHealthResult,
    WorkerStatus,
)
from orchestration.dagster_internals.dbt_cli import LocalDbtCliResource
from orchestration.dagster_internals.sqlite_event_log import (
    ReusedConnectionSqliteEventLogStorage,
)
from orchestration.settings import PROJECT_ROOT


def test_dagster_and_dagster_dbt_are_the_pinned_versions():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    assert f"dagster=={PINNED_DAGSTER}" in project["dependencies"]
    assert f"dagster-dbt=={PINNED_DAGSTER_DBT}" in project["dependencies"]
    assert version("dagster") == dg.__version__ == PINNED_DAGSTER
    assert version("dagster-dbt") == PINNED_DAGSTER_DBT


def test_the_health_check_types_are_what_run_monitoring_compares():
    from dagster._core.launcher import RunLauncher
    from dagster._daemon.monitoring import run_monitoring

    assert {status.name for status in WorkerStatus} >= {"RUNNING", "FAILED", "SUCCESS"}
    result = CheckRunHealthResult(WorkerStatus.FAILED, "gone")
    assert (result.status, result.msg) == (WorkerStatus.FAILED, "gone")
    assert "run" in inspect.signature(RunLauncher.check_run_worker_health).parameters
    hook = inspect.getattr_static(RunLauncher, "supports_check_run_worker_health")
    assert isinstance(hook, property)
    source = inspect.getsource(run_monitoring.monitor_started_run)
    assert "check_run_worker_health(run)" in source
    assert "[WorkerStatus.RUNNING, WorkerStatus.SUCCESS]" in source
    assert run_monitoring.WorkerStatus is WorkerStatus


def test_the_sqlite_event_log_internals_are_those_the_subclass_overrides():
    from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
        INDEX_SHARD_NAME,
        SqliteEventLogStorage,
    )

    assert issubclass(ReusedConnectionSqliteEventLogStorage, SqliteEventLogStorage)
    assert INDEX_SHARD_NAME == "index"
    connect = inspect.getattr_static(SqliteEventLogStorage, "_connect")
    assert list(inspect.signature(connect).parameters) == ["self", "shard"]
    assert "yield" in inspect.getsource(connect)  # a context manager of a connection
    # the subclass sets a database up as Dagster's _connect does
    assert "self._initdb(engine)" in inspect.getsource(connect)
    assert list(inspect.signature(SqliteEventLogStorage._initdb).parameters)[:2] == [
        "self",
        "engine",
    ]
    init = inspect.getsource(SqliteEventLogStorage.__init__)
    assert "self._initialized_dbs = set()" in init and "self._db_lock" in init
    for name in ("path_for_shard", "conn_string_for_shard", "store_event", "has_table", "wipe"):
        assert callable(getattr(SqliteEventLogStorage, name)), name
    # Dagster's own store_event_batch stores events one by one through store_event: the
    # subclass makes that one transaction a database.
    batch = inspect.getsource(SqliteEventLogStorage.store_event_batch)
    assert re.search(r"self\.store_event\(", batch), batch
    # the storage takes its lock around every use of a connection
    assert isinstance(
        ReusedConnectionSqliteEventLogStorage._connect(
            ReusedConnectionSqliteEventLogStorage.__new__(ReusedConnectionSqliteEventLogStorage),
            "index",
        ),
        AbstractContextManager,
    )


def test_dagster_dbt_pays_the_costs_the_dbt_resource_skips_through_the_hooks_it_overrides():
    from dagster_dbt import DbtCliResource

    assert isinstance(inspect.getattr_static(DbtCliResource, "_cli_version"), cached_property)
    adapter = inspect.signature(DbtCliResource._initialize_dbt_core_adapter)
    assert list(adapter.parameters) == ["self", "args"]
    cli = inspect.getsource(DbtCliResource.cli)
    assert "self._cli_version" in cli and "self._initialize_dbt_core_adapter(args)" in cli
    assert "_cli_version" in LocalDbtCliResource.__dict__
    assert "_initialize_dbt_core_adapter" in LocalDbtCliResource.__dict__


def test_nothing_else_of_the_project_touches_a_private_framework_name():
    internals = PROJECT_ROOT / "orchestration" / "dagster_internals"
    private = re.compile(r"dagster\._|\._replace\(|\b_content\b")
    offenders = [
        f"{path.relative_to(PROJECT_ROOT)}:{number}"
        for path in sorted((PROJECT_ROOT / "orchestration").rglob("*.py"))
        if internals not in path.parents
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if private.search(line)
    ]
    assert offenders == []
