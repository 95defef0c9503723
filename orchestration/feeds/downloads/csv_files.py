"""The csv downloads feed: one `<app_id>.csv` per tracked app in a folder (`DOWNLOADS_CSV_DIR`).

Layout: a header naming `date` and `downloads`, and optionally `platform`; without a
`platform` cell a row gets the app's platform from the `apps` seed. A date may appear
once per platform. The reading rules are `orchestration.feeds.lib.csv_reading`'s: an empty
or non-numeric `downloads` is an error naming the file and line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from orchestration import seeds
from orchestration.feeds.lib.csv_reading import CsvFolderFeed, read_records


def read_downloads_file(path: Path, app_id: str, platform: str) -> list[dict[str, Any]]:
    """Every row of one app's file as download rows, checked; `platform` is the default."""
    rows = []
    for record in read_records(path, ["downloads"], key_columns=["platform"]):
        rows.append(
            {
                "app_id": app_id,
                "platform": record.text("platform") or platform,
                "date": record.day,
                "downloads": record.required_number("downloads"),
                "source_ref": path.name,
            }
        )
    return sorted(rows, key=lambda row: (row["date"], row["platform"]))


class CsvDownloadsFeed(
    CsvFolderFeed, env_var="DOWNLOADS_CSV_DIR", noun="app(s)", read=read_downloads_file
):
    """Daily downloads read from a folder of per-app CSV files; a row without a platform
    gets the app's."""

    def entities(self) -> dict[str, tuple[str]]:
        return {app.app_id: (app.platform,) for app in seeds.apps()}
