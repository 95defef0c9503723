"""The published warehouse on object storage: one immutable object per build, a pointer to
the latest, the last N kept, and a local cache of the builds readers opened.

With `COMPUTE_WEEKLY_WAREHOUSE=s3://bucket/prefix`, a successful dbt build is published as
`<prefix>/builds/<UTC timestamp>-<run id>.duckdb` (`publish_build`), then the pointer
`<prefix>/LATEST` (a small JSON object) is replaced to name it, then builds beyond the
newest `COMPUTE_WEEKLY_KEEP_BUILDS` (default 10) are deleted, never the one the pointer
names. Each object is written in one request or one multipart upload, visible only once
complete, so a reader finds the previous build or the new one, whole.

A reader (`readable_warehouse`, `make sql`, the report) fetches a build once into
`<cache>/published/<bucket>/<prefix>/<build>/warehouse.duckdb` and opens it read-only; a
build never changes, so its cached copy is good for ever. Any kept build can be opened by
name, so a past report can be made again from exactly the warehouse it was made from.
The file keeps the name `warehouse.duckdb`: DuckDB names a database after its file, and
the views in it refer to their tables through that name.

dbt builds on top of the latest published build (`prepare_build`): the step downloads it
into its own scratch file unless that file is already the latest build (a marker beside
it says which build it was published as), so a machine or worker with an empty disk
builds on what was published, and a build that failed half-way is never built on.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

from upath import UPath

from orchestration import object_store, settings
from orchestration.files import temporary_beside

BUILDS = "builds"
LATEST = "LATEST"
SUFFIX = ".duckdb"
KEEP_BUILDS_ENV = "COMPUTE_WEEKLY_KEEP_BUILDS"
DEFAULT_KEEP_BUILDS = 10
_BUILD_NAME = re.compile(r"^\d{8}T\d{6}Z-[A-Za-z0-9-]+$")


def keep_builds() -> int:
    value = os.environ.get(KEEP_BUILDS_ENV) or str(DEFAULT_KEEP_BUILDS)
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{KEEP_BUILDS_ENV}={value!r}: give a whole number of builds, 1 or more")
    return int(value)


def build_name(run_id: str, now: dt.datetime | None = None) -> str:
    """A build's name: when it was published (UTC, sortable) and the run that built it."""
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{run_id}"


def build_object(prefix: UPath, name: str) -> UPath:
    if not _BUILD_NAME.match(name):
        raise ValueError(f"{name!r} is not a build name (<YYYYMMDDTHHMMSSZ>-<run id>)")
    return prefix / BUILDS / f"{name}{SUFFIX}"


def latest_build(prefix: UPath) -> str | None:
    """The build the pointer names, or None before the first publication."""
    pointer = prefix / LATEST
    if not object_store.exists(pointer, "looking for the latest build's pointer"):
        return None
    return json.loads(object_store.get(pointer, "reading the latest build's pointer"))["build"]


def list_builds(prefix: UPath) -> list[str]:
    """The kept builds' names, oldest first."""
    folder = prefix / BUILDS
    with object_store.operation("listing the published builds", folder):
        if not folder.fs.exists(folder.path):
            return []
        names = [Path(path).name for path in folder.fs.ls(folder.path, detail=False)]
    return sorted(name.removesuffix(SUFFIX) for name in names if name.endswith(SUFFIX))


def publish_build(file: Path, run_id: str, prefix: UPath | None = None) -> str:
    """Upload `file` as a new build, point `LATEST` at it, delete builds beyond the kept
    number; return the build's name."""
    prefix = prefix or settings.warehouse_prefix()
    name = build_name(run_id)
    target = build_object(prefix, name)
    with object_store.operation("uploading the warehouse build", target):
        target.fs.put_file(str(file), target.path)
    pointer = {"build": name, "run_id": run_id, "published_at": dt.datetime.now(dt.UTC).isoformat()}
    what = "replacing the latest build's pointer"
    object_store.put(prefix / LATEST, json.dumps(pointer).encode(), what)
    prune_builds(prefix, keep_builds(), protect=name)
    return name


