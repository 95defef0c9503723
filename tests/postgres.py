"""A fresh PostgreSQL database per test (benchmarks/postgres.py), or a skip saying why.

The project's machines run PostgreSQL 15 at 127.0.0.1:5432 (trust authentication), which
keeps its state between runs: each test creates its own database and drops it after.
Where no server answers (a laptop without one), the test skips, naming where it looked;
where `COMPUTE_WEEKLY_TEST_PG_REQUIRED` is set (CI sets it), it fails instead.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from benchmarks.postgres import PostgresUnavailable, dagster_url
from benchmarks.postgres import fresh_database as _fresh_database

__all__ = ["dagster_url", "fresh_database"]

REQUIRED_ENV = "COMPUTE_WEEKLY_TEST_PG_REQUIRED"


@contextmanager
def fresh_database() -> Iterator[str]:
    """A new, empty database; yields its URL (plain postgresql://); dropped after."""
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(_fresh_database("cw_test"))
        except PostgresUnavailable as exc:
            if os.environ.get(REQUIRED_ENV):
                pytest.fail(f"{exc}, and {REQUIRED_ENV} is set")
            pytest.skip(f"{exc} (CI runs these tests)")
        yield url
