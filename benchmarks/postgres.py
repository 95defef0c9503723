"""A fresh PostgreSQL database for a run on the team's instance profile, dropped after.

The server is the one the project's machines run (`postgresql://postgres@127.0.0.1:5432/
postgres`, trust authentication) unless `COMPUTE_WEEKLY_TEST_PG_URL` names another. The
test suite and the benchmarks share it: each makes its own database and drops it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg2

SERVER_ENV = "COMPUTE_WEEKLY_TEST_PG_URL"
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


class PostgresUnavailable(RuntimeError):
    """No server answered; the message says where it was looked for."""


def server_url() -> str:
    return os.environ.get(SERVER_ENV) or DEFAULT_SERVER


def with_database(url: str, database: str, scheme: str | None = None) -> str:
    """`url` naming another database (and, if given, another scheme)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}", scheme=scheme or parts.scheme))


def dagster_url(url: str) -> str:
    """The URL as Dagster's instance needs it: the psycopg2 driver named."""
    return with_database(url, urlsplit(url).path.lstrip("/"), "postgresql+psycopg2")


@contextmanager
def fresh_database(prefix: str = "cw") -> Iterator[str]:
    """A new, empty database on the server; yields its URL (plain postgresql://)."""
    server = urlsplit(server_url())
    try:
        admin = psycopg2.connect(server_url(), connect_timeout=5)
    except psycopg2.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise PostgresUnavailable(
            f"no PostgreSQL at {server.hostname}:{server.port or 5432} ({first}); "
            f"set {SERVER_ENV} to a server's URL"
        ) from None
    admin.autocommit = True
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        try:
            yield with_database(server_url(), name, scheme="postgresql")
        finally:
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.close()