def prune_builds(prefix: UPath, keep: int, protect: str) -> list[str]:
    """Delete all but the `keep` newest builds, never `protect`; return what went."""
    names = list_builds(prefix)
    removed = [name for name in names[:-keep] if name != protect] if keep else []
    for name in removed:
        path = build_object(prefix, name)
        with object_store.operation("deleting an old warehouse build", path):
            path.fs.rm_file(path.path)
    return removed


def cached_build(prefix: UPath, name: str) -> Path:
    """Where a build is kept once fetched: one folder per build, the file named as the
    warehouse (its catalog name)."""
    bucket, key = object_store.bucket_and_key(prefix)
    folder = settings.cache_dir() / "published" / bucket / key / name
    return folder / settings.DEFAULT_WAREHOUSE.name


def _download(source: UPath, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_beside(target)
    try:
        with object_store.operation("downloading a warehouse build", source):
            source.fs.get_file(source.path, str(temporary))
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target


def fetch_build(prefix: UPath, name: str | None = None) -> Path:
    """The local copy of build `name` (default: the latest), fetched once."""
    if name is None:
        name = latest_build(prefix)
        if name is None:
            raise FileNotFoundError(f"no warehouse published under {prefix} yet: run a build first")
    target = cached_build(prefix, name)
    if target.is_file():
        return target
    source = build_object(prefix, name)
    if not object_store.exists(source, "looking for a warehouse build"):
        kept = ", ".join(list_builds(prefix)[-5:]) or "none"
        raise FileNotFoundError(f"no build {name!r} under {prefix} (the newest kept: {kept})")
    return _download(source, target)


def readable_warehouse(build: str | None = None) -> Path:
    """The DuckDB file a reader opens: the published file, or, with the warehouse on object
    storage, the local copy of the latest build (or of `build`)."""
    if not settings.warehouse_on_s3():
        if build is not None:
            raise ValueError(
                f"builds are kept by name only when {settings.WAREHOUSE_ENV} is an s3:// prefix"
            )
        return settings.warehouse_path()
    return fetch_build(settings.warehouse_prefix(), build)


def _marker(build_file: Path) -> Path:
    return build_file.with_name(build_file.name + ".published-as")


def prepare_build(build_file: Path, prefix: UPath | None = None) -> str | None:
    """Make `build_file` (dbt's scratch database) the latest published build: downloaded,
    unless the marker beside it says it already is; removed when nothing is published yet,
    so a build never starts from another warehouse's leftovers. Returns the latest build."""
    prefix = prefix or settings.warehouse_prefix()
    latest = latest_build(prefix)
    marker = _marker(build_file)
    expected = f"{prefix} {latest}"
    if marker.is_file() and marker.read_text() == expected and build_file.is_file():
        return latest
    marker.unlink(missing_ok=True)
    Path(f"{build_file}.wal").unlink(missing_ok=True)
    if latest is None:
        build_file.unlink(missing_ok=True)
    else:
        _download(build_object(prefix, latest), build_file)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(expected)
    return latest


def mark_published(build_file: Path, name: str, prefix: UPath | None = None) -> None:
    """Record that `build_file` is now build `name`, so the next build starts from it as is."""
    prefix = prefix or settings.warehouse_prefix()
    _marker(build_file).write_text(f"{prefix} {name}")


def main(argv: list[str] | None = None) -> int:
    """`python -m orchestration.published_builds [path [BUILD] | list]`: the local file of
    the latest build (or of BUILD), fetched if needed, or the kept builds."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m orchestration.published_builds")
    commands = parser.add_subparsers(dest="command", required=True)
    path = commands.add_parser("path", help="print the local file of a build, fetching it once")
    path.add_argument("build", nargs="?", default=None, help="a build's name (default: the latest)")
    commands.add_parser("list", help="list the kept builds, oldest first; * marks the latest")
    args = parser.parse_args(argv)
    if args.command == "path":
        print(readable_warehouse(args.build))
        return 0
    prefix = settings.warehouse_prefix()
    latest = latest_build(prefix)
    for name in list_builds(prefix):
        print(f"{'*' if name == latest else ' '} {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
