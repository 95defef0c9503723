"""Local servers speaking the live providers' APIs (Yahoo's v8 chart, Similarweb v5,
Frankfurter v2) with the demo's payloads, for any date range: what the tests and
`make bench` run live feeds against, over real HTTP, without the internet. Bound to
127.0.0.1 only. It counts what it is asked and can answer a storm of 429s or Yahoo's
Not Found for chosen symbols."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from zoneinfo import ZoneInfo

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from orchestration import seeds
from orchestration.feeds.fx.demo import rates_payload
from orchestration.feeds.fx.frankfurter_client import FrankfurterFxFeed
from orchestration.feeds.lib.http import HttpPolicy
from orchestration.feeds.market.demo import chart_payload, split_history_payload
from orchestration.feeds.market.symbols import wind_to_yahoo
from orchestration.feeds.market.yahoo import YahooMarketFeed
from orchestration.feeds.traffic.demo import visits_payload
from orchestration.feeds.traffic.similarweb_client import TRAFFIC_PATH, SimilarwebTrafficFeed

KEY = "sw-test-key"  # the Similarweb key the server wants (a fake)
UPDATED = "2024-12-20"  # Similarweb's meta.last_updated, whatever the range asked
# No pacing, quick retries: for counting requests, not for timing a provider's pace.
UNPACED = HttpPolicy(rate_per_second=1000.0, backoff_factor=0.01, backoff_jitter=0.0)


class LocalProviders:
    """Yahoo, Similarweb and Frankfurter on one local server, answering the demo's
    payloads for any range; counts what it is asked; a storm of 429s on request."""

    def __init__(self, server: HTTPServer, today: dt.date) -> None:
        self.server = server
        self.today = today  # days from it on are not served; splits known as of it
        self.storm: tuple[int, int] = (0, 0)  # 429 for Yahoo requests first..last (1-based)
        self.yahoo_calls = 0
        self.unknown: set[str] = set()
        listings = {wind_to_yahoo(listing.symbol): listing for listing in seeds.watchlist()}
        domains = {domain.domain: domain for domain in seeds.site_domains()}

        def yahoo(request: Request) -> Response:
            self.yahoo_calls += 1
            first, last = self.storm
            if first <= self.yahoo_calls <= last:
                return Response("Too Many Requests", 429)
            symbol = request.path.rsplit("/", 1)[1]
            if symbol in self.unknown:
                error = {"code": "Not Found", "description": "No data found"}
                return answer({"chart": {"result": None, "error": error}}, 404)
            listing = listings[symbol]
            if request.args.get("range") == "max":
                return answer(split_history_payload(listing, as_of=today))
            zone = ZoneInfo(seeds.exchanges()[listing.exchange].timezone)
            start, end = (
                dt.datetime.fromtimestamp(int(request.args[name]), zone).date()
                for name in ("period1", "period2")
            )
            return answer(chart_payload(listing, start, end, as_of=today))

        def traffic(request: Request) -> Response:
            assert request.headers.get("api-key") == KEY
            start = dt.date.fromisoformat(request.args["start_date"])
            end = dt.date.fromisoformat(request.args["end_date"]) + dt.timedelta(days=1)
            payload = visits_payload(domains[request.args["domain"]], start, end)
            # Similarweb's last_updated is when its data was last updated, the same for
            # any range asked on one day (the demo's dates each week's own answer).
            payload["meta"]["last_updated"] = UPDATED
            return answer(payload)

        def rates(request: Request) -> Response:
            currencies = [c.upper() for c in request.args["quotes"].split(",")]
            start = dt.date.fromisoformat(request.args["from"])
            end = dt.date.fromisoformat(request.args["to"]) + dt.timedelta(days=1)
            return answer(rates_payload(currencies, start, end))

        server.expect_request(re.compile("^/v8/finance/chart/")).respond_with_handler(yahoo)
        server.expect_request(TRAFFIC_PATH).respond_with_handler(traffic)
        server.expect_request("/user-capabilities").respond_with_json(
            {"allowance": 1_000_000, "user_remaining": 900_000}
        )
        server.expect_request("/v2/rates").respond_with_handler(rates)

    def count(self, prefix: str) -> int:
        return sum(1 for request, _ in self.server.log if request.path.startswith(prefix))

    # The live feeds pointed at this server (`policy` None: each provider's default pace).

    def yahoo(self, policy: HttpPolicy | None = UNPACED) -> YahooMarketFeed:
        return YahooMarketFeed(self.server.url_for("/"), policy=policy, today=self.today)

    def similarweb(self, policy: HttpPolicy | None = UNPACED) -> SimilarwebTrafficFeed:
        url = self.server.url_for("/")
        return SimilarwebTrafficFeed(url, KEY, policy=policy, today=self.today)

    def frankfurter(self, policy: HttpPolicy | None = UNPACED) -> FrankfurterFxFeed:
        return FrankfurterFxFeed(self.server.url_for("/"), policy=policy, today=self.today)


def answer(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status, content_type="application/json")


@contextmanager
def local_providers(today: dt.date) -> Iterator[LocalProviders]:
    """A server on a free port of 127.0.0.1, stopped on exit."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        yield LocalProviders(server, today)
    finally:
        server.clear()
        if server.is_running():
            server.stop()
