"""The OTP email goes out through a real SMTP conversation with a server this test starts."""

from __future__ import annotations

import pytest
from django.core import mail

from accounts.signin.otp import otp_create
from accounts.tasks import send_otp_email
from aimg_site.core.mail import TransientMailError
from tests.support.assertions import assert_envelope
from tests.support.smtp import SmtpServer, parts

from .conftest import code_and_link_from


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback (tests.support.smtp) receiving the site's mail."""
    server = SmtpServer()
    server.point_django_at(settings)
    server.start()
    yield server.inbox
    server.stop()


def test_the_otp_email_is_delivered_over_smtp_with_a_working_magic_link(
    api, guest, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/requestOTP", persona=guest, email="smtp.person@example.com")
    assert_envelope(response, 200)

    assert mail.outbox == []  # not the in-memory backend: the message went over the wire
    assert len(smtp_server.messages) == 1
    mail_from, recipients, message = smtp_server.messages[0]
    assert recipients == ["smtp.person@example.com"]
    assert mail_from
    text, html = parts(message)
    code, link = code_and_link_from(text)
    assert code in message["Subject"]
    assert link["email"] == "smtp.person@example.com"
    assert link["otp"] == code
    assert code in html

    signed_in = api.post("/authenticateUser", persona=guest, email=link["email"], otp=link["otp"])
    assert_envelope(signed_in, 200)
    assert signed_in.payload["isAuthenticated"] is True


@pytest.fixture
def refusing_smtp_server(smtp_server):
    """``start(answer)``: the server answers every recipient with ``answer`` (e.g. 550 or 451)."""

    def start(answer: str):
        smtp_server.refuse_next(answer, 100)
        return smtp_server

    return start


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
    SmtpServer().point_django_at(settings)  # never started: nothing listens on its port
    row, code = otp_create(email="down@example.com")
    with pytest.raises(TransientMailError):
        send_otp_email.run(str(row.pk), code)
