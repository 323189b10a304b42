"""Background work of the billing app: billing emails and the expiry of subscriptions.

Emails follow the OTP mail's rules (``accounts.tasks``): a transient failure
(network, a 4xx SMTP answer) is retried with backoff and jitter, a permanent
one (a 5xx answer) is logged and the task ends.
"""

from __future__ import annotations

import logging
from smtplib import SMTPException

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
            if mail_failure_is_permanent(exc):
                logger.warning("billing email %s: the mail server refused it for good: %s", kind, exc)
                return False
            raise TransientMailError(f"{type(exc).__name__}: {exc}") from exc
    return True


@shared_task(name="billing.expire_subscriptions")
def expire_subscriptions() -> int:
    """Mark subscriptions past their expiry ``expired`` in every domain (beat; bookkeeping only:
    ``billing.entitlements`` stops counting them at their expiry already)."""
    return subscriptions_expire()
