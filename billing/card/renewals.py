"""Renewals of card subscriptions: the beat task ``billing.renew_card_subscriptions`` charges each
active card subscription whose next billing date has come, through ``PaymentProcessor.renew``.

A card subscription's tier lasts until its next billing date plus ``RENEWAL_GRACE`` (the time the
beat needs to renew it). Each period is charged at most once, without holding a lock across the
processor call, as first charges are (``billing.card.services``):

1. In a transaction holding the subscription row (``FOR UPDATE SKIP LOCKED``: a second run skips
   a row the first holds), a renewal attempt for this period that is pending or approved means
   there is nothing to do; otherwise a ``pending`` attempt is written with the idempotency key
   ``renewal:<subscription>:<period start>:<try>`` (unique per user, so a racing duplicate fails to
   insert) and committed.
2. The processor charges, given the attempt's id as its idempotency key.
3. In a second transaction: approved, the next billing date moves one period on and the tier is
   extended with it; declined, the subscription ends at its period end (the billing date that
   came, so at once); a transient failure leaves it for the next run, at most
   ``MAX_RENEWAL_TRIES`` tries a period, then it ends as declined.

A renewal left ``pending`` (the process died during the charge) is never charged again
automatically: the tier ends with its grace, and staff see the attempt in the console.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from aimg_site.api.exceptions import ServiceUnavailable
from aimg_site.core.models import Domain
from aimg_site.core.scoping import domain_context

from ..models import PaymentAttempt, PaymentAttemptStatus, Subscription, SubscriptionStatus
from ..plans.selectors import plan_get_for_product
from ..subscriptions.services import CARD_PROVIDERS
from .processors import ChargeOutcome, ChargeResult, PaymentProcessor, card_processor

logger = logging.getLogger(__name__)

#: A card subscription's tier lasts this long past its next billing date (the renewal's window).
RENEWAL_GRACE = dt.timedelta(days=1)
#: Tries of one period's charge that failed transiently before the subscription ends.
MAX_RENEWAL_TRIES = 4


def period_end(start: dt.datetime, period: str) -> dt.datetime | None:
    """``start`` plus one ``period`` (``None`` for lifetime and one-off prices)."""
    from .services import add_months

    if period == "daily":
        return start + dt.timedelta(days=1)
    if period == "monthly":
        return add_months(start, 1)
    if period == "yearly":
        return add_months(start, 12)
    return None


def tier_expiration_for(next_billing: dt.datetime | None) -> dt.datetime | None:
    """Until when a card subscription billed next at ``next_billing`` gives its tier."""
    return None if next_billing is None else next_billing + RENEWAL_GRACE


@dataclass
class RenewalReport:
    renewed: int = 0
    ended: int = 0
    retry_later: int = 0
    skipped: int = 0
    outcomes: dict[str, str] = field(default_factory=dict)


def _renewal_price(row: Subscription) -> dict | None:
    """The price to charge: the snapshot's, or after a trial the plan's first card price that is not
    a trial (``None``: nothing to renew at)."""
    price = row.price or {}
    if (
        price.get("type") != "trial"
        and price.get("value")
        and period_end(row.started_at, price.get("period", ""))
    ):
        return price
    plan = plan_get_for_product(product_id=row.product_id)
    if plan is None:
        return None
    for candidate in plan.prices.all():
        if candidate.type == "trial" or period_end(row.started_at, candidate.period) is None:
            continue
        if any(p.get("paymentProvider") == row.payment_provider for p in candidate.payment_providers):
            return candidate.snapshot()
    return None


def _end(row: Subscription, *, now: dt.datetime) -> None:
    """End ``row`` at its period end (the billing date that came: at once)."""
    end = min(row.next_billing_date or now, now)
    row.tier_expiration = end
    row.next_billing_date = None
    row.status = SubscriptionStatus.EXPIRED
    row.expired_at = now
    row.save(update_fields=["tier_expiration", "next_billing_date", "status", "expired_at", "updated_at"])


@transaction.atomic
def _renewal_begin(*, subscription_id, now: dt.datetime, processor: PaymentProcessor):
    """Step 1: ``(attempt, price, "")`` to charge, or ``(None, None, outcome)``."""
    row = (
        Subscription.objects.select_for_update(skip_locked=True)
        .filter(
            pk=subscription_id,
            payment_provider__in=CARD_PROVIDERS,
            status=SubscriptionStatus.ACTIVE,
            next_billing_date__lte=now,
        )
        .first()
    )
    if row is None:
        return None, None, "skipped"
    assert row.next_billing_date is not None
    prefix = f"renewal:{row.pk}:{row.next_billing_date.isoformat()}:"
    tries = list(
        PaymentAttempt.objects.filter(user_id=row.user_id, idempotency_key__startswith=prefix).values_list(
            "status", flat=True
        )
    )
    if PaymentAttemptStatus.PENDING in tries or PaymentAttemptStatus.APPROVED in tries:
        return None, None, "skipped"
    price = _renewal_price(row)
    if price is None or len(tries) >= MAX_RENEWAL_TRIES:
        _end(row, now=now)
        return None, None, "ended"
    first = PaymentAttempt.objects.filter(subscription=row).order_by("created_at").first()
    try:
        with transaction.atomic():
            attempt = PaymentAttempt.objects.create(
                user_id=row.user_id,
                processor=processor.name,
                merchant_processor=row.payment_provider,
                product_id=row.product_id,
                idempotency_key=f"{prefix}{len(tries)}",
                card_last4=first.card_last4 if first else "",
                amount=Decimal(str(price["value"])).quantize(Decimal("0.01")),
                currency=price.get("currency", ""),
                subscription=row,
            )
    except IntegrityError:  # another run wrote this try first
        return None, None, "skipped"
    return attempt, price, ""


@transaction.atomic
def _renewal_finish(*, attempt: PaymentAttempt, price: dict, result: ChargeResult, now: dt.datetime) -> str:
    """Step 3: record the outcome on the attempt and the subscription."""
    row = Subscription.objects.select_for_update().get(pk=attempt.subscription_id)
    attempt.finished_at = now
    attempt.message = result.message[:300]
    attempt.transaction_id = result.transaction_id
    outcome = "retry_later"
    if result.outcome is ChargeOutcome.APPROVED:
        attempt.status = PaymentAttemptStatus.APPROVED
        start = row.next_billing_date or now
        row.next_billing_date = period_end(start, price.get("period", ""))
        row.tier_expiration = tier_expiration_for(row.next_billing_date)
        row.price = price
        row.save(update_fields=["next_billing_date", "tier_expiration", "price", "updated_at"])
        outcome = "renewed"
    elif result.outcome is ChargeOutcome.DECLINED:
        attempt.status = PaymentAttemptStatus.DECLINED
        _end(row, now=now)
        outcome = "ended"
    else:
        attempt.status = PaymentAttemptStatus.FAILED
    attempt.save()
    logger.info(
        "card renewal %s of subscription %s: %s (card ending %s)",
        attempt.pk,
        row.pk,
        attempt.status,
        attempt.card_last4,
    )
    return outcome


def card_subscription_renew(*, subscription_id, now: dt.datetime | None = None) -> str:
    """Renew one card subscription if due: ``renewed``, ``ended``, ``retry_later`` or ``skipped``."""
    now = now or timezone.now()
    processor = card_processor()
    attempt, price, outcome = _renewal_begin(subscription_id=subscription_id, now=now, processor=processor)
    if attempt is None or price is None:
        return outcome
    row = Subscription.objects.get(pk=attempt.subscription_id)
    try:
        result = processor.renew(
            transaction_id=row.transaction_id,
            amount=attempt.amount,
            currency=attempt.currency,
            idempotency_key=str(attempt.pk),
        )
    except Exception:
        logger.exception("card renewal %s: the processor failed", attempt.pk)
        result = ChargeResult(outcome=ChargeOutcome.TRANSIENT, message="The payment processor failed.")
    return _renewal_finish(attempt=attempt, price=price, result=result, now=now)


def card_subscriptions_renew(*, now: dt.datetime | None = None, batch: int = 500) -> RenewalReport:
    """Renew every due card subscription, in every domain (the beat task). Nothing is charged when
    card payments are disabled (``AIMG_CARD_PROCESSOR=disabled``): the tiers end with their grace."""
    report = RenewalReport()
    try:
        card_processor()
    except ServiceUnavailable:
        logger.warning("card renewals: card payments are disabled; nothing renewed")
        return report
    now = now or timezone.now()
    for domain in Domain.objects.order_by("name"):
        with domain_context(domain):
            due = list(
                Subscription.objects.filter(
                    payment_provider__in=CARD_PROVIDERS,
                    status=SubscriptionStatus.ACTIVE,
                    next_billing_date__lte=now,
                )
                .order_by("next_billing_date")
                .values_list("pk", flat=True)[:batch]
            )
            for pk in due:
                outcome = card_subscription_renew(subscription_id=pk, now=now)
                setattr(report, outcome, getattr(report, outcome) + 1)
                report.outcomes[str(pk)] = outcome
    if report.renewed or report.ended or report.retry_later:
        logger.info(
            "card renewals: %d renewed, %d ended, %d to retry",
            report.renewed,
            report.ended,
            report.retry_later,
        )
    return report
