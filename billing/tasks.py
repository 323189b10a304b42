"""Background work of the billing app: billing emails and the expiry of subscriptions.

Emails follow the OTP mail's rules (``accounts.tasks``): a transient failure
(network, a 4xx SMTP answer) is retried with backoff and jitter, a permanent
one (a 5xx answer) is logged and the task ends.
"""

from __future__ import annotations

import logging

from celery import shared_task

from aimg_site.core.mail import MAIL_RETRY, send_templated_mail
from aimg_site.core.models import Domain
from aimg_site.core.scoping import domain_context

from .subscriptions.services import subscriptions_expire

logger = logging.getLogger(__name__)

#: The billing emails: their templates are ``billing/<kind>_email{,_subject}.txt`` and ``.html``.
EMAIL_KINDS = frozenset({"pay_with_card", "cancel_instructions"})


@shared_task(name="billing.send_billing_email", **MAIL_RETRY)
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
        return send_templated_mail(
            template=f"billing/{kind}_email",
            context=context,
            domain=domain,
            to=email,
            label=f"billing email {kind}",
        )


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
