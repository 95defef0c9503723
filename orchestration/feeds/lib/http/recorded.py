"""`ReplayTransport`: a requests adapter that answers from recorded exchanges instead
of the network, so a parse can be run again exactly on what a provider sent
(`orchestration.feeds.replay`)."""

from __future__ import annotations

import io
from collections import deque
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

from orchestration.feeds.lib.base import FeedDataError
from orchestration.feeds.lib.http.errors import ReplayMismatchError
from orchestration.feeds.lib.http.secrets import Redactor

_RECORD_FIELDS = {"method": str, "path": str, "params": dict, "status": int, "body": str}
_NAMES_ONLY = Redactor()  # secret values are unknown at replay; parameter names suffice


def _record_key(method: str, path: str, params: Mapping[str, Any]) -> tuple[Any, ...]:
    return (method.upper(), path, tuple(sorted((str(k), str(v)) for k, v in params.items())))


class ReplayTransport(BaseAdapter):
    """A requests adapter that answers from recorded exchanges (`exchange_record`s)
    instead of the network.

    A request is matched on method, path (below the client's base URL) and query
    parameters (secret ones compared as `***`, as they were recorded); the same request
    made twice gets the recorded answers in their order. A request with no recorded
    answer left raises `ReplayMismatchError` naming it. Mount it through
    `HttpClient(..., transport=...)`, which binds it to the client's base URL.
    """

    def __init__(self, records: Iterable[Mapping[str, Any]]) -> None:
        super().__init__()
        self._base_path = ""
        self._answers: dict[tuple[Any, ...], deque[Mapping[str, Any]]] = {}
        self._paths: dict[str, list[dict[str, str]]] = {}
        for i, record in enumerate(records):
            if not isinstance(record, Mapping):
                raise FeedDataError(f"replay: record {i} is not an object")
            for name, kind in _RECORD_FIELDS.items():
                if not isinstance(record.get(name), kind) or isinstance(record.get(name), bool):
                    raise FeedDataError(
                        f"replay: record {i} has no {name} of type {kind.__name__}: "
                        f"{record.get(name)!r:.80}"
                    )
            key = _record_key(record["method"], record["path"], record["params"])
            self._answers.setdefault(key, deque()).append(record)
            self._paths.setdefault(record["path"], []).append(dict(record["params"]))

    def bind(self, base_url: str) -> None:
        """Match request paths below `base_url`'s path (done by `HttpClient`)."""
        self._base_path = unquote(urlsplit(base_url).path).rstrip("/")

    @property
    def unused(self) -> list[Mapping[str, Any]]:
        """Recorded answers no request has asked for (yet)."""
        return [record for queue in self._answers.values() for record in queue]

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        parts = urlsplit(request.url or "")
        path = unquote(parts.path)
        if self._base_path and path.startswith(self._base_path):
            path = path[len(self._base_path) :]
        params = _NAMES_ONLY.params(dict(parse_qsl(parts.query, keep_blank_values=True)))
        method = (request.method or "GET").upper()
        queue = self._answers.get(_record_key(method, path, params))
        if not queue:
            asked = f"{method} {path}" + (f"?{urlencode(params)}" if params else "")
            known = self._paths.get(path, [])
            if not known:
                why = "nothing was recorded for this path"
            elif queue is not None:
                why = "its recorded answers were all used"
            else:
                shown = "; ".join(urlencode(p) for p in known[:3])
                why = f"{len(known)} recorded for this path with other params, e.g. {shown}"
            raise ReplayMismatchError(f"replay: no recorded answer for {asked} ({why})")
        return self._response(request, queue.popleft())

    def _response(
        self, request: requests.PreparedRequest, record: Mapping[str, Any]
    ) -> requests.Response:
        response = requests.Response()
        response.status_code = record["status"]
        headers: CaseInsensitiveDict[str] = CaseInsensitiveDict()
        if record.get("content_type"):
            headers["Content-Type"] = str(record["content_type"])
        response.headers = headers
        response.encoding = get_encoding_from_headers(headers)
        try:
            body = record["body"].encode(response.encoding or "utf-8", "replace")
        except LookupError:  # a charset Python does not know
            body = record["body"].encode("utf-8", "replace")
        response.raw = io.BytesIO(body)  # read whole by `response.content`, as from a socket
        try:
            response.reason = HTTPStatus(record["status"]).phrase
        except ValueError:
            response.reason = ""
        response.url = request.url or ""
        response.request = request
        response.connection = self
        return response

    def close(self) -> None:
        pass
