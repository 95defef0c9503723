"""The FX feed: daily units of each watchlist currency per 1 USD (`raw/fx_rates`).

`FX_FEED` chooses the source: `demo` (default), `csv` (`FX_CSV_DIR`, a folder of vendor
exports) or `frankfurter` (the Frankfurter API, `FRANKFURTER_BASE_URL` to point
elsewhere; `FX_CSV_DIR`, if set, serves the currencies Frankfurter does not).
"""

from orchestration.feeds.fx.csv_files import CsvFxFeed
from orchestration.feeds.fx.datasets import FX_RATES
from orchestration.feeds.fx.demo import DemoFxFeed
from orchestration.feeds.fx.frankfurter_client import FrankfurterFxFeed
from orchestration.feeds.lib.live import REPLAY_BASE_URL
from orchestration.feeds.lib.spec import Setting, Source, vendor_feed


def frankfurter(base_url: str, fallback_folder: str) -> FrankfurterFxFeed:
    fallback = CsvFxFeed(fallback_folder) if fallback_folder else None
    return FrankfurterFxFeed(base_url, fallback=fallback)


FRANKFURTER = Source(
    "frankfurter",
    frankfurter,
    (Setting("FRANKFURTER_BASE_URL", "base_url"), Setting("FX_CSV_DIR", "fallback_folder")),
    replay=lambda **kw: FrankfurterFxFeed(REPLAY_BASE_URL, **kw),
)

# The first week of a history needs the rate before it: a market open on an ECB holiday
# (Taipei and Seoul on 25-26 December) carries the last earlier rate.
FEED = vendor_feed("fx", (FX_RATES,), DemoFxFeed, CsvFxFeed, FRANKFURTER, lead_in_weeks=1)
