"""The OTP email goes out through a real SMTP conversation with a server this test starts."""

from __future__ import annotations

import email
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller
from django.core import mail

from accounts.signin.otp import otp_create
from accounts.tasks import TransientMailError, send_otp_email
from tests.support.assertions import assert_envelope

from .conftest import code_and_link_from


class _Inbox:
    def __init__(self):
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    yield inbox
    controller.stop()


def test_the_otp_email_is_delivered_over_smtp_with_a_working_magic_link(
    api, guest, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/requestOTP", persona=guest, email="smtp.person@example.com")
    assert_envelope(response, 200)

    assert mail.outbox == []  # not the in-memory backend: the message went over the wire
    assert len(smtp_server.messages) == 1
    mail_from, recipients, raw = smtp_server.messages[0]
    assert recipients == ["smtp.person@example.com"]
    assert mail_from
    message = email.message_from_bytes(raw, policy=policy.default)
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    code, link = code_and_link_from(text)
    assert code in message["Subject"]
    assert link["email"] == "smtp.person@example.com"
    assert link["otp"] == code
    assert code in html

    signed_in = api.post("/authenticateUser", persona=guest, email=link["email"], otp=link["otp"])
    assert_envelope(signed_in, 200)
    assert signed_in.payload["isAuthenticated"] is True


class _RefusingInbox(_Inbox):
    """A server that answers RCPT with ``answer`` (e.g. a permanent 550 or a temporary 451)."""

    def __init__(self, answer: str):
        super().__init__()
        self.answer = answer

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return self.answer


@pytest.fixture
def refusing_smtp_server(settings):
    servers = []

    def start(answer: str):
        inbox = _RefusingInbox(answer)
        controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
        controller.start()
        servers.append(controller)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 10
        return inbox

    yield start
    for controller in servers:
        controller.stop()


def test_a_permanent_refusal_ends_the_task_without_a_retry(refusing_smtp_server):
    refusing_smtp_server("550 5.1.1 No such user here")
    row, code = otp_create(email="nobody@example.com")
    # Called directly (no worker): a retry would re-raise; a permanent failure returns False.
    assert send_otp_email.run(str(row.pk), code) is False


def test_a_temporary_refusal_is_retried(refusing_smtp_server):
    refusing_smtp_server("451 4.3.0 Try again later")
    row, code = otp_create(email="later@example.com")
    with pytest.raises(TransientMailError):
        send_otp_email.run(str(row.pk), code)


def test_an_unreachable_server_is_retried(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _free_port(), 5
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    row, code = otp_create(email="down@example.com")
    with pytest.raises(TransientMailError):
        send_otp_email.run(str(row.pk), code)
