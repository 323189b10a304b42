"""payWithCardEmail's mail goes out through a real SMTP conversation with a server the test starts
(tests.support.smtp), sent by the Celery task ``billing.send_billing_email`` with the OTP mail's
retry rules: a transient refusal (a 4xx reply, or nothing listening) is retried and the mail
arrives once; a permanent one (5xx) ends the task; the retries are bounded; no log line names the
recipient or the SMTP password.

The suite runs Celery eagerly (``AIMG_CELERY_EAGER``): a retry runs at once, in the same thread,
so ``celery.signals.task_retry`` tells the test each time the task asked to be retried. Eager
tasks re-raise a retry unless ``task_eager_propagates`` is off, so these tests turn it off (as a
worker, which never propagates). The log scan skips ``mail.log``: the test server's own log.
"""

from __future__ import annotations

import logging
import time
import traceback

import pytest
from celery.signals import task_retry
from django.core import mail

from accounts.tasks import send_otp_email
from aimg_site.celery import app as celery_app
from aimg_site.core.mail import TransientMailError
from billing.tasks import send_billing_email
from tests.support.assertions import assert_envelope
from tests.support.smtp import SmtpServer, parts
from tests.support.workers import WorkerProcess, wait_for

PASSWORD = "smtp-pw-7f3a9c1e"
CREDENTIALS = ("billing-mailer", PASSWORD)


@pytest.fixture
def retries(monkeypatch):
    """The names of the tasks that asked to be retried, in order (eager retries run as a worker's)."""
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", False)
    seen: list[str] = []

    def record(sender=None, **kwargs):
        seen.append(sender.name)

    task_retry.connect(record, weak=False)
    yield seen
    task_retry.disconnect(record)


@pytest.fixture
def smtp(settings):
    server = SmtpServer(credentials=CREDENTIALS)
    server.point_django_at(settings)
    yield server
    server.stop()


def _logged(caplog) -> str:
    lines = []
    for record in caplog.records:
        if record.name.startswith("mail.log"):
            continue
        lines.append(record.getMessage())
        if record.exc_info and record.exc_info[1] is not None:
            lines.extend(traceback.format_exception(record.exc_info[1]))
    return "\n".join(lines)


def _assert_nothing_secret_logged(caplog, *recipients: str) -> None:
    logged = _logged(caplog)
    assert PASSWORD not in logged
    for recipient in recipients:
        assert recipient.lower() not in logged.lower()


