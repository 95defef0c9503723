"""Test doubles for the HTTP layer: a clock that never sleeps, and a raw socket server
that misbehaves in ways pytest-httpserver cannot (reset or drop a connection, hang, keep
one connection alive across requests)."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

SECRET = "sk-test-0123456789abcdef"  # a fake key: it must never show in errors or logs


class FakeClock:
    """Monotonic time that moves only when something sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def ok(body: bytes = b'{"ok": true}') -> bytes:
    """A keep-alive HTTP/1.1 200 answer."""
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
    return head.encode() + b"\r\n\r\n" + body


RESET = "reset"  # close with an RST: ConnectionResetError on the client
DROP = "drop"  # close without an answer: RemoteDisconnected on the client
HANG = "hang"  # never answer: a read timeout on the client


class RawServer:
    """Answers the n-th request with `replies[n]` (the last one repeats): bytes to send,
    or RESET, DROP or HANG. Counts connections and requests."""

    def __init__(self, replies: list[bytes | str]) -> None:
        self.replies = replies
        self.connections = 0
        self.requests = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                self._converse(conn)

    def _converse(self, conn: socket.socket) -> None:
        while _read_request(conn):
            reply = self.replies[min(self.requests, len(self.replies) - 1)]
            self.requests += 1
            if reply == RESET:
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            if reply == DROP:
                return
            if reply == HANG:
                continue  # wait for the client to give up and close
            assert isinstance(reply, bytes)
            conn.sendall(reply)

    def close(self) -> None:
        self._listener.close()


def _read_request(conn: socket.socket) -> bool:
    """Read one request's head; False when the client closed the connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        try:
            chunk = conn.recv(4096)
        except OSError:
            return False
        if not chunk:
            return False
        data += chunk
    return True


@contextmanager
def raw_server(replies: list[bytes | str]) -> Iterator[RawServer]:
    server = RawServer(replies)
    try:
        yield server
    finally:
        server.close()


def closed_port() -> int:
    """A local port nothing listens on (connections to it are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pipeline_log_text(caplog: pytest.LogCaptureFixture) -> str:
    """Every captured record but the test server's own access log (werkzeug logs each
    request line it receives; that server stands in for the provider, it is not the
    pipeline)."""
    return "\n".join(
        record.getMessage() for record in caplog.records if not record.name.startswith("werkzeug")
    )
