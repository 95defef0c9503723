"""The project instance's event log: Dagster's SQLite storage with its connections kept open
(orchestration/dagster_internals/sqlite_event_log.py). Real SQLite files in a temp folder,
real Dagster."""

from __future__ import annotations

import multiprocessing
import sys
import threading
import time

import dagster as dg
import pytest
from dagster._core.event_api import EventRecordsFilter
from dagster._core.events import (
    AssetMaterializationPlannedData,
    DagsterEvent,
    DagsterEventBatchMetadata,
    DagsterEventType,
)
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from orchestration.dagster_internals.sqlite_event_log import (
    OPEN_RUN_DATABASES,
    ReusedConnectionSqliteEventLogStorage,
    event_log_directory,
)
from tests.conftest import project_instance

ASSET = dg.AssetKey(["raw", "market_bars"])


def planned(run_id: str, week: str) -> EventLogEntry:
    """What Dagster writes for each asset partition a run plans: to the run's database and
    the cross-run index."""
    event = DagsterEvent(
        event_type_value=DagsterEventType.ASSET_MATERIALIZATION_PLANNED.value,
        job_name="__ASSET_JOB",
        event_specific_data=AssetMaterializationPlannedData(ASSET, partition=week),
    )
    return EventLogEntry(
        error_info=None, level=10, user_message="", run_id=run_id, timestamp=time.time(),
        dagster_event=event, job_name="__ASSET_JOB",
    )  # fmt: skip


def logged(run_id: str, message: str) -> EventLogEntry:
    """A log line of a run: to the run's database only."""
    return EventLogEntry(
        error_info=None, level=20, user_message=message, run_id=run_id, timestamp=time.time(),
        dagster_event=None, job_name="__ASSET_JOB",
    )  # fmt: skip


WEEKS = [f"2024-{month:02d}-{day:02d}" for month in (1, 2, 3) for day in (1, 8, 15, 22)]


@pytest.fixture
def storage(tmp_path):
    storage = ReusedConnectionSqliteEventLogStorage(str(tmp_path / "runs"))
    yield storage
    storage.dispose()


@pytest.fixture
def connections_opened():
    """The SQLite connections SQLAlchemy opens in this process, in order."""
    opened: list[object] = []

    def on_connect(dbapi_connection, _record):
        opened.append(dbapi_connection)

    event.listen(Pool, "connect", on_connect)
    yield opened
    event.remove(Pool, "connect", on_connect)


def test_the_project_instance_keeps_its_event_log_where_dagsters_default_does(tmp_path):
    with project_instance(tmp_path) as instance:
        storage = instance.event_log_storage
        assert isinstance(storage, ReusedConnectionSqliteEventLogStorage)
        assert storage._base_dir == str(tmp_path / "history" / "runs")
    assert event_log_directory(tmp_path) == tmp_path / "history" / "runs"


def test_a_run_of_many_events_opens_each_database_once(storage, connections_opened):
    storage.store_event(planned("run-1", WEEKS[0]))
    storage.store_event(logged("run-1", f"landed {WEEKS[0]}"))
    first_event = len(connections_opened)
    for week in WEEKS[1:]:
        storage.store_event(planned("run-1", week))
        storage.store_event(logged("run-1", f"landed {week}"))
    # Dagster's own class opens one per database and event: 3 more a week here
    assert len(connections_opened) == first_event
    assert sorted(storage.open_databases()) == ["index", "run-1"]
    assert len(storage.get_logs_for_run("run-1")) == 2 * len(WEEKS)
    assert [e.dagster_event.event_specific_data.partition for e in storage.get_logs_for_run(
        "run-1", of_type=DagsterEventType.ASSET_MATERIALIZATION_PLANNED)] == WEEKS  # fmt: skip


def test_a_table_once_found_is_not_looked_up_again(storage, connections_opened):
    """Dagster asks before every asset event's tags and every check result."""
    assert storage.has_table("asset_check_executions")
    first_answer = len(connections_opened)
    for _ in range(10):
        assert storage.has_table("asset_check_executions")
    assert len(connections_opened) == first_answer
    assert not storage.has_table("no_such_table")
    assert not storage.has_table("no_such_table")  # asked again: a migration may add one
    assert len(connections_opened) == first_answer + 2


