"""The live Keepa GPU price feed: one `product` request per pinned listing and run.

camelcamelcamel, the report's source, has no API (docs/providers.md, Keepa); Keepa serves the same
Amazon price histories through one: for each listing of the `gpu_listings` seed with a
pinned ASIN,

    GET {base}/product?key=<KEEPA_API_KEY>&domain=<Keepa domain id>&asin=<ASIN>&history=1

and the answer goes through `keepa.parse_prices`, the demo's parser. Keepa takes the key
in the query string only; the HTTP layer redacts it (`key=***`) from every error, log
record and recorded answer, and the key's value wherever it appears. A listing without a
pinned ASIN is a note, never a guess; one before its `tracked_from` day is not asked for.

`history=1` returns the whole history, so each listing is asked once per feed instance
(one Dagster run): the answer is kept and reused for every week of the run, and added to
each week's recorded responses (`ExchangeLog.reuse`) so a week can be replayed alone.
Keepa meters requests in tokens (about one per product): the pull's `tokensConsumed`
are reported as `tokens` in its cost.

Errors, each naming the provider, the listing (product, ASIN, marketplace), the days and
the reason:

- 400 (REQUEST_REJECTED: a bad key or parameter), 402 (PAYMENT_REQUIRED: no active plan
  for the key) and 405 stop the pull with Keepa's message, never retried; which of 400
  and 402 Keepa sends for a mistyped key is unconfirmed, so both say to check it;
- 429 (NOT_ENOUGH_TOKEN: the token bucket is empty) is retried by the HTTP layer with a
  backoff long enough for tokens to refill (about 90 s in all), then fails the pull;
- an `error` object inside a 200 answer stops the pull, not retried;
- an ASIN missing from the answer, or one Keepa calls INVALID (productType 4) or a
  VARIATION_PARENT (5), is `UnknownEntityError`: permanent, fix the seed;
- productType 3 (prices hidden) and a product without history are notes, no rows;
- an empty, truncated or HTML body where JSON is due, and a product of the wrong shape,
  fail the pull (`ProviderBodyError`, `FeedDataError`).
"""

from __future__ import annotations

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
        # (marketplace, ASIN) -> (product object, recorded answer), for the feed's life.
        self._products: dict[tuple[str, str], tuple[dict[str, Any], dict[str, Any]]] = {}
        self._tokens = 0.0

    @staticmethod
    def _marketplace(listing: seeds.GpuListing) -> Marketplace:
        try:
            return marketplace(listing.marketplace)
        except KeyError as exc:
            raise FeedConfigError(f"gpu_listings {listing.product_id}: {exc.args[0]}") from None

    def fetch_window(self, window: DateWindow, batch: FeedBatch) -> None:
        self._tokens = 0.0
        unpinned = []
        for listing in self.listings or seeds.gpu_listings():
            if not listing.asin:
                unpinned.append(f"{listing.product_id} ({listing.marketplace})")
                continue
            tracked = window.clip(start=listing.tracked_from)
            if tracked is None:
                continue
            entity = f"{listing.product_id} (ASIN {listing.asin} on {listing.marketplace})"
            with self.about(entity, tracked):
                rows, notes = parse_prices(self._product(listing), listing=listing, window=tracked)
            batch.rows.extend(rows)
            batch.notes.extend(notes)
        if unpinned:
            batch.notes.append(
                f"no ASIN pinned in the gpu_listings seed for {len(unpinned)} listing(s), not "
                "fetched (look each up once on its marketplace and pin it): " + ", ".join(unpinned)
            )
        batch.cost["tokens"] = self._tokens

    def _product(self, listing: seeds.GpuListing) -> dict[str, Any]:
        """The listing's product object, from this feed's earlier answer if it has one.
        Every failure is raised here."""
        assert listing.asin
        cache_key = (listing.marketplace, listing.asin)
        cached = self._products.get(cache_key)
        if cached is not None:
            product, record = cached
            self.http.log.reuse(record)
            return product
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
        self._tokens += consumed or 0.0
        assert self.http.last_record is not None
        self._products[cache_key] = (product, self.http.last_record)
        return product
