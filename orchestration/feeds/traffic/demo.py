"""The demo traffic feed: Similarweb-v5-shaped responses from the demo activity model.

One response per site domain and week (daily granularity), as the live client requests
them, parsed by `similarweb.parse_visits`. A site is served only from its `tracked_from`
day, and each domain only while it is valid (ChatGPT moved to chatgpt.com in May 2024).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from orchestration import seeds
from orchestration.feeds.lib.base import FeedBatch
from orchestration.feeds.lib.demo import activity_model
from orchestration.feeds.traffic.similarweb import parse_visits
from orchestration.partitions import DateWindow, report_today

PUBLICATION_LAG = dt.timedelta(days=9)


def visits_payload(domain: seeds.SiteDomain, start: dt.date, end: dt.date) -> dict[str, Any]:
    """What the v5 traffic-and-engagement endpoint returns for a domain and [start, end)."""
    profile = activity_model.traffic_profiles()[domain.site_id]
    days = [start + dt.timedelta(days=i) for i in range((end - start).days)]
    last = end - dt.timedelta(days=1)
    return {
        "meta": {
            "request": {
                "domain": domain.domain,
                "metrics": ["visits"],
                "granularity": "daily",
                "start_date": start.isoformat(),
                "end_date": last.isoformat(),
                "country": "WW",
            },
            "status": "Success",
            "last_updated": (last + PUBLICATION_LAG).isoformat(),
        },
        "data": [
            {
                "date": day.isoformat(),
                "visits": round(activity_model.value(profile, day, "traffic"), 2),
            }
            for day in days
        ],
    }


class DemoTrafficFeed:
    kind = "demo"

    def __init__(self, today: dt.date | None = None) -> None:
        self.today = today or report_today()

    def fetch(self, week: DateWindow) -> FeedBatch:
        batch = FeedBatch(rows=[], source_ref="demo:similarweb-v5")
        for domain in seeds.site_domains():
            start = max(week.start, domain.valid_from)
            end = min(week.end, domain.valid_to or week.end, self.today)
            if start >= end:
                continue
            payload = visits_payload(domain, start, end)
            batch.rows.extend(
                parse_visits(
                    payload, site_id=domain.site_id, domain=domain.domain, category=domain.category
                )
            )
        return batch
