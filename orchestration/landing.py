"""The landing zone, on disk or object storage: where a partition lives and how it is
replaced atomically.

Layout: `<raw>/<dataset>/week=<YYYY-MM-DD>/data.parquet`, one file per weekly partition;
`<raw>/<dataset>/data.parquet` for a dataset landed whole; rejected pulls under
`<raw>/_rejected/<dataset>/week=<YYYY-MM-DD>/`. Beside a partition, `responses.jsonl.gz`
keeps the provider responses it was parsed from (secrets redacted), for replay. An
answer that fed several weeks (a run's range fetch, `LiveFeed.plan`) is kept once, under
`<raw>/<dataset>/_responses/<sha256>.json.gz` (named by its content, so the same answer
is one object however many weeks or runs it fed), and each of those weeks' files holds
a reference line instead (`ResponseStore`); `orchestration.feeds.replay` reads both.

On disk, a new version is written to a hidden temporary file in the same folder and
renamed over the old one; on object storage (`s3://bucket/prefix`), it is put as one
object in one request (`orchestration.object_store`). Either way a reader sees the old
partition or the new one, never half a file, and other partitions are never touched.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os
import posixpath
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from upath import UPath

from orchestration import object_store
from orchestration.files import put_whole

DATA_FILE = "data.parquet"
RESPONSE_STORE = "_responses"  # beside a dataset's weeks, outside every glob dbt reads
Root = Path | UPath  # a local folder, or an s3:// prefix


def partition_dir(raw_root: Root, dataset: str, week_start: dt.date) -> Root:
    return raw_root / dataset / f"week={week_start.isoformat()}"


def partition_file(raw_root: Root, dataset: str, week_start: dt.date) -> Root:
    return partition_dir(raw_root, dataset, week_start) / DATA_FILE


def unpartitioned_file(raw_root: Root, dataset: str) -> Root:
    return raw_root / dataset / DATA_FILE


def rejected_file(raw_root: Root, dataset: str, window_start: dt.date, stamp: str) -> Root:
    """Where a rejected pull is kept (suffix added by the writer): outside every glob dbt reads."""
    return raw_root / "_rejected" / dataset / f"week={window_start.isoformat()}" / f"pulled-{stamp}"


def write_partition(raw_root: Root, dataset: str, week_start: dt.date, table: pa.Table) -> Root:
    """Replace one weekly partition's data with `table`, atomically."""
    return write_atomically(partition_file(raw_root, dataset, week_start), table)


def write_unpartitioned(raw_root: Root, dataset: str, table: pa.Table) -> Root:
    """Replace a dataset landed whole with `table`, atomically."""
    return write_atomically(unpartitioned_file(raw_root, dataset), table)


class ResponseStore:
    """The answers of one dataset that fed several weeks, each kept once by content:
    `<raw>/<dataset>/_responses/<sha256>.json.gz` (the record as sorted JSON, gzip'd
    without a timestamp, so the same answer is the same object). Remembers what it has
    put, so a run that refers to an answer from 52 weeks writes it once."""

    def __init__(self, raw_root: Root, dataset: str) -> None:
        self.folder = raw_root / dataset / RESPONSE_STORE
        self._stored: set[str] = set()

    def put(self, record: dict[str, Any]) -> tuple[Root, str]:
        """Keep `record` (if not kept already); its object and the SHA-256 of its JSON."""
        text = json.dumps(record, ensure_ascii=False, default=str, sort_keys=True)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        target = self.folder / f"{digest}.json.gz"
        if digest not in self._stored:
            if not _exists(target):
                put_file(target, gzip.compress(text.encode("utf-8"), mtime=0))
            self._stored.add(digest)
        return target, digest


def _exists(path: Root) -> bool:
    if isinstance(path, Path):
        return path.exists()
    return object_store.exists(path, "looking for a stored response")


def _relative(target: Root, folder: Root) -> str:
    """`target`'s path from `folder`, '/'-separated (both in the same landing zone)."""
    if isinstance(target, Path):
        return Path(os.path.relpath(target, folder)).as_posix()
    return posixpath.relpath(target.path, folder.path)


def write_responses(
    folder: Root,
    records: list[dict],
    stem: str = "responses",
    store: ResponseStore | None = None,
) -> Root:
    """Keep the provider responses a pull was parsed from, gzip'd JSON lines, atomically.
    A record marked `shared` goes to `store` (when given) and is referred to by a line
    `{"provider", "stored": <path from this folder>, "sha256"}`."""
    lines = []
    for record in records:
        kept = {name: value for name, value in record.items() if name != "shared"}
        if record.get("shared") and store is not None:
            target, digest = store.put(kept)
            kept = {
                "provider": record.get("provider"),
                "stored": _relative(target, folder),
                "sha256": digest,
            }
        lines.append(json.dumps(kept, ensure_ascii=False, default=str) + "\n")
    content = gzip.compress("".join(lines).encode("utf-8"))
    return put_file(folder / f"{stem}.jsonl.gz", content)


def write_json_lines(target: Root, rows: list[dict]) -> Root:
    """Keep rows as JSON lines, atomically (a pull whose rows broke the contract)."""
    lines = "".join(json.dumps(row, default=str, ensure_ascii=False) + "\n" for row in rows)
    return put_file(target, lines.encode("utf-8"))


def write_atomically(target: Root, table: pa.Table) -> Root:
    """Write `table` as Parquet at `target`, replacing what was there in one step."""
    sink = pa.BufferOutputStream()
    # No key/value metadata beyond the Arrow schema: nothing secret can ride along.
    pq.write_table(table, sink, compression="zstd")
    return put_file(target, sink.getvalue().to_pybytes())


def put_file(target: Root, content: bytes) -> Root:
    """Replace `target` with `content` whole (`orchestration.files.put_whole`)."""
    return put_whole(target, content, "landing a file")


def _read_table(path: Root, columns: list[str] | None = None) -> pa.Table | None:
    """The Parquet file at `path`, or None if there is none."""
    if isinstance(path, Path):
        return pq.read_table(path, columns=columns) if path.exists() else None
    with object_store.operation("reading a landed partition", path):
        if not path.fs.exists(path.path):
            return None
        return pq.read_table(path.path, columns=columns, filesystem=path.fs)


def published_at(raw_root: Root, dataset: str, week_start: dt.date) -> dt.datetime | None:
    """When the published partition of a week was fetched, or None if there is none."""
    table = _read_table(partition_file(raw_root, dataset, week_start), columns=["fetched_at"])
    if table is None:
        return None
    return max(table.column("fetched_at").to_pylist(), default=None)


def read_partition(
    raw_root: Root, dataset: str, week_start: dt.date, schema: pa.Schema | None = None
) -> pa.Table | None:
    """The landed partition, or None if that week was never landed.

    With `schema`, the table is given the current columns: a column added since the week
    was landed reads as nulls (as dbt's union_by_name reads it), one dropped is left out.
    """
    table = _read_table(partition_file(raw_root, dataset, week_start))
    if table is None or schema is None:
        return table
    columns = [
        table.column(field.name).cast(field.type)
        if field.name in table.column_names
        else pa.nulls(table.num_rows, type=field.type)
        for field in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema.with_metadata(None))
