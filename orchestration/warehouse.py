"""The warehouse analysts read: built in private, published atomically.

DuckDB lets one process write a database file and keeps readers in other processes out
while it does. So dbt never writes the file analysts open: it builds in a private file
(`settings.build_warehouse_path()`), and once a build is done `publish` copies that
database into a new file in the storage version older clients read (DuckDB 1.0 and later,
`settings.storage_version()`), then renames it over the published one
(`settings.warehouse_path()`). A reader that has the old file open keeps reading it,
whole, until it reconnects; the next connection sees the new one, whole. Nobody ever
sees half-built marts, and no run fails because someone is reading.

With `COMPUTE_WEEKLY_WAREHOUSE` an `s3://` prefix, the converted copy is uploaded as a
build of its own instead, and a pointer names the latest (`orchestration.published_builds`).

`dbt_environment` gives the dbt process the landing zone (an absolute path or an `s3://`
prefix) and the private file. The staging models are tables, so the published warehouse
holds no path of the landing zone: it is read at build time, and the published file can
be moved, copied or opened on another machine.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

import duckdb

from orchestration import published_builds, settings
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
    build: Path | None = None,
    published: Path | None = None,
    version: str | None = None,
    run_id: str = "manual",
) -> str:
    """Publish the private build for readers, atomically: over the published file, or as
    a new build on object storage. Returns where it went."""
    build = build or settings.build_warehouse_path()
    version = version or settings.storage_version()
    if not build.exists():
        raise FileNotFoundError(f"nothing to publish: no build at {build}")
    if published is None and settings.warehouse_on_s3():
        converted = temporary_beside(build.parent / "publishing" / build.name)
        try:
            _convert(build, converted, version)
            name = published_builds.publish_build(converted, run_id)
        finally:
            converted.unlink(missing_ok=True)
            Path(f"{converted}.wal").unlink(missing_ok=True)
        published_builds.mark_published(build, name)
        return f"{settings.warehouse_prefix()} as build {name}"
    published = published or settings.warehouse_path()
    if build.stem != published.stem:
        raise ValueError(f"{build.name} and {published.name} must share a name (view catalogs)")
    published.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_beside(published)
    try:
        _convert(build, temporary, version)
        os.replace(temporary, published)
    finally:
        temporary.unlink(missing_ok=True)
        Path(f"{temporary}.wal").unlink(missing_ok=True)
    return str(published)


def _convert(build: Path, target: Path, version: str) -> None:
    """Copy the database `build` into a new file `target` in storage `version`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        # Attached under its own name, so the views' catalog references bind while
        # they are copied; the copy keeps them verbatim.
        con.execute(f"ATTACH '{build}' AS \"{build.stem}\" (READ_ONLY)")
        con.execute(f"ATTACH '{target}' AS publishing (STORAGE_VERSION '{version}')")
        con.execute(f'COPY FROM DATABASE "{build.stem}" TO publishing')
        con.execute("DETACH publishing")
