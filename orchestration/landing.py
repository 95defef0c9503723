"""The landing zone on disk: where a partition lives and how it is replaced atomically.

Layout: `<raw>/<dataset>/week=<YYYY-MM-DD>/data.parquet`, one file per weekly partition;
`<raw>/<dataset>/data.parquet` for a dataset landed whole; rejected pulls under
`<raw>/_rejected/<dataset>/week=<YYYY-MM-DD>/`. Beside a partition, `responses.jsonl.gz`
keeps the provider responses it was parsed from (secrets redacted), for replay.

A new version is written to a hidden temporary file in the same folder and renamed over
the old one, so a reader sees the old partition or the new one, never half a file, and
other partitions are never touched.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.files import temporary_beside

DATA_FILE = "data.parquet"


def partition_dir(raw_root: Path, dataset: str, week_start: dt.date) -> Path:
    return raw_root / dataset / f"week={week_start.isoformat()}"


def partition_file(raw_root: Path, dataset: str, week_start: dt.date) -> Path:
    return partition_dir(raw_root, dataset, week_start) / DATA_FILE


def unpartitioned_file(raw_root: Path, dataset: str) -> Path:
    return raw_root / dataset / DATA_FILE


def rejected_file(raw_root: Path, dataset: str, window_start: dt.date, stamp: str) -> Path:
    """Where a rejected pull is kept (suffix added by the writer): outside every glob dbt reads."""
    return raw_root / "_rejected" / dataset / f"week={window_start.isoformat()}" / f"pulled-{stamp}"


def write_partition(raw_root: Path, dataset: str, week_start: dt.date, table: pa.Table) -> Path:
    """Replace one weekly partition's data with `table`, atomically."""
    return write_atomically(partition_file(raw_root, dataset, week_start), table)


def write_unpartitioned(raw_root: Path, dataset: str, table: pa.Table) -> Path:
    """Replace a dataset landed whole with `table`, atomically."""
    return write_atomically(unpartitioned_file(raw_root, dataset), table)


def write_responses(folder: Path, records: list[dict], stem: str = "responses") -> Path:
    """Keep the provider responses a pull was parsed from, gzip'd JSON lines, atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{stem}.jsonl.gz"
    temporary = temporary_beside(target)
    try:
        with gzip.open(temporary, "wt", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target


def write_atomically(target: Path, table: pa.Table) -> Path:
    """Write `table` to a temporary file beside `target`, then rename it over `target`."""
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    temporary = temporary_beside(target)
    try:
        # No key/value metadata beyond the Arrow schema: nothing secret can ride along.
        pq.write_table(table, temporary, compression="zstd")
        with temporary.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target


def published_at(raw_root: Path, dataset: str, week_start: dt.date) -> dt.datetime | None:
    """When the published partition of a week was fetched, or None if there is none."""
    path = partition_file(raw_root, dataset, week_start)
    if not path.exists():
        return None
    stamps = pq.read_table(path, columns=["fetched_at"]).column("fetched_at")
    return max(stamps.to_pylist(), default=None)


def read_partition(
    raw_root: Path, dataset: str, week_start: dt.date, schema: pa.Schema | None = None
) -> pa.Table | None:
    """The landed partition, or None if that week was never landed.

    With `schema`, the table is given the current columns: a column added since the week
    was landed reads as nulls (as dbt's union_by_name reads it), one dropped is left out.
    """
    path = partition_file(raw_root, dataset, week_start)
    if not path.exists():
        return None
    table = pq.read_table(path)
    if schema is None:
        return table
    columns = [
        table.column(field.name).cast(field.type)
        if field.name in table.column_names
        else pa.nulls(table.num_rows, type=field.type)
        for field in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema.with_metadata(None))
