"""The demo traffic feed: Similarweb-v5-shaped responses from the demo activity model.

One response per site domain and week (daily granularity), as the live client requests
them, parsed by `similarweb.parse_visits`. A site is served only from its `tracked_from`
day, and each domain only while it is valid (ChatGPT moved to chatgpt.com in May 2024).

`meta.last_updated` is that of a pull made once the last day asked for was published:
Similarweb releases a day's daily data within 72 hours after the day ends, EST
(developers.similarweb.com, "Data Notifications via Webhooks"; docs/providers.md), so
`PUBLICATION_LAG` after it, never later than the day the pull runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from orchestration import seeds
from orchestration.feeds.lib.demo import activity_model
from orchestration.feeds.lib.demo.activity_feed import DemoActivityFeed
from orchestration.feeds.traffic.similarweb import parse_visits
from orchestration.partitions import DateWindow

PUBLICATION_LAG = dt.timedelta(days=3)


def visits_payload(
    domain: seeds.SiteDomain, start: dt.date, end: dt.date, today: dt.date | None = None
) -> dict[str, Any]:
    """What the v5 traffic-and-engagement endpoint returns for a domain and [start, end),
    asked on `today` (None: once the last day was published)."""
    profile = activity_model.traffic_profiles()[domain.site_id]
    days = [start + dt.timedelta(days=i) for i in range((end - start).days)]
    last = end - dt.timedelta(days=1)
    updated = last + PUBLICATION_LAG if today is None else min(last + PUBLICATION_LAG, today)
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
            "last_updated": updated.isoformat(),
        },
        "data": [
            {
                "date": day.isoformat(),
                "visits": round(activity_model.value(profile, day, "traffic"), 2),
            }
            for day in days
        ],
    }


class DemoTrafficFeed(DemoActivityFeed[seeds.SiteDomain]):
    source_ref = "demo:similarweb-v5"

    def served(self) -> Iterable[tuple[seeds.SiteDomain, dt.date, dt.date | None]]:
        return ((domain, domain.valid_from, domain.valid_to) for domain in seeds.site_domains())

    def rows(self, entity: seeds.SiteDomain, days: DateWindow) -> list[dict[str, Any]]:
        return parse_visits(
            visits_payload(entity, days.start, days.end, self.today),
            site_id=entity.site_id,
            domain=entity.domain,
            category=entity.category,
        )
