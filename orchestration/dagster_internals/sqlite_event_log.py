"""The project instance's event log: Dagster's SQLite storage, with its connections kept open.

Dagster records every step of a run as an event: a weekly run of this project writes about
700, a year's backfill about 4,400. Its SQLite event log (`SqliteEventLogStorage`, the
default) builds a new SQLAlchemy engine, opens a new SQLite connection and closes it
again for every write, often two or three times an event (the run's own database, then
the cross-run index). Most of an event's cost is that set-up and tear-down: compiling the
same INSERT anew (an engine's statement cache dies with it), opening the file, and the
checkpoint SQLite runs when the last connection to a database in WAL mode closes.

`ReusedConnectionSqliteEventLogStorage` is that storage with one change: each process
keeps one engine and one connection a database file (the index, and the run databases
it touched last), which halves what an event costs (benchmarks/README.md). It also
remembers which tables exist, which Dagster asks, through yet another new connection,
before storing an asset event's tags or a check's result. Everything else is Dagster's:
the files, their schema and layout (an existing instance keeps its history), the
queries, the locking, the file watcher the UI follows a run with.

Where `DAGSTER_EVENT_BATCH_SIZE` is set (the project's commands set it: Makefile), Dagster
hands some events to the storage as a batch: a new run's planned materializations and
checks (one per asset and week: 2,000 for a year's backfill), and the materializations
of a partitioned output (one per week). Dagster's SQLite class stores a batch's events
one by one; this one stores them in one transaction a database, which halves their cost
again. A batch is all or nothing: when one fails, Dagster stores its events one by one
instead, so none may have been kept. The storage's lock is held for the whole batch, so
the process's other threads wait for it (hence batches of 100: Makefile).

What keeping the connections open would change, and how it does not:
- The UI follows a live run by watching the run's database file, which SQLite only
  writes on a checkpoint (commits go to the `-wal` file). After a write to a run's
  database the connection checkpoints it (`PRAGMA wal_checkpoint(PASSIVE)`: never
  waits, never blocks a reader), as closing the connection did.
- A process forked while a connection is open must not use the parent's: a connection
  is used only by the process that opened it; another gets its own.
- Open files stay bounded: beyond the index, the last OPEN_RUN_DATABASES run databases
  stay open; an older one is closed when another is opened.
- `wipe()` (which deletes the run databases) and `dispose()` close every connection, and
  a connection whose file another process deleted or replaced (`dagster run wipe` while
  the UI runs) is closed and its database opened again before it is used.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

from dagster import Field, StringSource
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SqliteEventLogStorage,
)
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData
from sqlalchemy.engine import Connection, Engine, RootTransaction
from sqlalchemy.pool import NullPool, StaticPool

OPEN_RUN_DATABASES = 8  # a run writes one; the UI reads a few at a time
_INHERITED_OVER_FORK: list[Engine] = []  # see _forget_forked
_CONNECT_ARGS = {"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False}


class _OpenDatabase(NamedTuple):
    pid: int  # the process that opened it
    inode: int | None  # of the file it opened
    engine: Engine  # with the one connection (StaticPool)


class _Batch:
    """The connections a batch of events writes through: one a database, each in one
    transaction for the whole batch."""

    def __init__(self) -> None:
        self._open: dict[str, tuple[Connection, RootTransaction, int]] = {}

    def connection(self, shard: str, engine_for: Callable[[str], Engine]) -> Connection:
        kept = self._open.get(shard)
        if kept is None:
            conn = engine_for(shard).connect()
            kept = (conn, conn.begin(), _total_changes(conn))
            self._open[shard] = kept
        return kept[0]

    def commit(self) -> None:
        for shard, (conn, transaction, changes_before) in self._open.items():
            transaction.commit()
            if shard != INDEX_SHARD_NAME and _total_changes(conn) != changes_before:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")  # see _connect

    def rollback(self) -> None:
        for _, transaction, _ in self._open.values():
            if transaction.is_active:
                transaction.rollback()

    def close(self) -> None:
        for conn, _, _ in self._open.values():
            conn.close()
        self._open.clear()


def event_log_directory(dagster_home: str | os.PathLike[str]) -> Path:
    """Where Dagster's default instance keeps its event log under `dagster_home`."""
    return Path(dagster_home) / "history" / "runs"


class ReusedConnectionSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's SQLite event log, with one open connection a database file and process.

    In dagster.yaml (config/dagster.yaml):

        event_log_storage:
          module: orchestration.dagster_internals.sqlite_event_log
          class: ReusedConnectionSqliteEventLogStorage
          config:
            dagster_home: {env: DAGSTER_HOME}
    """

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        # Before Dagster's constructor: it may already query the index (a new instance).
        self._open: OrderedDict[str, _OpenDatabase] = OrderedDict()  # least recently used first
        self._tables_present: set[str] = set()
        self._batch: _Batch | None = None
        super().__init__(base_dir, inst_data)
        # Re-entrant: a batch holds it while each of its events takes it again.
        self._db_lock = threading.RLock()

    @classmethod
    def config_type(cls) -> Mapping[str, Any]:
        return {
            "dagster_home": Field(
                StringSource,
                description="The instance's home: the event log is kept in history/runs "
                "under it, where Dagster's default SQLite storage keeps it.",
            )
        }

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData | None, config_value: Mapping[str, Any]
    ) -> ReusedConnectionSqliteEventLogStorage:
        base_dir = event_log_directory(config_value["dagster_home"])
        return cls(str(base_dir), inst_data=inst_data)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        # Dagster's _connect, but with the shard's kept engine (one connection, StaticPool)
        # instead of a new engine and connection. Its lock still serialises the process's
        # use of its connections, as it did.
        with self._db_lock:
            if self._batch is not None:  # this thread's batch: its transaction, kept open
                yield self._batch.connection(shard, self._engine)
                return
            engine = self._engine(shard)
            with engine.connect() as conn:
                changes_before = _total_changes(conn)
                with conn.begin():
                    yield conn
                if shard != INDEX_SHARD_NAME and _total_changes(conn) != changes_before:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        # Dagster's store_event for each event, in one transaction a database for the whole
        # batch instead of one an event and database. All or nothing: if an event fails, the
        # batch is rolled back and Dagster stores its events one by one. (Only a failure to
        # commit the second database after the first committed, at the end, would leave
        # the first's events to be written again: two events, not a lost one.)
        with self._db_lock:
            if self._batch is not None:  # a batch within a batch: part of it
                super().store_event_batch(events)
                return
            self._batch = batch = _Batch()
            try:
                for event in events:
                    self.store_event(event)
            except BaseException:
                batch.rollback()
                raise
            else:
                batch.commit()
            finally:
                self._batch = None
                batch.close()

    def has_table(self, table_name: str) -> bool:
        # Dagster asks before every asset event's tags and every check event, each time
        # through a new engine and connection. A table, once there, stays (migrations add
        # tables; nothing at run time drops one), so a yes is remembered.
        if table_name in self._tables_present:
            return True
        present = super().has_table(table_name)
        if present:
            self._tables_present.add(table_name)
        return present

    def _engine(self, shard: str) -> Engine:
        """The shard's engine of this process, opened (and its database initialised) once;
        the least recently used run database is closed beyond OPEN_RUN_DATABASES. Called
        with the storage's lock held."""
        pid = os.getpid()
        path = self.path_for_shard(shard)
        kept = self._open.get(shard)
        if kept is not None:
            if kept.pid != pid:  # opened before a fork: the parent's, not to be touched
                self._forget_forked()
            elif kept.inode == _inode(path):
                self._open.move_to_end(shard)
                return kept.engine
            else:  # the file was deleted or replaced (a wipe by another process)
                del self._open[shard]
                kept.engine.dispose()
                self._initialized_dbs.discard(shard)
        url = self.conn_string_for_shard(shard)
        if shard not in self._initialized_dbs:
            # as Dagster does it: schema and WAL mode through a short-lived connection
            # (its set-up opens more than one at a time)
            setup = create_engine(url, poolclass=NullPool, connect_args=_CONNECT_ARGS)
            self._initdb(setup)
            setup.dispose()
            self._initialized_dbs.add(shard)
        # StaticPool: the one connection, shared by the process's threads (the storage's
        # lock keeps them from using it at the same time).
        engine = create_engine(url, poolclass=StaticPool, connect_args=_CONNECT_ARGS)
        self._open[shard] = _OpenDatabase(pid, _inode(path), engine)
        run_shards = [name for name in self._open if name != INDEX_SHARD_NAME]
        for name in run_shards[: max(0, len(run_shards) - OPEN_RUN_DATABASES)]:
            self._open.pop(name).engine.dispose()
        return engine

    def _forget_forked(self) -> None:
        """Stop using the engines a parent process opened. Their connections are kept
        referenced, never closed here: closing a connection inherited over a fork may
        disturb the parent's use of the database (SQLite's own advice)."""
        pid = os.getpid()
        for name, kept in list(self._open.items()):
            if kept.pid != pid:
                _INHERITED_OVER_FORK.append(kept.engine)
                del self._open[name]

    def open_databases(self) -> list[str]:
        """The databases (shards) this process has a connection to, least recently used
        first."""
        with self._db_lock:
            return [name for name, kept in self._open.items() if kept.pid == os.getpid()]

    def close_connections(self) -> None:
        """Close this process's connections; the next use of a database opens it again."""
        with self._db_lock:
            self._forget_forked()
            while self._open:
                self._open.popitem()[1].engine.dispose()

    def wipe(self) -> None:
        self.close_connections()  # before Dagster deletes the run databases
        super().wipe()

    def dispose(self) -> None:
        self.close_connections()
        super().dispose()


def _inode(path: str) -> int | None:
    """The file's inode number, None if there is no file."""
    try:
        return os.stat(path).st_ino
    except FileNotFoundError:
        return None


def _total_changes(conn: Connection) -> int:
    """Rows the SQLite connection has changed since it opened."""
    return conn.connection.dbapi_connection.total_changes  # type: ignore[union-attr]
