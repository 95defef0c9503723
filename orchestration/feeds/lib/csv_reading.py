"""Reading vendor CSV exports: one file per listing, currency, site or app, in one folder.

Owns the rules every csv feed shares. In a file (`read_records`): a header row whose
names are trimmed and case-insensitive, in any order; UTF-8 with or without a BOM; LF or
CRLF; a `date` column of `YYYY-MM-DD` dates, none empty and none twice; numbers read by
`parsing.text_number` (an empty cell is a missing value). Every error names the file and
line. For a folder (`CsvFolderFeed`): each file read whole once (a bad row anywhere fails
the run, not only in the week asked for), the week's rows selected, and entities with no
file or no rows in the week reported in the batch notes.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from orchestration.feeds.lib.base import FeedBatch, FeedConfigError, FeedDataError
from orchestration.feeds.lib.parsing import iso_date, text_number
from orchestration.partitions import DateWindow


@dataclass(frozen=True)
class CsvRecord:
    """One data row: where it is (`<file> line <n>`), its date and its cells by column."""

    where: str
    day: dt.date
    cells: dict[str | None, Any]

    def text(self, column: str) -> str:
        return (self.cells.get(column) or "").strip()

    def number(self, column: str) -> float | None:
        """The cell as a number, or None if it is empty."""
        return text_number(self.cells.get(column) or "", f"{self.where} {column}")

    def required_number(self, column: str) -> float:
        value = self.number(column)
        if value is None:
            raise FeedDataError(f"{self.where}: empty {column}")
        return value


def read_records(
    path: Path, columns: Sequence[str], *, key_columns: Sequence[str] = ()
) -> Iterator[CsvRecord]:
    """The rows of `path`, which must have a `date` column and `columns`. A row's key is
    its date plus its `key_columns` cells; a key seen twice is an error."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = [name.strip().lower() for name in (reader.fieldnames or [])]
        missing = [name for name in ("date", *columns) if name not in header]
        if missing:
            raise FeedDataError(f"{path.name}: no {', '.join(missing)} column (header {header})")
        reader.fieldnames = header
        seen: set[tuple[Any, ...]] = set()
        for cells in reader:
            where = f"{path.name} line {reader.line_num}"
            raw_date = (cells.get("date") or "").strip()
            if not raw_date:
                raise FeedDataError(f"{where}: empty date")
            record = CsvRecord(where, iso_date(raw_date, where), cells)
            key = (record.day, *(record.text(column) for column in key_columns))
            if key in seen:
                shown = " ".join(str(part) for part in key if part)
                raise FeedDataError(f"{where}: {shown} appears twice")
            seen.add(key)
            yield record


class CsvFolderFeed:
    """A feed of one csv file per entity (listing, currency, site, app) in a folder.

    A subclass says, as class keywords, the variable that sets the folder (`env_var`, for
    the config error), what an entity is in notes (`noun`, e.g. "listing(s)"), how one
    file becomes rows, each with a `date` (`read(path, entity_id, *arguments)`), and the
    file's name (`file_name`, a format of the entity id); and, in `entities`, the entities
    with the further arguments `read` takes for each.
    """

    kind = "csv"
    env_var: ClassVar[str]
    noun: ClassVar[str]
    read: ClassVar[Callable[..., list[dict[str, Any]]]]
    file_name: ClassVar[str]

    def __init_subclass__(
        cls,
        *,
        env_var: str,
        noun: str,
        read: Callable[..., list[dict[str, Any]]],
        file_name: str = "{}.csv",
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        cls.env_var, cls.noun, cls.file_name = env_var, noun, file_name
        cls.read = staticmethod(read)

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise FeedConfigError(f"{self.env_var}={str(folder)!r} is not a directory")
        self._files: dict[str, list[dict[str, Any]] | None] = {}

    def entities(self) -> Mapping[str, tuple[Any, ...]]:
        """Each entity's id, with the arguments `read` takes after it."""
        raise NotImplementedError

    def rows_of(self, entity: str, arguments: tuple[Any, ...] = ()) -> list[dict[str, Any]] | None:
        """Every row of the entity's file (read once), or None if it has no file."""
        if entity not in self._files:
            path = self.folder / self.file_name.format(entity)
            self._files[entity] = self.read(path, entity, *arguments) if path.exists() else None
        return self._files[entity]

    def fetch(self, week: DateWindow) -> FeedBatch:
        batch = FeedBatch(rows=[])
        missing_files, empty_weeks = [], []
        for entity, arguments in self.entities().items():
            rows = self.rows_of(entity, arguments)
            if rows is None:
                missing_files.append(entity)
                continue
            in_week = [row for row in rows if row["date"] in week]
            if not in_week:
                empty_weeks.append(entity)
            batch.rows.extend(in_week)
        if missing_files:
            batch.notes.append(
                f"no file in {self.folder} for {len(missing_files)} {self.noun}: "
                + ", ".join(missing_files)
            )
        if empty_weeks:
            batch.notes.append(
                f"no rows in the week of {week.start} for {len(empty_weeks)} {self.noun}: "
                + ", ".join(empty_weeks)
            )
        return batch
