"""Background work of the accounts app: sending OTP emails.

Tasks take ids and strings (JSON), re-fetch their rows and call the mail
layer; a transient SMTP or network failure is retried with backoff.
"""

from __future__ import annotations

import logging
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from aimg_site.core.scoping import domain_context

from .models import OneTimePassword
from .otp import magic_link, otp_validity

logger = logging.getLogger(__name__)


@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=6,
    acks_late=True,
)
def send_otp_email(otp_id: str, code: str) -> bool:
    """Email ``code`` (and its magic link) to the address of the ``OneTimePassword`` ``otp_id``.

    The raw code travels through the broker because only its HMAC is stored;
    it is useless once used or after 24 hours. If the code was used or has
    expired before this task runs, nothing is sent and the task ends cleanly.
    Returns whether a message was sent.
    """
    row = OneTimePassword.all_domains.select_related("domain").filter(pk=otp_id).first()
    if row is None or row.used_at is not None or row.expires_at <= timezone.now():
        logger.info("OTP %s is gone, used or expired; not sending it", otp_id)
        return False
    domain = row.domain
    with domain_context(domain):
        context = {
            "code": code,
            "email": row.email,
            "site_name": domain.display_name or domain.name,
            "magic_link": magic_link(frontend_url=domain.frontend_url, email=row.email, code=code),
            "valid_hours": int(otp_validity().total_seconds() // 3600),
            "sign_up": row.sign_up,
        }
        subject = render_to_string("accounts/otp_email_subject.txt", context).strip()
        message = EmailMultiAlternatives(
            subject=" ".join(subject.split()),
            body=render_to_string("accounts/otp_email.txt", context),
            from_email=getattr(settings, "AIMG_OTP_FROM_EMAIL", None) or settings.DEFAULT_FROM_EMAIL,
            to=[row.email],
        )
        message.attach_alternative(render_to_string("accounts/otp_email.html", context), "text/html")
        message.send(fail_silently=False)
    return True


@shared_task(name="accounts.purge_expired_otps")
def purge_expired_otps() -> int:
    """Delete one-time passwords past their validity, in every domain (housekeeping for beat)."""
    from .otp import otps_delete_expired

    return otps_delete_expired()
