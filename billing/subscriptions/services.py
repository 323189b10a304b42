"""Subscription writes: cancelling, admin-provided tiers, and expiry.

Every write locks the rows it changes (``SELECT ... FOR UPDATE``) inside one transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from accounts.users.selectors import user_find_by_email
from aimg_site.api.exceptions import NotFound
from aimg_site.core.models import Domain
from aimg_site.core.scoping import current_domain, domain_context
from aimg_site.core.services import audit_log_record

from ..entitlements import ACTIVE_STATUSES, iso_datetime
from ..models import Subscription, SubscriptionStatus

logger = logging.getLogger(__name__)

#: Providers whose renewals a processor of ours charges (cancelled through it).
CARD_PROVIDERS = frozenset({"arkpay"})
#: Providers whose tiers never renew: nothing to cancel.
ONE_OFF_PROVIDERS = frozenset({"giftcard", "g2a", "admin", "whitelist", "none"})


def _active(queryset):
    now = timezone.now()
    return queryset.filter(status__in=ACTIVE_STATUSES).filter(
        Q(tier_expiration__isnull=True) | Q(tier_expiration__gt=now)
    )


@transaction.atomic
def membership_cancel(*, user: User) -> dict:
    """``cancelMembership``: ``{"success", "message"}``.

    An active card subscription is set to end at its next billing date (the
    processor stops renewing it). Otherwise, for a subscription renewed by an
    outside provider (Boosty, Patreon, PayPal...), the cancellation
    instructions are emailed. With only one-off tiers (gift cards, admin) or
    nothing active, ``success`` is false and the message says why.
    """
    from ..card.processors import card_processor
    from ..tasks import send_billing_email

    rows = list(
        _active(Subscription.objects.select_for_update().filter(user=user)).order_by("-tier", "-created_at")
    )
    card = [
        row
        for row in rows
        if row.payment_provider in CARD_PROVIDERS and row.status == SubscriptionStatus.ACTIVE
    ]
    if card:
        processor = card_processor()
        ends = []
        for row in card:
            if not processor.cancel_at_period_end(transaction_id=row.transaction_id):
                return {
                    "success": False,
                    "message": "The payment processor could not cancel the subscription.",
                }
            row.status = SubscriptionStatus.CANCELLING
            row.tier_expiration = row.next_billing_date or timezone.now()
            row.save(update_fields=["status", "tier_expiration", "updated_at"])
            ends.append(row.tier_expiration)
        return {
            "success": True,
            "message": f"Your membership is cancelled and ends on {iso_datetime(max(ends))}.",
        }
    if any(row.status == SubscriptionStatus.CANCELLING for row in rows) and not [
        row for row in rows if row.payment_provider not in ONE_OFF_PROVIDERS | CARD_PROVIDERS
    ]:
        return {"success": False, "message": "Your membership is already cancelled."}
    outside = [row for row in rows if row.payment_provider not in ONE_OFF_PROVIDERS | CARD_PROVIDERS]
    if outside:
        if not user.email:
            return {
                "success": False,
                "message": "Your account has no email address to send the instructions to.",
            }
        providers = sorted({row.payment_provider for row in outside})
        domain_id = current_domain().pk
        email = user.email
        transaction.on_commit(
            lambda: send_billing_email.delay(
                "cancel_instructions", email, domain_id, {"providers": providers}
            )
        )
        return {
            "success": True,
            "message": "We emailed you the instructions to cancel your membership with "
            + ", ".join(providers)
            + ".",
        }
    if rows:
        top = rows[0]
        ends_text = f" It ends on {iso_datetime(top.tier_expiration)}." if top.tier_expiration else ""
        return {
            "success": False,
            "message": f"Your PRO tier does not renew, so there is nothing to cancel.{ends_text}",
        }
    return {"success": False, "message": "You have no membership to cancel."}


@dataclass(frozen=True)
class AdminTierResult:
    subscriptions: list[Subscription]
    emails: list[str]


@transaction.atomic
def admin_tier_set(
    *,
    emails: list[str],
    product_id: str,
    tier: int,
    is_active: bool,
    deactivation_date: dt.datetime | None = None,
    additional_information: str | None = None,
) -> AdminTierResult:
    """Give (or update) an admin-provided tier for each of ``emails``: one subscription per (user,
    product). All or nothing: when an email has no user of the bound domain, a 404 names every such
    email and nothing changes. Inactive (``is_active`` false) or past its ``deactivation_date``, the
    tier stops counting at once.
    """
    users: list[tuple[str, User]] = []
    unknown: list[str] = []
    for email in emails:
        user = user_find_by_email(email=email)
        if user is None or user.is_guest:
            unknown.append(email)
        else:
            users.append((email, user))
    if unknown:
        raise NotFound(f"No user has the email {', '.join(unknown)}.")
    now = timezone.now()
    expired = not is_active or (deactivation_date is not None and deactivation_date <= now)
    rows = []
    for _email, user in users:
        User.objects.select_for_update().filter(pk=user.pk).first()
        row = (
            Subscription.objects.select_for_update()
            .filter(user=user, payment_provider="admin", product_id=product_id)
            .first()
        )
        if row is None:
            row = Subscription(user=user, payment_provider="admin", product_id=product_id, started_at=now)
        row.tier = tier
        row.tier_expiration = (
            deactivation_date if deactivation_date is not None else (now if expired else None)
        )
        row.status = SubscriptionStatus.EXPIRED if expired else SubscriptionStatus.ACTIVE
        row.expired_at = now if expired else None
        if additional_information is not None:
            row.additional_information = additional_information
        row.env = current_domain().environment
        row.save()
        rows.append(row)
    return AdminTierResult(subscriptions=rows, emails=[email for email, _user in users])


def subscriptions_expire(*, now: dt.datetime | None = None) -> int:
    """Mark every subscription past its expiry ``expired``, in every domain, and record it (one
    audit-log row per domain that had any). They stopped counting at their expiry already; this
    is bookkeeping. Returns how many rows changed."""
    now = now or timezone.now()
    total = 0
    for domain in Domain.objects.order_by("name"):
        with domain_context(domain), transaction.atomic():
            ids = list(
                Subscription.objects.select_for_update(skip_locked=True)
                .filter(status__in=ACTIVE_STATUSES, tier_expiration__lte=now)
                .values_list("pk", flat=True)
            )
            if not ids:
                continue
            changed = Subscription.objects.filter(pk__in=ids, status__in=ACTIVE_STATUSES).update(
                status=SubscriptionStatus.EXPIRED, expired_at=now, updated_at=now
            )
            audit_log_record(
                action="expire_subscriptions",
                target_type="Subscription",
                details={"count": changed, "ids": [str(pk) for pk in ids[:100]]},
            )
            logger.info("%s: %d subscription(s) expired", domain.name, changed)
            total += changed
    return total
