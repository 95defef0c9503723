"""What every feed promises: given a window (a week), return its rows and what it noticed.

A feed turns a provider's payloads (or files) into rows of one raw dataset's data
columns. It does not add provenance, validate the contract or write files: the shared
ingest step (`orchestration.ingest`) does that once for every feed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from orchestration.partitions import DateWindow


@dataclass
class FeedBatch:
    """One week of rows from a feed.

    `rows` hold the dataset's data columns. `notes` are things a person should know but
    that do not stop the run: a listing with no file, a week with no rows, a calendar
    horizon passed. `source_ref` names where the rows came from (a file, an endpoint);
    a row may carry its own `source_ref` key instead.
    """

    rows: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    source_ref: str | None = None
    # Rows of other raw datasets that came in the same payloads, by dataset name (e.g. the
    # dividend and split events of a Yahoo chart, for raw/corporate_actions).
    related: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # The provider responses the rows were parsed from, secrets redacted, one JSON-able
    # record each; the landing keeps them beside the partition so a parse can be replayed.
    responses: list[dict[str, Any]] = field(default_factory=list)
    # What the pull cost: requests, retries, bytes, provider credits; numbers by name.
    cost: dict[str, float] = field(default_factory=dict)


class Feed(Protocol):
    """A source of one raw dataset."""

    kind: str  # demo, csv, yahoo, ...: lands as the `source` column

    def fetch(self, window: DateWindow) -> FeedBatch: ...


class FeedConfigError(ValueError):
    """A feed is misconfigured (unknown kind, missing directory, missing key)."""


class FeedDataError(ValueError):
    """A feed delivered data that breaks its contract (bad payload, bad file)."""