def test_its_files_are_dagsters_both_ways(tmp_path):
    """Same files and schema: Dagster's own class reads what this one wrote, and this one
    what Dagster's wrote, so an instance can switch between them and keep its history."""
    ours = ReusedConnectionSqliteEventLogStorage(str(tmp_path))
    for week in WEEKS[:4]:
        ours.store_event(planned("ours", week))
    ours.dispose()

    dagsters = SqliteEventLogStorage(str(tmp_path))
    assert [e.dagster_event.event_specific_data.partition for e in
            dagsters.get_logs_for_run("ours")] == WEEKS[:4]  # fmt: skip
    dagsters.store_event(logged("theirs", "written by Dagster's class"))
    dagsters.dispose()

    ours = ReusedConnectionSqliteEventLogStorage(str(tmp_path))
    assert [e.user_message for e in ours.get_logs_for_run("theirs")] == [
        "written by Dagster's class"
    ]
    ours.dispose()


@pytest.mark.parametrize("batched", [False, True], ids=["one by one", "as a batch"])
def test_the_uis_file_watcher_sees_each_write_to_a_run(storage, tmp_path, batched):
    """The UI follows a live run by watching the run's database file for changes; with a
    kept connection, SQLite would leave the writes in the -wal file until it filled."""
    seen: list[str] = []
    arrived = threading.Event()

    def on_event(entry, _cursor):
        seen.append(entry.user_message)
        if len(seen) == 3:
            arrived.set()

    storage.store_event(logged("live", "started"))  # the run's database exists
    watcher = ReusedConnectionSqliteEventLogStorage(str(tmp_path / "runs"))  # the UI's
    watcher.watch("live", None, on_event)
    try:
        steps = [logged("live", step) for step in ("step 1", "step 2", "step 3")]
        if batched:
            storage.store_event_batch(steps)
        else:
            for step in steps:
                storage.store_event(step)
        assert arrived.wait(timeout=20), f"the watcher saw only {seen}"
        assert seen[-3:] == ["step 1", "step 2", "step 3"]
    finally:
        watcher.end_watch("live", on_event)
        watcher.dispose()


def test_open_run_databases_are_bounded(storage):
    runs = [f"run-{i:02d}" for i in range(OPEN_RUN_DATABASES + 4)]
    for run_id in runs:
        storage.store_event(logged(run_id, "hello"))
    assert storage.open_databases() == ["index", *runs[-OPEN_RUN_DATABASES:]]
    # a closed one opens again
    assert [e.user_message for e in storage.get_logs_for_run(runs[0])] == ["hello"]
    assert storage.open_databases()[-1] == runs[0]


def test_wipe_closes_the_connections_to_the_files_it_deletes(storage):
    storage.store_event(logged("before", "gone after the wipe"))
    storage.wipe()
    assert storage.get_logs_for_run("before") == []
    storage.store_event(logged("after", "kept"))
    # written to the file on disk, not to the deleted one a kept connection would hold
    on_disk = SqliteEventLogStorage(storage._base_dir)
    assert [e.user_message for e in on_disk.get_logs_for_run("after")] == ["kept"]


def test_a_wipe_by_another_process_does_not_swallow_later_events(storage, tmp_path):
    storage.store_event(logged("run-1", "before the wipe"))
    SqliteEventLogStorage(str(tmp_path / "runs")).wipe()  # `dagster run wipe`, elsewhere
    storage.store_event(logged("run-1", "after the wipe"))
    on_disk = SqliteEventLogStorage(str(tmp_path / "runs"))
    assert [e.user_message for e in on_disk.get_logs_for_run("run-1")] == ["after the wipe"]


def test_dispose_closes_every_connection_and_leaves_no_write_ahead_log(storage, tmp_path):
    storage.store_event(planned("run-1", WEEKS[0]))
    assert list((tmp_path / "runs").glob("*.db-wal"))
    storage.dispose()
    assert storage.open_databases() == []
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["index.db", "run-1.db"]


def _write_in_child(storage: ReusedConnectionSqliteEventLogStorage) -> None:
    """Exits 0 if writing to a database the parent has open opened a connection of its own."""
    opened: list[str] = []

    def on_connect(dbapi_connection, _record):
        opened.append(dbapi_connection.execute("PRAGMA database_list").fetchone()[2])

    event.listen(Pool, "connect", on_connect)
    storage.store_event(logged("run-1", "from the child"))
    sys.exit(0 if storage.path_for_shard("run-1") in opened else 3)


def test_a_forked_process_opens_its_own_connections(storage):
    storage.store_event(logged("run-1", "from the parent"))
    child = multiprocessing.get_context("fork").Process(target=_write_in_child, args=(storage,))
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0, "the child wrote through the parent's connection"
    storage.store_event(logged("run-1", "from the parent again"))
    assert [e.user_message for e in storage.get_logs_for_run("run-1")] == [
        "from the parent", "from the child", "from the parent again",
    ]  # fmt: skip


