"""Sending the project's templated emails (OTP codes, billing instructions) with one retry rule.

A task that sends mail renders ``<template>_subject.txt``, ``<template>.txt`` and
``<template>.html`` and calls :func:`send_templated_mail`. Failures are classified:
a transient one (network, connection, a 4xx SMTP answer) raises
:class:`TransientMailError`, which the task retries with :data:`MAIL_RETRY`'s
backoff and jitter; a permanent one (a 5xx answer: unknown recipient, refused
sender) is logged and the call answers ``False``, since sending again cannot succeed.

Neither the recipient nor the server's reply text (which may quote it) goes to the
log or into the exception: only the exception's type and the SMTP codes.
"""

from __future__ import annotations

import logging
from smtplib import SMTPException, SMTPRecipientsRefused
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from .models import Domain
from .selectors import domain_sender

logger = logging.getLogger(__name__)

#: Celery task options of every mail-sending task (``@shared_task(**MAIL_RETRY)``).
MAIL_RETRY: dict[str, Any] = {
    "autoretry_for": (),  # filled below, once the exception class exists
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 6,
    "acks_late": True,
}


class TransientMailError(Exception):
    """Sending failed in a way that may succeed later (retried)."""


MAIL_RETRY["autoretry_for"] = (TransientMailError,)


def mail_failure_is_permanent(exc: Exception) -> bool:
    """A 5xx SMTP answer (for every recipient, when recipients were refused) is permanent."""
    if isinstance(exc, SMTPRecipientsRefused):
        codes = [code for code, _message in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    code = getattr(exc, "smtp_code", None)
    return isinstance(code, int) and 500 <= code < 600


def smtp_codes(exc: Exception) -> str:
    """The SMTP reply codes of ``exc`` (``"451"``, ``"550,550"``), or ``""`` for a network failure."""
    if isinstance(exc, SMTPRecipientsRefused):
        return ",".join(str(code) for code, _message in exc.recipients.values())
    code = getattr(exc, "smtp_code", None)
    return str(code) if isinstance(code, int) else ""


def send_templated_mail(
    *, template: str, context: dict[str, Any], domain: Domain, to: str, label: str
) -> bool:
    """Send the text + HTML email ``template`` to ``to`` from ``domain``'s sender; whether it was sent.

    ``label`` names the message in log lines (never the recipient). Raises
    :class:`TransientMailError` for a failure worth retrying.
    """
    subject = render_to_string(f"{template}_subject.txt", context).strip()
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string(f"{template}.txt", context),
        from_email=domain_sender(domain),
        to=[to],
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    try:
        message.send(fail_silently=False)
    except (SMTPException, OSError) as exc:
        failure = f"{type(exc).__name__} {smtp_codes(exc)}".strip()
        if mail_failure_is_permanent(exc):
            logger.warning("%s: the mail server refused it for good (%s)", label, failure)
            return False
        logger.info("%s: a transient failure (%s); retried", label, failure)
        raise TransientMailError(failure) from None
    return True
