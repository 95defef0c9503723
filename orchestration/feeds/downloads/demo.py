"""The demo downloads feed: Qimai-envelope responses from the demo activity model.

One response per app and week, `[epoch_ms, value]` points at midnight Asia/Shanghai,
parsed by `qimai.parse_downloads`. An app is served only from its `tracked_from` day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from orchestration import seeds
from orchestration.feeds.downloads.qimai import CHINA, SUCCESS, parse_downloads
from orchestration.feeds.lib.base import FeedBatch
from orchestration.feeds.lib.demo import activity_model
from orchestration.partitions import DateWindow, report_today


def downloads_payload(app: seeds.App, start: dt.date, end: dt.date) -> dict[str, Any]:
    """What a Qimai-style `pred/download` endpoint returns for an app and [start, end)."""
    profile = activity_model.download_profiles()[app.app_id]
    days = [start + dt.timedelta(days=i) for i in range((end - start).days)]
    points = [
        [
            int(dt.datetime.combine(day, dt.time(), tzinfo=CHINA).timestamp() * 1000),
            round(activity_model.value(profile, day, "downloads")),
        ]
        for day in days
    ]
    return {"code": SUCCESS, "msg": "成功", "data": {"list": points}}


class DemoDownloadsFeed:
    kind = "demo"

    def __init__(self, today: dt.date | None = None) -> None:
        self.today = today or report_today()

    def fetch(self, week: DateWindow) -> FeedBatch:
        batch = FeedBatch(rows=[], source_ref="demo:qimai-pred-download")
        for app in seeds.apps():
            start = max(week.start, app.tracked_from)
            end = min(week.end, self.today)
            if start >= end:
                continue
            batch.rows.extend(
                parse_downloads(
                    downloads_payload(app, start, end), app_id=app.app_id, platform=app.platform
                )
            )
        return batch
