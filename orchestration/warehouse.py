"""The warehouse analysts read: built in private, published atomically.

DuckDB lets one process write a database file and keeps readers in other processes out
while it does. So dbt never writes the file analysts open: it builds in a private file
(`settings.build_warehouse_path()`), and once a build is done `publish` copies that
database into a new file in the storage version older clients read (DuckDB 1.0 and later,
`settings.storage_version()`), then renames it over the published one
(`settings.warehouse_path()`). A reader that has the old file open keeps reading it,
whole, until it reconnects; the next connection sees the new one, whole. Nobody ever
sees half-built marts, and no run fails because someone is reading.

`dbt_environment` gives the dbt process the absolute paths of the landing zone and of the
private file, so the views it creates read the Parquet by absolute path and work for
anyone who opens the published file, from any folder.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

import duckdb

from orchestration import settings
from orchestration.files import temporary_beside
from orchestration.run_workers import RUN_ID_ENV


@contextlib.contextmanager
def dbt_environment(
    window: Mapping[str, str] | None = None, run_id: str | None = None
) -> Iterator[None]:
    """Environment variables for a dbt process started inside this block: the paths, the
    window to build (`WINDOW_START_ENV`, `WINDOW_END_ENV`), or none (all time), and the
    run it builds for (`RUN_ID_ENV`: found by it, a dbt left behind by a dead run
    worker is stopped)."""
    values: dict[str, str | None] = {
        RUN_ID_ENV: run_id,
        settings.RAW_DIR_ENV: str(settings.raw_dir()),
        settings.BUILD_WAREHOUSE_ENV: str(settings.build_warehouse_path()),
        settings.WINDOW_START_ENV: None,
        settings.WINDOW_END_ENV: None,
        **(window or {}),
    }
    settings.build_warehouse_path().parent.mkdir(parents=True, exist_ok=True)
    saved = {name: os.environ.get(name) for name in values}
    _set_environment(values)
    try:
        yield
    finally:
        _set_environment(saved)


def _set_environment(values: Mapping[str, str | None]) -> None:
    """Set each variable, or unset it where the value is None."""
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def publish(
    build: Path | None = None, published: Path | None = None, version: str | None = None
) -> Path:
    """Publish the private build over the warehouse analysts read, atomically."""
    build = build or settings.build_warehouse_path()
    published = published or settings.warehouse_path()
    version = version or settings.storage_version()
    if not build.exists():
        raise FileNotFoundError(f"nothing to publish: no build at {build}")
    if build.stem != published.stem:
        raise ValueError(f"{build.name} and {published.name} must share a name (view catalogs)")
    published.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_beside(published)
    try:
        with duckdb.connect() as con:
            # Attached under its own name, so the views' catalog references bind while
            # they are copied; the copy keeps them verbatim.
            con.execute(f"ATTACH '{build}' AS \"{build.stem}\" (READ_ONLY)")
            con.execute(f"ATTACH '{temporary}' AS publishing (STORAGE_VERSION '{version}')")
            con.execute(f'COPY FROM DATABASE "{build.stem}" TO publishing')
            con.execute("DETACH publishing")
        os.replace(temporary, published)
    finally:
        temporary.unlink(missing_ok=True)
        Path(f"{temporary}.wal").unlink(missing_ok=True)
    return published
