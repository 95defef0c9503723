"""The app downloads feed: estimated daily downloads of the tracked AI apps
(`raw/app_downloads`).

`DOWNLOADS_FEED` chooses the source: `demo` (default), `csv` (`DOWNLOADS_CSV_DIR`, a folder
of vendor exports) or `qimai` (a licensed or proxied endpoint speaking Qimai's envelope:
`QIMAI_BASE_URL`, `QIMAI_TOKEN`, and `QIMAI_TOKEN_HEADER` if not `Authorization: Bearer`).
"""

from orchestration.feeds.downloads.csv_files import CsvDownloadsFeed
from orchestration.feeds.downloads.datasets import APP_DOWNLOADS
from orchestration.feeds.downloads.demo import DemoDownloadsFeed
from orchestration.feeds.downloads.qimai_client import QimaiDownloadsFeed
from orchestration.feeds.lib.live import REPLAY_BASE_URL, REPLAY_SECRET
from orchestration.feeds.lib.spec import Setting, Source, vendor_feed


def qimai(base_url: str, token: str, token_header: str) -> QimaiDownloadsFeed:
    bearer = token_header.lower() == "authorization"
    return QimaiDownloadsFeed(
        base_url, token, token_header=token_header, token_scheme="Bearer" if bearer else None
    )


QIMAI = Source(
    "qimai",
    qimai,
    (
        Setting("QIMAI_BASE_URL", "base_url"),
        Setting("QIMAI_TOKEN", "token"),
        Setting("QIMAI_TOKEN_HEADER", "token_header", default="Authorization"),
    ),
    replay=lambda **kw: QimaiDownloadsFeed(REPLAY_BASE_URL, REPLAY_SECRET, **kw),
)

FEED = vendor_feed("downloads", (APP_DOWNLOADS,), DemoDownloadsFeed, CsvDownloadsFeed, QIMAI)
