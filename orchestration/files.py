"""Writing a file whole or not at all: beside its final path, then renamed over it, so a
reader (a browser, a run starting, another worker) never sees half of it, or, on object
storage, as one object put in one request; and keeping what is derived once in a cache
file, where one can be written.

A temporary file is hidden and named by the process writing it (`temporary_beside`): a
writer killed before its rename leaves it behind, and `abandoned_temporaries` finds it
once that process is gone, for the next run to remove (`orchestration.dead_runs`).
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import psutil
from upath import UPath

from orchestration import object_store

# `.<name>.<pid>-<32 hex>.tmp`, and the write-ahead log DuckDB may keep beside one.
_TEMPORARY = re.compile(r"^\..+\.(?P<pid>\d+)-[0-9a-f]{32}\.tmp(\.wal)?$")


def temporary_beside(path: Path) -> Path:
    """A hidden temporary file in `path`'s folder, named by this process."""
    return path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex}.tmp")


def abandoned_temporaries(root: Path) -> list[Path]:
    """The temporary files under `root` whose writing process no longer runs."""
    if not root.is_dir():
        return []
    return sorted(
        path
        for path in root.rglob(".*.tmp*")
        if (match := _TEMPORARY.match(path.name)) and not psutil.pid_exists(int(match["pid"]))
    )


def write_atomically(path: Path, content: bytes, sync: bool = False) -> Path:
    """Write `content` to `path` (its folder must exist) in one rename; return `path`.
    `sync`: the content reaches the disk before the rename (what a run lands)."""
    temporary = temporary_beside(path)
    try:
        with temporary.open("wb") as handle:
            handle.write(content)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def put_whole(target: Path | UPath, content: bytes, what: str) -> Path | UPath:
    """Replace `target` with `content` whole: on disk, a temporary file beside it (its folder
    created), synced, then renamed over it; on object storage, one object put in one
    request, a failure naming `what` was being written."""
    if not isinstance(target, Path):
        object_store.put(target, content, what)
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    return write_atomically(target, content, sync=True)


def write_cache_file(path: Path, content: bytes) -> None:
    """Keep `content` at `path` (its folder created) for later runs. A cache that cannot be
    written is skipped: what it would hold is derived again next time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, content)
    except OSError:
        pass
