"""Which provider failures may heal by trying again later (`is_transient`)."""

from __future__ import annotations

import pytest

from orchestration.feeds.lib.base import FeedConfigError, FeedDataError
from orchestration.feeds.lib.http import (
    ProviderBodyError,
    ProviderConnectionError,
    ProviderHTTPError,
    ProviderTimeBoundError,
    UnknownEntityError,
    is_transient,
)


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (ProviderConnectionError("no answer"), True),
        (ProviderTimeBoundError("gave up after 120 s"), True),
        (ProviderHTTPError("too many requests", status=429), True),
        (ProviderHTTPError("bad gateway", status=502), True),
        (ProviderHTTPError("not implemented", status=501), False),
        (ProviderHTTPError("bad key", status=401), False),
        (ProviderHTTPError("no credits", status=403), False),
        (UnknownEntityError("no such symbol", status=404), False),
        (ProviderBodyError("HTML where JSON is due"), False),
        (FeedDataError("a cell that cannot be read"), False),
        (FeedConfigError("SIMILARWEB_API_KEY is not set"), False),
        (ValueError("a bug"), False),
    ],
)
def test_is_transient(error, transient):
    assert is_transient(error) is transient


def test_a_transient_cause_makes_the_error_transient():
    try:
        try:
            raise ProviderConnectionError("no answer")
        except ProviderConnectionError as cause:
            raise RuntimeError("the pull of 2024-12-16 failed") from cause
    except RuntimeError as error:
        assert is_transient(error)
