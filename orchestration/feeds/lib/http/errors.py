"""The errors of provider calls, and which of them may heal by waiting.

Every error is a `FeedDataError` (`orchestration.feeds.lib.base`): a pull that raises one
lands nothing. `is_transient` tells the raw assets' retry policy which to try again.
"""

from __future__ import annotations

from orchestration.feeds.lib.base import FeedDataError

# 429 and every 5xx except 501 (Not Implemented) and 505 (HTTP Version Not Supported),
# which do not heal by waiting.
RETRY_STATUSES = frozenset({429, *range(500, 600)} - {501, 505})


class ProviderError(FeedDataError):
    """A provider call failed. `target` is the method and path with secrets redacted."""

    def __init__(self, message: str, *, provider: str = "", target: str = "") -> None:
        super().__init__(message)
        self.provider = provider
        self.target = target


class ProviderHTTPError(ProviderError):
    """The provider answered with an error: a status the client does not accept, or an
    error the client found in the body. `status` is the HTTP status of that answer."""

    def __init__(
        self, message: str, *, provider: str = "", target: str = "", status: int = 0
    ) -> None:
        super().__init__(message, provider=provider, target=target)
        self.status = status


class ProviderConnectionError(ProviderError):
    """No answer: the connection was refused, reset or timed out on every attempt."""


class ProviderTimeBoundError(ProviderError):
    """Retrying would take longer than the request's time bound (or than the provider's
    `Retry-After` allows), so the request gave up."""


class ProviderBodyError(ProviderError):
    """The answer's body is not what the endpoint sends: empty, not JSON (an HTML page,
    a truncated body), or JSON of the wrong shape."""


class UnknownEntityError(ProviderHTTPError):
    """The provider does not know what was asked for (a symbol, a domain, an app): a
    permanent answer, never retried, that fails the pull."""


def is_transient(exc: BaseException) -> bool:
    """Whether the same pull may succeed if tried again later: the provider did not
    answer, or answered 429 or 5xx until the request's retries ran out (here, or in an
    error this one was raised from). A bad key, an unknown entity, a malformed body or
    bad data will not heal by waiting."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ProviderConnectionError | ProviderTimeBoundError):
            return True
        if isinstance(seen, ProviderHTTPError) and seen.status in RETRY_STATUSES:
            return True
        if isinstance(seen, ProviderError):
            return False
        seen = seen.__cause__
    return False


class ReplayMismatchError(FeedDataError):
    """A replayed request has no recorded answer left (`ReplayTransport`). Not a
    `ProviderError`: no client code may take it for a provider's answer."""
