"""The landing zone on disk: where a partition lives and how it is replaced atomically.

Layout: `<raw>/<dataset>/week=<YYYY-MM-DD>/data.parquet`, one file per weekly partition;
`<raw>/<dataset>/data.parquet` for a dataset landed whole. A new version is written to a
hidden temporary file in the same folder and renamed over the old one, so a reader sees
the old partition or the new one, never half a file, and other partitions are never
touched.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

DATA_FILE = "data.parquet"


def partition_dir(raw_root: Path, dataset: str, week_start: dt.date) -> Path:
    return raw_root / dataset / f"week={week_start.isoformat()}"


def partition_file(raw_root: Path, dataset: str, week_start: dt.date) -> Path:
    return partition_dir(raw_root, dataset, week_start) / DATA_FILE


def unpartitioned_file(raw_root: Path, dataset: str) -> Path:
    return raw_root / dataset / DATA_FILE


def write_partition(raw_root: Path, dataset: str, week_start: dt.date, table: pa.Table) -> Path:
    """Replace one weekly partition's data with `table`, atomically."""
    return write_atomically(partition_file(raw_root, dataset, week_start), table)


def write_unpartitioned(raw_root: Path, dataset: str, table: pa.Table) -> Path:
    """Replace a dataset landed whole with `table`, atomically."""
    return write_atomically(unpartitioned_file(raw_root, dataset), table)


def write_atomically(target: Path, table: pa.Table) -> Path:
    """Write `table` to a temporary file beside `target`, then rename it over `target`."""
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{DATA_FILE}.{uuid.uuid4().hex}.tmp"
    try:
        # No key/value metadata beyond the Arrow schema: nothing secret can ride along.
        pq.write_table(table, temporary, compression="zstd")
        with temporary.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target


def read_partition(raw_root: Path, dataset: str, week_start: dt.date) -> pa.Table | None:
    """The landed partition, or None if that week was never landed."""
    path = partition_file(raw_root, dataset, week_start)
    return pq.read_table(path) if path.exists() else None
