"""Local servers that receive alerts: an SMTP server (aiosmtpd) and a chat webhook (an
HTTP server), both on loopback, keeping what they received."""

from __future__ import annotations

import email
import email.policy
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.ports import free_port


@dataclass
class SmtpSink:
    """Messages received, and the login each session used."""

    host: str = "127.0.0.1"
    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    credentials: tuple[str, str] | None = None  # required if set

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            login = (auth_data.login.decode(), auth_data.password.decode())
            self.logins.append(login)
            return AuthResult(success=login == self.credentials)
        return AuthResult(success=False)

    def environment(self, to: str = "team@example.com") -> dict[str, str]:
        return {
            "COMPUTE_WEEKLY_ALERT_EMAIL_TO": to,
            "COMPUTE_WEEKLY_SMTP_HOST": self.host,
            "COMPUTE_WEEKLY_SMTP_PORT": str(self.port),
            "COMPUTE_WEEKLY_SMTP_SECURITY": "none",
        }


@contextmanager
def smtp_sink(credentials: tuple[str, str] | None = None) -> Iterator[SmtpSink]:
    sink = SmtpSink(port=free_port(), credentials=credentials)
    options = {}
    if credentials:
        options = {
            "authenticator": sink.authenticate,
            "auth_require_tls": False,
            "auth_required": True,
        }
    controller = Controller(sink, hostname=sink.host, port=sink.port, **options)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


@dataclass
class WebhookSink:
    """JSON bodies posted to the webhook, and the status it answers with."""

    url: str = ""
    posts: list[dict] = field(default_factory=list)
    status: int = 200


@contextmanager
def webhook_sink(path: str = "/services/T000/B000/secret-webhook-token") -> Iterator[WebhookSink]:
    sink = WebhookSink()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's hook)
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            if self.path == path:
                sink.posts.append(json.loads(body))
            self.send_response(sink.status if self.path == path else 404)
            self.end_headers()
            self.wfile.write(b"ok" if sink.status < 300 else b"invalid_token")

        def log_message(self, *args):  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    sink.url = f"http://127.0.0.1:{server.server_address[1]}{path}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield sink
    finally:
        server.shutdown()
        server.server_close()


def wait_for(condition: Callable[[], object], seconds: float, what: str) -> object:
    """Poll `condition` until it is truthy; fail naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what}: not within {seconds:.0f} s"
        time.sleep(0.5)
