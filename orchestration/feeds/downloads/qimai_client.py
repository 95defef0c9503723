"""The live Qimai downloads feed, for a licensed or proxied endpoint speaking Qimai's envelope.

Qimai (七麦数据) publishes no API (docs/providers.md, Qimai). Its web app's internal API
(`api.qimai.cn`) needs a logged-in session and a per-request `analysis` signature that
public scrapers reverse-engineer from the site's JavaScript. This client does NOT do
that signing, on purpose: it is fragile and may breach Qimai's terms (docs/providers.md,
Qimai). It calls an endpoint you are entitled to, one that answers the same shape: a
licensed data API, or a proxy of your own that holds the session. So it has no default
base URL.

One request per app with a pinned `store_app_id` (the `apps` seed; ids are resolved once
through Qimai search and pinned, never guessed) and run, for the days of the run's span
(`LiveFeed.plan`) since the app is tracked:
`GET {base}/pred/download?appid=<id>&country=cn&sdate=<first day>&edate=<last day>`, with
the token in a header, by default `Authorization: Bearer <token>` (`token_header` and
`token_scheme` change it; a scheme of None sends the bare token). Answers go through
`qimai.parse_downloads`, the demo's parser; each week then takes its own days, and the
answer is in the records of every week of the span (`LiveFeed.once`), so each week
replays on its own. A week fetched without a plan asks for its own days. Qimai documents
no API, so no maximum range is known (docs/providers.md, Qimai): the span is not
chunked. Apps with no pinned id, and apps on another platform than iOS (`pred/download`
is the App Store endpoint), are notes.

Failures, each naming the provider, the app (and its appid), the days asked for and the
reason, and failing the run's first week (so no week of the run is published):

- code 10605 (the IP or account is throttled; Qimai asks for about half an hour) and a
  truthy `is_logout` (the session or token expired) stop the fetch, not retried;
- any other code but 10000 means the endpoint does not know the app or refused the
  request (docs/providers.md, Qimai: other codes are unconfirmed, treat them all as
  errors; an appid it does not know answers a non-10000 code with `data` null):
  `QimaiUnknownAppError`, permanent, not retried; check the pinned `store_app_id`;
- code 10000 without a `data.list` array (the symptom of a broken proxy or signature,
  docs/providers.md, Qimai), an empty, truncated or HTML body, points of the wrong
  shape: the fetch fails (`FeedDataError`); a `data.list` that is empty is no rows for the app.

An app without a pinned `store_app_id` stays a note: ids are never guessed. The pace is
one request a second by default: Qimai bans IPs that go faster.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from typing import Any, Unpack

from orchestration import seeds
from orchestration.feeds.downloads.qimai import SUCCESS, QimaiError, parse_downloads
from orchestration.feeds.lib.base import FeedBatch, FeedConfigError
from orchestration.feeds.lib.http import HttpPolicy, UnknownEntityError
from orchestration.feeds.lib.live import Connection, LiveFeed
from orchestration.partitions import DateWindow

DOWNLOAD_PATH = "/pred/download"
THROTTLED = 10605
DEFAULT_POLICY = HttpPolicy(rate_per_second=1.0, retries=3, backoff_factor=2.0)


class QimaiThrottledError(QimaiError):
    """Code 10605: the IP or account is throttled."""


class QimaiSessionError(QimaiError):
    """`is_logout`: the session or token expired."""


class QimaiUnknownAppError(QimaiError, UnknownEntityError):
    """A code other than 10000 (not a throttle, not an expired session) for one app: the
    endpoint does not know the app, or refused to serve it. Permanent, not retried."""


def check_session(payload: Any, where: str) -> None:
    """Raise the clear error for a throttled or logged-out answer; pass anything else on
    to `parse_downloads`."""
    if not isinstance(payload, dict):
        return
    message = str(payload.get("msg") or "")
    if payload.get("is_logout"):
        raise QimaiSessionError(
            f"{where}: code {payload.get('code')} {message}: the session expired (is_logout); "
            "renew the token (QIMAI_TOKEN) and run again"
        )
    if payload.get("code") == THROTTLED:
        raise QimaiThrottledError(
            f"{where}: code {THROTTLED} {message}: the IP or account is throttled; Qimai "
            "asks to wait about 30 minutes before trying again (not retried)"
        )


class QimaiDownloadsFeed(LiveFeed):
    """Daily iOS downloads of the tracked apps from a Qimai-shaped `pred/download` endpoint."""

    kind = "qimai"
    default_base_url = ""  # none: a licensed or proxied endpoint must be named
    default_policy = DEFAULT_POLICY
    endpoint = DOWNLOAD_PATH

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        token_header: str = "Authorization",
        token_scheme: str | None = "Bearer",
        apps: Iterable[seeds.App] | None = None,
        **connection: Unpack[Connection],
    ) -> None:
        if not base_url:
            raise FeedConfigError(
                "the Qimai feed needs the base URL of a licensed or proxied endpoint "
                "(QIMAI_BASE_URL); api.qimai.cn itself needs request signing this client "
                "does not do"
            )
        if not token:
            raise FeedConfigError("the Qimai feed needs a token (QIMAI_TOKEN)")
        value = f"{token_scheme} {token}" if token_scheme else token
        super().__init__(
            base_url,
            secrets=[token],
            headers={token_header: value},
            **connection,
        )
        self.apps = tuple(apps) if apps is not None else None  # None: the seed

    def fetch_window(self, window: DateWindow, batch: FeedBatch) -> None:
        unpinned, other_platform = [], []
        span = self.span
        for app in self.apps or seeds.apps():
            if not app.store_app_id:
                unpinned.append(app.app_id)
                continue
            if app.platform != "ios":
                other_platform.append(f"{app.app_id} ({app.platform})")
                continue
            tracked = span.clip(start=app.tracked_from)  # what the span asks of the app
            if tracked is None:
                continue
            with self.about(f"{app.app_id} (appid {app.store_app_id})", tracked):
                rows = self.once(
                    ("downloads", app.store_app_id, app.app_id, tracked),
                    functools.partial(self._downloads, app, tracked),
                )
            own = window.clip(start=app.tracked_from)  # the week's days of the app
            if own is not None:
                batch.rows.extend(row for row in rows if row["date"] in own)
        if unpinned:
            batch.notes.append(
                f"no store_app_id pinned in the apps seed for {len(unpinned)} app(s), not "
                "fetched (resolve each once through Qimai search and pin it): "
                + ", ".join(unpinned)
            )
        if other_platform:
            batch.notes.append(
                "pred/download serves iOS apps only; not fetched: " + ", ".join(other_platform)
            )

    def _downloads(self, app: seeds.App, window: DateWindow) -> list[dict[str, Any]]:
        """One app's rows for `window` (its days of a span); every failure is raised here."""
        assert app.store_app_id
        response = self.http.get(
            DOWNLOAD_PATH,
            params={
                "appid": app.store_app_id,
                "country": "cn",
                "sdate": window.start.isoformat(),
                "edate": (window.end - dt.timedelta(days=1)).isoformat(),
            },
        )
        payload = self.http.json(response)
        check_session(payload, self.http.where(response))
        if isinstance(payload, dict) and "code" in payload and payload["code"] != SUCCESS:
            data = "data null" if payload.get("data") is None else "with data"
            raise self.http.unknown(
                response,
                f"code {payload['code']} {payload.get('msg') or ''} ({data}): the endpoint "
                "does not know this app or refused it; check its pinned store_app_id in "
                "the apps seed; permanent, not retried",
                kind=QimaiUnknownAppError,
            )
        return parse_downloads(payload, app_id=app.app_id, platform=app.platform)