def test_the_signed_in_users_instructions_arrive_with_text_and_html(
    api, owner, smtp, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    smtp.start()
    with django_capture_on_commit_callbacks(execute=True):
        assert assert_envelope(api.post("/payWithCardEmail", persona=owner, body={})).payload == {
            "success": True
        }
    assert mail.outbox == []  # over the wire, not the in-memory backend
    [(mail_from, recipients, message)] = smtp.inbox.messages
    assert recipients == ["owner@example.com"] and message["To"] == "owner@example.com"
    assert "freejourney.ai" in mail_from and smtp.auth_attempts == 1
    text, html = parts(message)
    assert "https://freejourney.ai/payment" in text
    assert 'href="https://freejourney.ai/payment"' in html
    assert "card" in message["Subject"].lower()
    _assert_nothing_secret_logged(caplog)


def test_an_anonymous_callers_instructions_go_to_the_email_given(
    api, guest, smtp, django_capture_on_commit_callbacks
):
    smtp.start()
    with django_capture_on_commit_callbacks(execute=True):
        assert_envelope(api.post("/payWithCardEmail", persona=guest, body={"email": "Buyer@Example.com"}))
    [(_from, recipients, message)] = smtp.inbox.messages
    assert recipients == ["buyer@example.com"]
    text, html = parts(message)
    assert "payment" in text and "payment" in html


def test_a_temporary_refusal_is_retried_and_the_mail_arrives_once(
    api, owner, smtp, retries, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    smtp.start()
    smtp.inbox.refuse_next("451 4.3.0 Mailbox owner@example.com busy, try again later", 2)
    with django_capture_on_commit_callbacks(execute=True):
        assert_envelope(api.post("/payWithCardEmail", persona=owner, body={}))
    assert [answer[:3] for answer in smtp.inbox.rcpt_answers] == ["451", "451", "250"]
    assert retries == ["billing.send_billing_email"] * 2
    [(_from, recipients, _message)] = smtp.inbox.messages
    assert recipients == ["owner@example.com"]
    _assert_nothing_secret_logged(caplog, "owner@example.com")


def test_a_server_not_listening_at_first_is_retried_and_the_mail_arrives_once(
    api, owner, smtp, retries, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)

    def start_on_first_retry(sender=None, **kwargs):
        if len(retries) == 1:
            smtp.start()

    task_retry.connect(start_on_first_retry, weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert_envelope(api.post("/payWithCardEmail", persona=owner, body={}))
    finally:
        task_retry.disconnect(start_on_first_retry)
    assert retries == ["billing.send_billing_email"]
    assert len(smtp.inbox.messages) == 1
    _assert_nothing_secret_logged(caplog, "owner@example.com")


def test_a_permanent_refusal_ends_the_task_without_a_retry(domain, smtp, retries, caplog):
    caplog.set_level(logging.DEBUG)
    smtp.start()
    smtp.inbox.refuse_next("550 5.1.1 <nobody@example.com>: no such user", 10)
    result = send_billing_email.apply(args=("pay_with_card", "nobody@example.com", domain.pk))
    assert result.get() is False
    assert len(smtp.inbox.rcpt_answers) == 1 and retries == []
    assert smtp.inbox.messages == []
    assert "refused it for good (SMTPRecipientsRefused 550)" in _logged(caplog)
    _assert_nothing_secret_logged(caplog, "nobody@example.com")


def test_a_refusal_that_never_ends_is_retried_as_often_as_the_otp_mail_then_given_up(
    domain, smtp, retries, caplog
):
    caplog.set_level(logging.DEBUG)
    smtp.start()
    smtp.inbox.refuse_next("421 4.7.0 Try again later", 50)
    result = send_billing_email.apply(args=("pay_with_card", "later@example.com", domain.pk))
    assert result.state == "FAILURE" and isinstance(result.result, TransientMailError)
    assert len(smtp.inbox.rcpt_answers) == 1 + send_otp_email.max_retries
    assert len(retries) == send_otp_email.max_retries and smtp.inbox.messages == []
    _assert_nothing_secret_logged(caplog, "later@example.com")


def test_the_retry_rules_are_the_otp_mails():
    for option in ("autoretry_for", "max_retries", "retry_backoff", "retry_backoff_max", "retry_jitter"):
        assert getattr(send_billing_email, option) == getattr(send_otp_email, option), option
    assert send_billing_email.acks_late and send_otp_email.acks_late


def test_a_real_worker_retries_a_temporary_refusal_with_backoff_and_logs_no_secret(domain, monkeypatch):
    """Through the broker and a ``celery worker`` process: the retries wait their backoff, the mail
    arrives once, and the worker's whole log names neither the recipient nor the password."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    recipient = "worker.buyer@example.com"
    with SmtpServer(credentials=CREDENTIALS) as server:
        server.start()
        server.inbox.refuse_next(f"451 4.3.0 <{recipient}> is busy, try again later", 2)
        env = {"EMAIL_URL": f"smtp://{CREDENTIALS[0]}:{PASSWORD}@127.0.0.1:{server.port}"}
        with WorkerProcess("billing-mail", env=env) as worker:
            send_billing_email.delay("pay_with_card", recipient, domain.pk)
            wait_for(lambda: server.inbox.messages, timeout=120, workers=(worker,))
            time.sleep(1)  # a duplicate delivery would show now
            log = worker.log.read_text(errors="replace")
    assert [answer[:3] for answer in server.inbox.rcpt_answers] == ["451", "451", "250"]
    [(_from, recipients, message)] = server.inbox.messages
    assert recipients == [recipient]
    text, html = parts(message)
    assert "payment" in text and "payment" in html
    assert "billing.send_billing_email" in log and "retry" in log.lower()
    assert PASSWORD not in log and recipient not in log
