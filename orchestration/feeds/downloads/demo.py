"""The demo downloads feed: Qimai-envelope responses from the demo activity model.

One response per app and week, `[epoch_ms, value]` points at midnight Asia/Shanghai,
parsed by `qimai.parse_downloads`. An app is served only from its `tracked_from` day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from orchestration import seeds
from orchestration.feeds.downloads.qimai import CHINA, SUCCESS, parse_downloads
from orchestration.feeds.lib.demo import activity_model
from orchestration.feeds.lib.demo.activity_feed import DemoActivityFeed
from orchestration.partitions import DateWindow


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


class DemoDownloadsFeed(DemoActivityFeed[seeds.App]):
    source_ref = "demo:qimai-pred-download"

    def served(self) -> Iterable[tuple[seeds.App, dt.date, None]]:
        return ((app, app.tracked_from, None) for app in seeds.apps())

    def rows(self, entity: seeds.App, days: DateWindow) -> list[dict[str, Any]]:
        payload = downloads_payload(entity, days.start, days.end)
        return parse_downloads(payload, app_id=entity.app_id, platform=entity.platform)
