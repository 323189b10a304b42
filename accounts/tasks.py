"""Background work of the accounts app: sending OTP emails, and housekeeping of sessions and codes.

Tasks take ids and strings (JSON), re-fetch their rows and call the mail
layer. Failures are classified: a transient one (network, connection,
a 4xx SMTP answer) is retried with backoff and jitter; a permanent one
(a 5xx answer: unknown recipient, refused sender) is logged and the task
ends, since sending again cannot succeed.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from aimg_site.core.mail import MAIL_RETRY, send_templated_mail
from aimg_site.core.scoping import domain_context

from .models import OneTimePassword
from .sessions.services import sessions_delete_expired
from .signin.otp import magic_link, otp_validity, otps_delete_expired

logger = logging.getLogger(__name__)


@shared_task(**MAIL_RETRY)
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
        return send_templated_mail(
            template="accounts/otp_email", context=context, domain=domain, to=row.email, label=f"OTP {otp_id}"
        )


@shared_task(name="accounts.purge_expired_otps")
def purge_expired_otps() -> int:
    """Delete one-time passwords past their validity, in every domain (housekeeping for beat)."""
    return otps_delete_expired()


# The name predates the task's move from the shared layer to the app that owns sessions: beat's
# schedule (settings.CELERY_BEAT_SCHEDULE) and messages already queued use it.
@shared_task(name="core.purge_expired_sessions")
def purge_expired_sessions() -> int:
    """Delete sessions idle longer than AIMG_SESSION_IDLE_DAYS, in every domain (housekeeping for beat)."""
    return sessions_delete_expired()
