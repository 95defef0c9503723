"""The web traffic feed: estimated daily visits of the tracked AI sites (`raw/web_traffic`).

`TRAFFIC_FEED` chooses the source: `demo` (default), `csv` (`TRAFFIC_CSV_DIR`, a folder of
vendor exports) or `similarweb` (Similarweb's API v5, one request per domain and run:
`SIMILARWEB_API_KEY`, `SIMILARWEB_BASE_URL` to point elsewhere, `SIMILARWEB_MIN_REMAINING`
the data credits a pull needs left before it starts (default 200), `SIMILARWEB_MAX_DAYS`
the most days one request asks for (default 366, a year; a longer run's span is asked in
several requests per domain)).
"""

import os

from orchestration.feeds.lib.live import REPLAY_BASE_URL, REPLAY_SECRET
from orchestration.feeds.lib.spec import Setting, Source, vendor_feed
from orchestration.feeds.traffic.csv_files import CsvTrafficFeed
from orchestration.feeds.traffic.datasets import WEB_TRAFFIC
from orchestration.feeds.traffic.demo import DemoTrafficFeed
from orchestration.feeds.traffic.similarweb_client import (
    DEFAULT_MAX_DAYS,
    DEFAULT_MIN_REMAINING,
    MAX_DAYS_ENV,
    SimilarwebTrafficFeed,
    parse_max_days,
)


def replay_max_days() -> int:
    """The chunk size a replay asks in: the pull's, read from the same `SIMILARWEB_MAX_DAYS`
    (a replay asking other ranges than were recorded finds no answer for them)."""
    return parse_max_days(os.environ.get(MAX_DAYS_ENV) or str(DEFAULT_MAX_DAYS))


SIMILARWEB = Source(
    "similarweb",
    SimilarwebTrafficFeed,
    (
        Setting("SIMILARWEB_BASE_URL", "base_url"),
        Setting("SIMILARWEB_API_KEY", "api_key"),
        Setting(
            "SIMILARWEB_MIN_REMAINING",
            "min_remaining",
            default=str(DEFAULT_MIN_REMAINING),
            parse=int,
        ),
        Setting(MAX_DAYS_ENV, "max_days", default=str(DEFAULT_MAX_DAYS), parse=parse_max_days),
    ),
    # No minimum: the recorded budget check passed when it was made.
    replay=lambda **kw: SimilarwebTrafficFeed(
        REPLAY_BASE_URL, REPLAY_SECRET, min_remaining=0, max_days=replay_max_days(), **kw
    ),
)

FEED = vendor_feed("traffic", (WEB_TRAFFIC,), DemoTrafficFeed, CsvTrafficFeed, SIMILARWEB)
