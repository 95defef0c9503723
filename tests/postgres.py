"""A fresh PostgreSQL database per test, on the server the project's machines run.

The server is `COMPUTE_WEEKLY_TEST_PG_URL` (default postgresql://postgres@127.0.0.1:5432/
postgres: the developers' and CI machines run PostgreSQL 15 there, trust authentication).
It keeps its state between runs, so each test creates its own database and drops it
after. Where no server answers (a laptop without one), the test skips, saying why.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest

SERVER_ENV = "COMPUTE_WEEKLY_TEST_PG_URL"
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def server_url() -> str:
    return os.environ.get(SERVER_ENV) or DEFAULT_SERVER


def with_database(url: str, database: str, scheme: str | None = None) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}", scheme=scheme or parts.scheme))


def _admin():
    try:
        connection = psycopg2.connect(server_url(), connect_timeout=5)
    except psycopg2.OperationalError as exc:
        pytest.skip(
            f"no PostgreSQL at {urlsplit(server_url()).hostname}:{urlsplit(server_url()).port} "
            f"({str(exc).strip().splitlines()[0]}); set {SERVER_ENV} to one (CI runs these)"
        )
    connection.autocommit = True
    return connection


@contextmanager
def fresh_database() -> Iterator[str]:
    """A new, empty database; yields its URL (plain postgresql://); dropped after."""
    name = f"cw_test_{uuid.uuid4().hex[:12]}"
    admin = _admin()
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
