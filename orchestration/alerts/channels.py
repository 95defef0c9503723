"""Where alerts go: email through an SMTP server, and a chat webhook.

Each channel is configured by environment variables and off when they are unset:

| variable | what |
|---|---|
| `COMPUTE_WEEKLY_ALERT_EMAIL_TO` | recipients, comma-separated: turns email on |
| `COMPUTE_WEEKLY_ALERT_EMAIL_FROM` | sender (default `compute-weekly@<this host>`) |
| `COMPUTE_WEEKLY_SMTP_HOST`, `COMPUTE_WEEKLY_SMTP_PORT` | the SMTP server (port default 587) |
| `COMPUTE_WEEKLY_SMTP_USER`, `COMPUTE_WEEKLY_SMTP_PASSWORD` | its login, if it asks for one |
| `COMPUTE_WEEKLY_SMTP_SECURITY` | `starttls` (default), `ssl` or `none` |
| `COMPUTE_WEEKLY_ALERT_WEBHOOK_URL` | a chat webhook: turns the webhook on |

The webhook receives `{"text": ...}`, which Slack's and Mattermost's incoming webhooks
and Microsoft Teams' (connector) webhooks all accept. Its URL carries its token, so it
is treated as a secret: an error names its host only.
"""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import urlsplit

import requests

EMAIL_TO_ENV = "COMPUTE_WEEKLY_ALERT_EMAIL_TO"
EMAIL_FROM_ENV = "COMPUTE_WEEKLY_ALERT_EMAIL_FROM"
SMTP_HOST_ENV = "COMPUTE_WEEKLY_SMTP_HOST"
SMTP_PORT_ENV = "COMPUTE_WEEKLY_SMTP_PORT"
SMTP_USER_ENV = "COMPUTE_WEEKLY_SMTP_USER"
SMTP_PASSWORD_ENV = "COMPUTE_WEEKLY_SMTP_PASSWORD"
SMTP_SECURITY_ENV = "COMPUTE_WEEKLY_SMTP_SECURITY"
WEBHOOK_URL_ENV = "COMPUTE_WEEKLY_ALERT_WEBHOOK_URL"
SMTP_SECURITIES = ("starttls", "ssl", "none")
TIMEOUT_SECONDS = 30


class AlertConfigError(ValueError):
    """An alert channel is half configured; the message names what to set."""


class AlertDeliveryError(RuntimeError):
    """A channel could not deliver an alert; the message names the channel and why."""


@dataclass(frozen=True)
class Alert:
    subject: str
    body: str


class Channel(Protocol):
    def send(self, alert: Alert) -> None: ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class EmailChannel:
    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    security: str = "starttls"
    user: str = ""
    password: str = field(default="", repr=False)

    def send(self, alert: Alert) -> None:
        message = EmailMessage()
        message["Subject"] = alert.subject
        message["From"] = self.sender
        message["To"] = ", ".join(self.recipients)
        message.set_content(alert.body)
        try:
            if self.security == "ssl":
                server = smtplib.SMTP_SSL(
                    self.host,
                    self.port,
                    timeout=TIMEOUT_SECONDS,
                    context=ssl.create_default_context(),
                )
            else:
                server = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_SECONDS)
            with server:
                if self.security == "starttls":
                    server.starttls(context=ssl.create_default_context())
                if self.user:
                    server.login(self.user, self.password)
                server.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise AlertDeliveryError(
                f"email to {', '.join(self.recipients)} through {self.host}:{self.port} "
                f"failed: {type(exc).__name__}: {exc}"
            ) from exc

    def describe(self) -> str:
        recipients = ", ".join(self.recipients)
        return f"email to {recipients} through {self.host}:{self.port} ({self.security})"


@dataclass(frozen=True)
class WebhookChannel:
    url: str = field(repr=False)

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or "?"

    def send(self, alert: Alert) -> None:
        text = f"*{alert.subject}*\n{alert.body}"
        try:
            response = requests.post(
                self.url, json={"text": text}, timeout=TIMEOUT_SECONDS, allow_redirects=False
            )
        except requests.RequestException as exc:
            # the exception's text may hold the URL, and so its token: name the host only
            raise AlertDeliveryError(
                f"webhook at {self.host} failed: {type(exc).__name__}"
            ) from None
        if not 200 <= response.status_code < 300:
            raise AlertDeliveryError(
                f"webhook at {self.host} answered HTTP {response.status_code}: "
                f"{response.text[:200]!r}"
            )

    def describe(self) -> str:
        return f"webhook at {self.host}"


def configured_channels(environ: Mapping[str, str] | None = None) -> list[Channel]:
    """The channels the environment turns on (none: alerts are off)."""
    env = os.environ if environ is None else environ
    channels: list[Channel] = []
    recipients = tuple(r.strip() for r in env.get(EMAIL_TO_ENV, "").split(",") if r.strip())
    host = env.get(SMTP_HOST_ENV, "").strip()
    if recipients and not host:
        raise AlertConfigError(f"{EMAIL_TO_ENV} is set: set {SMTP_HOST_ENV} too (the SMTP server)")
    if host and not recipients:
        raise AlertConfigError(f"{SMTP_HOST_ENV} is set: set {EMAIL_TO_ENV} too (the recipients)")
    if recipients:
        security = env.get(SMTP_SECURITY_ENV, "starttls").strip().lower() or "starttls"
        if security not in SMTP_SECURITIES:
            raise AlertConfigError(
                f"{SMTP_SECURITY_ENV}={security!r}: one of {', '.join(SMTP_SECURITIES)}"
            )
        port = env.get(SMTP_PORT_ENV, "").strip() or "587"
        if not port.isdigit():
            raise AlertConfigError(f"{SMTP_PORT_ENV}={port!r}: a port number")
        user = env.get(SMTP_USER_ENV, "").strip()
        password = env.get(SMTP_PASSWORD_ENV, "")
        if password and not user:
            raise AlertConfigError(f"{SMTP_PASSWORD_ENV} is set: set {SMTP_USER_ENV} too")
        sender = env.get(EMAIL_FROM_ENV, "").strip() or f"compute-weekly@{socket.getfqdn()}"
        channels.append(EmailChannel(host, int(port), sender, recipients, security, user, password))
    url = env.get(WEBHOOK_URL_ENV, "").strip()
    if url:
        if urlsplit(url).scheme not in ("http", "https"):
            raise AlertConfigError(f"{WEBHOOK_URL_ENV}: an http(s) URL")
        channels.append(WebhookChannel(url))
    return channels


def send(alert: Alert, channels: list[Channel]) -> None:
    """Send through every channel; if any failed, raise once all were tried, naming each
    failure (the sensor's tick fails, and its next tick tries again)."""
    failures = []
    for channel in channels:
        try:
            channel.send(alert)
        except AlertDeliveryError as exc:
            failures.append(str(exc))
    if failures:
        raise AlertDeliveryError("; ".join(failures))
