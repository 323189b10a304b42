"""Background work of the billing app: billing emails and the expiry of subscriptions.

Emails follow the OTP mail's rules (``accounts.tasks``): a transient failure
(network, a 4xx SMTP answer) is retried with backoff and jitter, a permanent
one (a 5xx answer) is logged and the task ends.
"""

from __future__ import annotations

import logging
from smtplib import SMTPException, SMTPRecipientsRefused

from celery import shared_task
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from accounts.tasks import TransientMailError, mail_failure_is_permanent
from aimg_site.core.models import Domain
from aimg_site.core.scoping import domain_context
from aimg_site.core.selectors import domain_sender

from .subscriptions.services import subscriptions_expire

logger = logging.getLogger(__name__)

#: The billing emails: their templates are ``billing/<kind>_email{,_subject}.txt`` and ``.html``.
EMAIL_KINDS = frozenset({"pay_with_card", "cancel_instructions"})


@shared_task(
    name="billing.send_billing_email",
    autoretry_for=(TransientMailError,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=6,
    acks_late=True,
)
def send_billing_email(kind: str, email: str, domain_id: int, extra: dict | None = None) -> bool:
    """Send the billing email ``kind`` to ``email`` for the domain ``domain_id``; whether it was sent."""
    if kind not in EMAIL_KINDS:
        logger.warning("unknown billing email %r; not sending", kind)
        return False
    domain = Domain.objects.filter(pk=domain_id).first()
    if domain is None:
        return False
    with domain_context(domain):
        front = (domain.frontend_url or "").rstrip("/")
        context = {
            "email": email,
            "site_name": domain.display_name or domain.name,
            "frontend_url": front,
            "payment_link": f"{front}/payment" if front else "",
            **(extra or {}),
        }
        subject = render_to_string(f"billing/{kind}_email_subject.txt", context).strip()
        message = EmailMultiAlternatives(
            subject=" ".join(subject.split()),
            body=render_to_string(f"billing/{kind}_email.txt", context),
            from_email=domain_sender(domain),
            to=[email],
        )
        message.attach_alternative(render_to_string(f"billing/{kind}_email.html", context), "text/html")
        try:
            message.send(fail_silently=False)
        except (SMTPException, OSError) as exc:
            # Neither the recipient nor the server's reply (which may quote it) goes to the log.
            failure = f"{type(exc).__name__} {_smtp_codes(exc)}".strip()
            if mail_failure_is_permanent(exc):
                logger.warning("billing email %s: the mail server refused it for good (%s)", kind, failure)
                return False
            logger.info("billing email %s: a transient failure (%s); retried", kind, failure)
            raise TransientMailError(failure) from None
    return True


def _smtp_codes(exc: Exception) -> str:
    """The SMTP reply codes of ``exc`` (``"451"``, ``"550,550"``), or ``""`` for a network failure."""
    if isinstance(exc, SMTPRecipientsRefused):
        return ",".join(str(code) for code, _message in exc.recipients.values())
    code = getattr(exc, "smtp_code", None)
    return str(code) if isinstance(code, int) else ""


@shared_task(name="billing.expire_subscriptions")
def expire_subscriptions() -> int:
    """Mark subscriptions past their expiry ``expired`` in every domain (beat; bookkeeping only:
    ``billing.entitlements`` stops counting them at their expiry already)."""
    return subscriptions_expire()


@shared_task(name="billing.sync_boosty_subscriptions")
def sync_boosty_subscriptions() -> int:
    """Write every domain's Boosty subscriptions from what Boosty answers (beat, hourly; also
    ``manage.py sync_boosty``); how many subscriptions were written or ended."""
    from .boosty.services import boosty_subscriptions_sync_all

    reports = boosty_subscriptions_sync_all()
    return sum(report.written + report.ended for report in reports.values())


@shared_task(name="billing.renew_card_subscriptions")
def renew_card_subscriptions() -> int:
    """Charge the card subscriptions whose next billing date has come (beat, every 10 minutes; also
    ``manage.py renew_subscriptions``); how many were renewed."""
    from .card.renewals import card_subscriptions_renew

    return card_subscriptions_renew().renewed
