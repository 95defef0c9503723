"""Alert channels against real local servers: an SMTP server and a chat webhook."""

from __future__ import annotations

import pytest

from orchestration.alerts.channels import (
    Alert,
    AlertConfigError,
    AlertDeliveryError,
    EmailChannel,
    WebhookChannel,
    configured_channels,
    send,
)
from tests.alert_sinks import smtp_sink, webhook_sink
from tests.ports import free_port

ALERT = Alert("[compute-weekly] run failed: weekly_refresh_job", "Run: abc\nError: boom")


def test_an_email_reaches_the_smtp_server():
    with smtp_sink() as sink:
        (channel,) = configured_channels(sink.environment("a@example.com, b@example.com"))
        channel.send(ALERT)
    (message,) = sink.messages
    assert message["Subject"] == ALERT.subject
    assert message["To"] == "a@example.com, b@example.com"
    assert message.get_content().replace("\r\n", "\n").strip() == ALERT.body


def test_an_email_logs_in_when_the_server_asks():
    with smtp_sink(credentials=("alerts", "s3cret")) as sink:
        env = {
            **sink.environment(),
            "COMPUTE_WEEKLY_SMTP_USER": "alerts",
            "COMPUTE_WEEKLY_SMTP_PASSWORD": "s3cret",
        }
        (channel,) = configured_channels(env)
        channel.send(ALERT)
        assert sink.logins == [("alerts", "s3cret")] and len(sink.messages) == 1
        assert "s3cret" not in repr(channel)


def test_an_smtp_server_that_is_down_fails_naming_it():
    port = free_port()
    channel = EmailChannel("127.0.0.1", port, "x@y", ("a@b",), "none")
    with pytest.raises(AlertDeliveryError, match=f"through 127.0.0.1:{port} failed"):
        channel.send(ALERT)


def test_the_webhook_receives_slack_compatible_text():
    with webhook_sink() as sink:
        (channel,) = configured_channels({"COMPUTE_WEEKLY_ALERT_WEBHOOK_URL": sink.url})
        channel.send(ALERT)
    assert sink.posts == [{"text": f"*{ALERT.subject}*\n{ALERT.body}"}]


def test_a_webhook_error_names_the_host_not_the_url_that_holds_the_token():
    with webhook_sink() as sink:
        sink.status = 403
        channel = WebhookChannel(sink.url)
        with pytest.raises(AlertDeliveryError) as raised:
            channel.send(ALERT)
    assert "127.0.0.1" in str(raised.value) and "HTTP 403" in str(raised.value)
    assert "secret-webhook-token" not in str(raised.value)
    assert "secret-webhook-token" not in repr(channel)
    closed = WebhookChannel(f"http://127.0.0.1:{free_port()}/hooks/secret-webhook-token")
    with pytest.raises(AlertDeliveryError) as raised:
        closed.send(ALERT)
    assert "ConnectionError" in str(raised.value)
    assert "secret-webhook-token" not in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_every_channel_is_tried_and_each_failure_named():
    with smtp_sink() as sink, webhook_sink() as hook:
        hook.status = 500
        channels = configured_channels(
            {**sink.environment(), "COMPUTE_WEEKLY_ALERT_WEBHOOK_URL": hook.url}
        )
        with pytest.raises(AlertDeliveryError, match="webhook at 127.0.0.1 answered HTTP 500"):
            send(ALERT, channels)
    assert len(sink.messages) == 1, "the email went out although the webhook failed"


def test_no_variable_no_channel():
    assert configured_channels({}) == []


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"COMPUTE_WEEKLY_ALERT_EMAIL_TO": "a@b"}, "COMPUTE_WEEKLY_SMTP_HOST"),
        ({"COMPUTE_WEEKLY_SMTP_HOST": "smtp.example.com"}, "COMPUTE_WEEKLY_ALERT_EMAIL_TO"),
        (
            {"COMPUTE_WEEKLY_ALERT_EMAIL_TO": "a@b", "COMPUTE_WEEKLY_SMTP_HOST": "h",
             "COMPUTE_WEEKLY_SMTP_SECURITY": "tls"},
            "starttls, ssl, none",
        ),
        (
            {"COMPUTE_WEEKLY_ALERT_EMAIL_TO": "a@b", "COMPUTE_WEEKLY_SMTP_HOST": "h",
             "COMPUTE_WEEKLY_SMTP_PORT": "smtp"},
            "COMPUTE_WEEKLY_SMTP_PORT='smtp'",
        ),
        (
            {"COMPUTE_WEEKLY_ALERT_EMAIL_TO": "a@b", "COMPUTE_WEEKLY_SMTP_HOST": "h",
             "COMPUTE_WEEKLY_SMTP_PASSWORD": "p"},
            "COMPUTE_WEEKLY_SMTP_USER",
        ),
        ({"COMPUTE_WEEKLY_ALERT_WEBHOOK_URL": "hooks.slack.com/x"}, "an http(s) URL"),
    ],
)  # fmt: skip
def test_a_half_configured_channel_names_what_to_set(env, names):
    with pytest.raises(AlertConfigError, match=names.replace("(", r"\(").replace(")", r"\)")):
        configured_channels(env)


def test_the_defaults_of_the_email_channel():
    (channel,) = configured_channels(
        {"COMPUTE_WEEKLY_ALERT_EMAIL_TO": "a@b", "COMPUTE_WEEKLY_SMTP_HOST": "smtp.example.com"}
    )
    assert (channel.port, channel.security) == (587, "starttls")
    assert channel.sender.startswith("compute-weekly@")
