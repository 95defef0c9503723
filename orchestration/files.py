"""Writing a file whole or not at all: beside its final path, then renamed over it, so a
reader (a browser, a run starting, another worker) never sees half of it; and keeping
what is derived once in a cache file, where one can be written."""

from __future__ import annotations

import os
import uuid
from pathlib import Path


def write_atomically(path: Path, content: bytes) -> Path:
    """Write `content` to `path` (its folder must exist) in one rename; return `path`."""
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        temporary.write_bytes(content)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def write_cache_file(path: Path, content: bytes) -> None:
    """Keep `content` at `path` (its folder created) for later runs. A cache that cannot be
    written is skipped: what it would hold is derived again next time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, content)
    except OSError:
        pass
