"""Keeping secrets out of text: errors, log records and recorded exchanges.

The API keys and tokens a client is given are replaced with `***` wherever they occur,
raw or URL-encoded, and so is the value of any query parameter whose name says it
carries one (`api_key=`, `token=`, ...). `LOG_FILTER` does the same to the records of
urllib3's loggers and of the HTTP layer's own, before any handler sees them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit

REDACTED = "***"

_SECRET_WORDS = r"key|token|secret|password|passwd|signature|crumb|auth"
_SECRET_PARAM = re.compile(
    rf"([?&;](?:[\w.-]*(?:{_SECRET_WORDS})[\w.-]*)=)"
    r"[^&#;:,)\]>\s'\"]*",  # the value, up to what ends it in a URL or in prose
    re.IGNORECASE,
)
_SECRET_NAME = re.compile(_SECRET_WORDS, re.IGNORECASE)  # a parameter name that holds one


class Redactor:
    """Takes secrets out of text: their values wherever they appear, raw or URL-encoded,
    and the value of any query parameter whose name says it holds one."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._forms: list[str] = []
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        forms = set(self._forms)
        for secret in secrets:
            if secret:
                forms |= {secret, quote(secret, safe=""), quote_plus(secret)}
        self._forms = sorted(forms, key=len, reverse=True)  # longest first

    def __call__(self, text: str) -> str:
        for form in self._forms:
            text = text.replace(form, REDACTED)
        return _SECRET_PARAM.sub(rf"\1{REDACTED}", text)

    def target(self, url: str) -> str:
        """The path and query of `url`, redacted: what errors and logs show of a request."""
        parts = urlsplit(url)
        return self(parts.path + (f"?{parts.query}" if parts.query else ""))

    def params(self, params: Mapping[str, Any] | None) -> dict[str, str]:
        """Query parameters as sent (values as text), redacted: a parameter whose name
        says it holds a secret has its value replaced whatever it is."""
        return {
            str(name): REDACTED if _SECRET_NAME.search(str(name)) else self(str(value))
            for name, value in (params or {}).items()
        }


class RedactingFilter(logging.Filter):
    """Redacts the records of the loggers HTTP traffic is logged through, before any
    handler sees them. A logger's filters see only that logger's own records, so it is
    installed on each module logger of urllib3 and on this module's."""

    LOGGERS = (
        "orchestration.feeds.lib.http.client",
        "orchestration.feeds.lib.http.retry",
        "urllib3.connectionpool",
        "urllib3.connection",
        "urllib3.poolmanager",
        "urllib3.response",
        "urllib3.util.retry",
    )

    def __init__(self) -> None:
        super().__init__()
        self.redact = Redactor()
        for name in self.LOGGERS:
            logging.getLogger(name).addFilter(self)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


LOG_FILTER = RedactingFilter()
