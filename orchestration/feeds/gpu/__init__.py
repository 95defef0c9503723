"""The GPU price feed: daily new and used prices of the tracked cards (`raw/gpu_prices`,
exhibits 7 and 8).

`GPU_FEED` chooses the source: `demo` (default), `csv` (`GPU_CSV_DIR`, a folder of vendor
exports) or `keepa` (Keepa's product API: `KEEPA_API_KEY`, `KEEPA_BASE_URL` to point
elsewhere; listings need a pinned ASIN in the `gpu_listings` seed).
"""

from orchestration.feeds.gpu.csv_files import CsvGpuFeed
from orchestration.feeds.gpu.datasets import GPU_PRICES
from orchestration.feeds.gpu.demo import DemoGpuFeed
from orchestration.feeds.gpu.keepa_client import KeepaGpuFeed
from orchestration.feeds.lib.live import REPLAY_BASE_URL, REPLAY_SECRET
from orchestration.feeds.lib.spec import Setting, Source, vendor_feed

KEEPA = Source(
    "keepa",
    KeepaGpuFeed,
    (Setting("KEEPA_BASE_URL", "base_url"), Setting("KEEPA_API_KEY", "api_key")),
    replay=lambda **kw: KeepaGpuFeed(REPLAY_BASE_URL, REPLAY_SECRET, **kw),
)

FEED = vendor_feed("gpu", (GPU_PRICES,), DemoGpuFeed, CsvGpuFeed, KEEPA)
