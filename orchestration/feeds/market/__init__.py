"""The market feed: daily bars of the watchlist's listings (`raw/market_bars`), and the
dividends and splits that come with them (`raw/corporate_actions`).

`MARKET_FEED` chooses the source: `demo` (default), `csv` (`MARKET_CSV_DIR`, a folder of
vendor exports) or `yahoo` (Yahoo Finance's chart API, `YAHOO_BASE_URL` to point
elsewhere).
"""

from orchestration.feeds.lib.live import REPLAY_BASE_URL
from orchestration.feeds.lib.spec import Setting, Source, vendor_feed
from orchestration.feeds.market.csv_files import CsvMarketFeed
from orchestration.feeds.market.datasets import CORPORATE_ACTIONS, MARKET_BARS
from orchestration.feeds.market.demo import DemoMarketFeed
from orchestration.feeds.market.yahoo import YahooMarketFeed

YAHOO = Source(
    "yahoo",
    YahooMarketFeed,
    (Setting("YAHOO_BASE_URL", "base_url"),),
    replay=lambda **kw: YahooMarketFeed(REPLAY_BASE_URL, **kw),
)

FEED = vendor_feed("market", (MARKET_BARS, CORPORATE_ACTIONS), DemoMarketFeed, CsvMarketFeed, YAHOO)
