"""The live Keepa GPU price feed: one `product` request per pinned listing and run.

camelcamelcamel, the report's source, has no API (docs/providers.md, Keepa); Keepa serves the same
Amazon price histories through one: for each listing of the `gpu_listings` seed with a
pinned ASIN,

    GET {base}/product?key=<KEEPA_API_KEY>&domain=<Keepa domain id>&asin=<ASIN>&history=1

and the answer goes through `keepa.parse_prices`, the demo's parser. Keepa takes the key
in the query string only; the HTTP layer redacts it (`key=***`) from every error, log
record and recorded answer, and the key's value wherever it appears. A listing without a
pinned ASIN is a note, never a guess; one before its `tracked_from` day (in the whole
span of the run's weeks, `LiveFeed.plan`) is not asked for.

`history=1` returns the whole history whatever the days wanted, so each listing is asked
once per plan (one Dagster run; once per feed instance when no week was planned), with
no date range to limit: `LiveFeed.once` keeps the answer for every week of the run and
adds it to each week's recorded responses, marked `shared` with the span of the run's
weeks, so a week can be replayed alone. Keepa meters requests in tokens (about one per
product): the `tokensConsumed` of the answers a week's pull sent are reported as
`tokens` in its cost (0 in the weeks that reuse them).

Errors, each naming the provider, the listing (product, ASIN, marketplace), the days and
the reason:

- 400 (REQUEST_REJECTED: a bad key or parameter), 402 (PAYMENT_REQUIRED: no active plan
  for the key) and 405 stop the pull with Keepa's message, never retried; which of 400
  and 402 Keepa sends for a mistyped key is unconfirmed, so both say to check it;
- 429 (NOT_ENOUGH_TOKEN: the token bucket is empty) is retried by the HTTP layer with a
  backoff long enough for tokens to refill (about 90 s in all), then fails the pull;
- an `error` object inside a 200 answer stops the pull, not retried;
- an ASIN missing from the answer, or one Keepa calls INVALID (productType 4) or a
  VARIATION_PARENT (5), is `UnknownEntityError`: permanent, fix the seed (it fails the
  run's first week, so no week of the run is published);
- productType 3 (prices hidden) and a product without history are notes, no rows;
- an empty, truncated or HTML body where JSON is due, and a product of the wrong shape,
  fail the pull (`ProviderBodyError`, `FeedDataError`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any, Unpack

from orchestration import seeds
from orchestration.feeds.gpu.keepa import (
    INVALID,
    PRODUCT_TYPES,
    VARIATION_PARENT,
    Marketplace,
    find_product,
    keepa_error,
    marketplace,
    parse_prices,
)
from orchestration.feeds.lib.base import FeedBatch, FeedConfigError
from orchestration.feeds.lib.http import HttpPolicy, json_or_none
from orchestration.feeds.lib.live import Connection, LiveFeed
from orchestration.feeds.lib.parsing import json_number
from orchestration.partitions import DateWindow

DEFAULT_BASE_URL = "https://api.keepa.com"
PRODUCT_PATH = "/product"
# One product a second; a 429 means the token bucket is empty and refills by the minute,
# so the retries wait 4, 8, 16, 30 and 30 s (within the 120 s bound).
DEFAULT_POLICY = HttpPolicy(rate_per_second=1.0, retries=5, backoff_factor=4.0)
REFUSALS = {
    400: "REQUEST_REJECTED: a bad API key or parameter; check KEEPA_API_KEY",
    402: "PAYMENT_REQUIRED: the key has no active Keepa plan; check KEEPA_API_KEY",
    405: "METHOD_NOT_ALLOWED",
}


class KeepaGpuFeed(LiveFeed):
    """Daily new and used prices of the tracked GPU cards from Keepa's product histories."""

    kind = "keepa"
    default_base_url = DEFAULT_BASE_URL
    default_policy = DEFAULT_POLICY
    endpoint = PRODUCT_PATH

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        listings: Iterable[seeds.GpuListing] | None = None,
        **connection: Unpack[Connection],
    ) -> None:
        if not api_key:
            raise FeedConfigError("the Keepa feed needs an API key (KEEPA_API_KEY)")
        super().__init__(
            base_url,
            secrets=[api_key],
            **connection,
        )
        self._key = api_key
        self.listings = tuple(listings) if listings is not None else None  # None: the seed
        for listing in self.listings or ():
            self._marketplace(listing)

    @staticmethod
    def _marketplace(listing: seeds.GpuListing) -> Marketplace:
        try:
            return marketplace(listing.marketplace)
        except KeyError as exc:
            raise FeedConfigError(f"gpu_listings {listing.product_id}: {exc.args[0]}") from None

    def fetch_window(self, window: DateWindow, batch: FeedBatch) -> None:
        batch.cost["tokens"] = 0.0  # what this week's requests consumed (`_product`)
        unpinned = []
        span = self.span
        for listing in self.listings or seeds.gpu_listings():
            if not listing.asin:
                unpinned.append(f"{listing.product_id} ({listing.marketplace})")
                continue
            asked = span.clip(start=listing.tracked_from)  # the days the span wants of it
            if asked is None:
                continue
            entity = f"{listing.product_id} (ASIN {listing.asin} on {listing.marketplace})"
            with self.about(entity, asked):
                product = self.once(
                    (listing.marketplace, listing.asin),  # the answer holds every day
                    functools.partial(self._product, listing, batch),
                )
                tracked = window.clip(start=listing.tracked_from)
                if tracked is None:
                    continue
                rows, notes = parse_prices(product, listing=listing, window=tracked)
            batch.rows.extend(rows)
            batch.notes.extend(notes)
        if unpinned:
            batch.notes.append(
                f"no ASIN pinned in the gpu_listings seed for {len(unpinned)} listing(s), not "
                "fetched (look each up once on its marketplace and pin it): " + ", ".join(unpinned)
            )

    def _product(self, listing: seeds.GpuListing, batch: FeedBatch) -> dict[str, Any]:
        """The listing's product object, asked of Keepa; the tokens it consumed go to the
        cost of `batch` (the week that sent the request). Every failure is raised here."""
        assert listing.asin
        market = self._marketplace(listing)
        response = self.http.get(
            PRODUCT_PATH,
            params={
                "key": self._key,
                "domain": market.domain_id,
                "asin": listing.asin,
                "history": 1,
            },
            handled=tuple(REFUSALS),
        )
        status = response.status_code
        if status in REFUSALS:
            payload = json_or_none(response)
            said = keepa_error(payload) or self.http.excerpt(response)
            raise self.http.error(response, f"{REFUSALS[status]} ({said}); not retried")
        payload = self.http.json(response)
        error = keepa_error(payload)
        if error:
            raise self.http.error(response, f"Keepa error in the answer: {error}; not retried")
        product = find_product(payload, listing.asin)
        if product is None:
            raise self.http.unknown(
                response,
                f"ASIN {listing.asin} is not in Keepa's answer; check it in the gpu_listings "
                "seed; permanent, not retried",
            )
        product_type = product.get("productType")
        if product_type in (INVALID, VARIATION_PARENT):
            raise self.http.unknown(
                response,
                f"productType {product_type} ({PRODUCT_TYPES[product_type]}); fix the ASIN in "
                "the gpu_listings seed; permanent, not retried",
            )
        consumed = json_number(payload.get("tokensConsumed"), "Keepa tokensConsumed")
        batch.cost["tokens"] += consumed or 0.0
        return product
