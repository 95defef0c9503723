"""The web traffic feed: estimated daily visits of the tracked AI sites (`raw/web_traffic`).

`TRAFFIC_FEED` chooses the source: `demo` (default), `csv` (`TRAFFIC_CSV_DIR`, a folder of
vendor exports) or `similarweb` (Similarweb's API v5: `SIMILARWEB_API_KEY`,
`SIMILARWEB_BASE_URL` to point elsewhere, `SIMILARWEB_MIN_REMAINING` the data credits a
pull needs left, about 26 domains x 7 days a week).
"""

from orchestration.feeds.lib.live import REPLAY_BASE_URL, REPLAY_SECRET
from orchestration.feeds.lib.spec import Setting, Source, vendor_feed
from orchestration.feeds.traffic.csv_files import CsvTrafficFeed
from orchestration.feeds.traffic.datasets import WEB_TRAFFIC
from orchestration.feeds.traffic.demo import DemoTrafficFeed
from orchestration.feeds.traffic.similarweb_client import (
    DEFAULT_MIN_REMAINING,
    SimilarwebTrafficFeed,
)

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
    ),
    # No minimum: the recorded budget check passed when it was made.
    replay=lambda **kw: SimilarwebTrafficFeed(
        REPLAY_BASE_URL, REPLAY_SECRET, min_remaining=0, **kw
    ),
)

FEED = vendor_feed("traffic", (WEB_TRAFFIC,), DemoTrafficFeed, CsvTrafficFeed, SIMILARWEB)