@pytest.fixture
def commits():
    """The database files SQLAlchemy commits a transaction to, in order."""
    files: list[str] = []

    def on_commit(conn):
        files.append(conn.exec_driver_sql("PRAGMA database_list").fetchone()[2])

    event.listen(Engine, "commit", on_commit)
    yield files
    event.remove(Engine, "commit", on_commit)


def planned_partitions(storage: ReusedConnectionSqliteEventLogStorage) -> list[str]:
    """The partitions the cross-run index holds planned events of."""
    records = storage.get_event_records(
        EventRecordsFilter(DagsterEventType.ASSET_MATERIALIZATION_PLANNED, asset_key=ASSET)
    )
    return sorted(r.event_log_entry.dagster_event.event_specific_data.partition for r in records)


def test_a_batch_of_events_is_one_transaction_a_database(storage, commits):
    """Dagster hands a run's planned events, and a partitioned output's materializations,
    to the storage as one batch (DAGSTER_EVENT_BATCH_SIZE): one commit a database, where
    storing them one by one commits to the run's database and to the index per event."""
    storage.store_event(logged("run-1", "started"))  # the databases exist
    commits.clear()
    storage.store_event_batch([planned("run-1", week) for week in WEEKS])
    assert sorted(commits) == sorted(
        [storage.path_for_shard("run-1"), storage.path_for_shard("index")]
    )
    assert [e.dagster_event.event_specific_data.partition for e in storage.get_logs_for_run(
        "run-1", of_type=DagsterEventType.ASSET_MATERIALIZATION_PLANNED)] == WEEKS  # fmt: skip
    assert planned_partitions(storage) == sorted(WEEKS)


class FailsOnce:
    """The storage's store_event, failing once on the `nth` event it is given."""

    def __init__(self, storage: ReusedConnectionSqliteEventLogStorage, nth: int) -> None:
        self.store_event, self.nth, self.calls = storage.store_event, nth, 0

    def __call__(self, entry: EventLogEntry) -> None:
        self.calls += 1
        if self.calls == self.nth:
            raise OSError("disk I/O error")
        self.store_event(entry)


def test_a_batch_that_fails_leaves_none_of_its_events(storage, monkeypatch):
    """All or nothing, in the run's database and the index: Dagster then stores the batch's
    events one by one, which would duplicate any the failed batch had kept."""
    storage.store_event(logged("run-1", "started"))
    monkeypatch.setattr(storage, "store_event", FailsOnce(storage, nth=5))
    with pytest.raises(OSError, match="disk I/O"):
        storage.store_event_batch([planned("run-1", week) for week in WEEKS])
    assert [e.user_message for e in storage.get_logs_for_run("run-1")] == ["started"]
    assert planned_partitions(storage) == []
    storage.store_event_batch([planned("run-1", week) for week in WEEKS])  # usable after
    assert planned_partitions(storage) == sorted(WEEKS)


def test_the_instance_falls_back_to_single_events_without_duplicates(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", "100")
    with project_instance(tmp_path) as instance:
        storage = instance.event_log_storage
        storage.store_event(logged("run-1", "started"))
        monkeypatch.setattr(storage, "store_event", FailsOnce(storage, nth=3))
        for i, week in enumerate(WEEKS):
            batch = DagsterEventBatchMetadata("planning", i == len(WEEKS) - 1)
            instance.handle_new_event(planned("run-1", week), batch_metadata=batch)
        assert planned_partitions(storage) == sorted(WEEKS)
        assert len(storage.get_logs_for_run("run-1")) == 1 + len(WEEKS)


def test_another_thread_waits_for_a_batch_and_is_not_part_of_it(storage, monkeypatch):
    """A batch holds the storage's lock: another thread's event is written after it, in a
    transaction of its own, and stays if the batch is rolled back."""
    storage.store_event(logged("run-1", "started"))
    original = storage.store_event
    other = threading.Thread(target=original, args=(logged("run-1", "other thread"),))

    def store_event(entry: EventLogEntry) -> None:
        if entry.dagster_event.event_specific_data.partition == WEEKS[3]:
            other.start()
            time.sleep(0.3)  # the other thread would write now, were it not waiting
            raise OSError("disk I/O error")
        original(entry)

    monkeypatch.setattr(storage, "store_event", store_event)
    with pytest.raises(OSError):
        storage.store_event_batch([planned("run-1", week) for week in WEEKS])
    other.join(timeout=20)
    assert [e.user_message for e in storage.get_logs_for_run("run-1")] == [
        "started", "other thread",
    ]  # fmt: skip
    assert planned_partitions(storage) == []
