"""Card subscriptions (``processCardSubscription``) and the pay-with-card email.

Charging is idempotent and never holds a lock across the processor call:

1. In a transaction holding the caller's user row (``SELECT ... FOR UPDATE``,
   so one user's identical requests queue here), an attempt with the same
   ``Idempotency-Key``, or a pending or approved attempt for the same product
   within ``AIMG_CARD_IDEMPOTENCY_SECONDS``, is answered again instead of
   charging; otherwise a ``pending`` attempt is written and committed.
2. The processor charges (outside any transaction).
3. In a second transaction the attempt records the outcome and, on approval,
   the subscription is created, effective at once, its tier lasting until the
   next billing date plus the renewal grace (``billing.card.renewals`` charges
   the next period through the processor by then).

A concurrent identical request meets the pending attempt of step 1 and gets a
409, so two racing requests charge once. The card number and security code
live only in the request's memory: the attempt keeps the last four digits.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from aimg_site.api import ratelimit
from aimg_site.api.errors import ErrorCode
from aimg_site.api.exceptions import Conflict, InvalidParameter, NotFound
from aimg_site.core.scoping import current_domain

from .. import limits
from ..models import (
    BillingPlan,
    BillingPlanPrice,
    PaymentAttempt,
    PaymentAttemptStatus,
    Subscription,
    SubscriptionStatus,
)
from ..plans.selectors import plan_get_for_product
from .processors import CardDetails, ChargeOutcome, ChargeResult, card_processor
from .renewals import tier_expiration_for

logger = logging.getLogger(__name__)


def add_months(value: dt.datetime, months: int) -> dt.datetime:
    """``value`` plus ``months`` calendar months (the day clamped to the month's last)."""
    month_index = value.month - 1 + months
    year, month = value.year + month_index // 12, month_index % 12 + 1
    day = min(value.day, calendar.monthrange(year, month)[1])
    return value.replace(year=year, month=month, day=day)


def next_billing_date(*, start: dt.datetime, price: BillingPlanPrice) -> dt.datetime | None:
    """When the processor charges next: after the trial days of a trial price, else after one period
    (``None`` for lifetime and one-off prices)."""
    if price.type == "trial" and price.trial_days:
        return start + dt.timedelta(days=price.trial_days)
    if price.period == "daily":
        return start + dt.timedelta(days=1)
    if price.period == "monthly":
        return add_months(start, 1)
    if price.period == "yearly":
        return add_months(start, 12)
    return None


def _plan_price(*, plan: BillingPlan, merchant_processor: str) -> BillingPlanPrice:
    for price in plan.prices.all():
        if any(p.get("paymentProvider") == merchant_processor for p in price.payment_providers):
            return price
    raise InvalidParameter("productID", f"is a plan that cannot be paid with {merchant_processor}")


def _answer(attempt: PaymentAttempt) -> dict:
    return {"success": attempt.status == PaymentAttemptStatus.APPROVED, "message": attempt.message}


@transaction.atomic
def _attempt_begin(
    *, user: User, merchant_processor: str, product_id: str, card: CardDetails, idempotency_key: str
) -> tuple[PaymentAttempt | None, dict | None, BillingPlan | None, BillingPlanPrice | None]:
    """Step 1: ``(attempt, None, plan, price)`` to charge, or ``(None, answer, None, None)`` to answer
    a repeated request again."""
    User.objects.select_for_update().filter(pk=user.pk).first()
    if idempotency_key:
        previous = PaymentAttempt.objects.filter(user=user, idempotency_key=idempotency_key).first()
        if previous is not None:
            if previous.product_id != product_id:
                raise Conflict("This Idempotency-Key was already used for another payment.")
            if previous.status == PaymentAttemptStatus.PENDING:
                raise Conflict(
                    "This payment is already being processed.",
                    error_code=ErrorCode.BILLING_PAYMENT_IN_PROGRESS,
                )
            return None, _answer(previous), None, None
    plan = plan_get_for_product(product_id=product_id)
    if plan is None:
        raise NotFound("No Billing Plan has this productID.")
    price = _plan_price(plan=plan, merchant_processor=merchant_processor)
    window_start = timezone.now() - dt.timedelta(seconds=settings.AIMG_CARD_IDEMPOTENCY_SECONDS)
    recent = (
        PaymentAttempt.objects.filter(
            user=user,
            product_id=product_id,
            created_at__gte=window_start,
            status__in=[PaymentAttemptStatus.PENDING, PaymentAttemptStatus.APPROVED],
        )
        .order_by("-created_at")
        .first()
    )
    if recent is not None:
        if recent.status == PaymentAttemptStatus.PENDING:
            raise Conflict(
                "A payment for this plan is already being processed.",
                error_code=ErrorCode.BILLING_PAYMENT_IN_PROGRESS,
            )
        return None, _answer(recent), None, None
    now = timezone.now()
    subscribed = (
        Subscription.objects.filter(
            user=user,
            payment_provider=merchant_processor,
            product_id=product_id,
            status__in=[SubscriptionStatus.ACTIVE, SubscriptionStatus.CANCELLING],
        )
        .filter(Q(tier_expiration__isnull=True) | Q(tier_expiration__gt=now))
        .exists()
    )
    if subscribed:
        raise Conflict(
            "You already have an active subscription to this plan.",
            error_code=ErrorCode.BILLING_ALREADY_SUBSCRIBED,
        )
    attempt = PaymentAttempt.objects.create(
        user=user,
        processor=card_processor().name,
        merchant_processor=merchant_processor,
        product_id=product_id,
        idempotency_key=idempotency_key,
        card_last4=card.last4,
        amount=price.value,
        currency=price.currency,
    )
    return attempt, None, plan, price


@transaction.atomic
def _attempt_finish(
    *, attempt: PaymentAttempt, result: ChargeResult, plan: BillingPlan, price: BillingPlanPrice
) -> dict:
    """Step 3: record the outcome; on approval create the subscription, effective at once."""
    now = timezone.now()
    attempt.finished_at = now
    attempt.message = result.message[:300]
    attempt.transaction_id = result.transaction_id
    if result.outcome is ChargeOutcome.APPROVED:
        attempt.status = PaymentAttemptStatus.APPROVED
        next_billing = next_billing_date(start=now, price=price)
        attempt.subscription = Subscription.objects.create(
            user_id=attempt.user_id,
            payment_provider=attempt.merchant_processor,
            product_id=plan.plan_id,
            tier=plan.tier,
            started_at=now,
            # Renewed by billing.card.renewals before then; a lifetime price never expires.
            tier_expiration=tier_expiration_for(next_billing),
            next_billing_date=next_billing,
            payer_id=result.payer_id,
            transaction_id=result.transaction_id,
            price=price.snapshot(),
            env=plan.env,
        )
    elif result.outcome is ChargeOutcome.DECLINED:
        attempt.status = PaymentAttemptStatus.DECLINED
    else:
        attempt.status = PaymentAttemptStatus.FAILED
    attempt.save()
    logger.info(
        "card payment %s for %s: %s (card ending %s)",
        attempt.pk,
        attempt.product_id,
        attempt.status,
        attempt.card_last4,
    )
    return _answer(attempt)


def card_subscription_process(
    *,
    user: User,
    merchant_processor: str,
    product_id: str,
    card: CardDetails,
    billing: dict,
    idempotency_key: str = "",
) -> dict:
    """Charge ``card`` for the plan ``product_id`` and subscribe ``user``: ``{"success", "message"}``.

    A declined card or a processor failure is ``success: false`` with the
    processor's message (nothing is charged, the subscription is not created);
    a repeated request answers the first one's outcome (see the module docstring).
    """
    processor = card_processor()
    attempt, answer, plan, price = _attempt_begin(
        user=user,
        merchant_processor=merchant_processor,
        product_id=product_id,
        card=card,
        idempotency_key=idempotency_key,
    )
    if answer is not None:
        return answer
    assert attempt is not None and plan is not None and price is not None
    try:
        result = processor.subscribe(
            card=card,
            amount=Decimal(price.value),
            currency=price.currency,
            period=price.period,
            customer_ref=str(user.pk),
            idempotency_key=str(attempt.pk),
            billing=billing,
        )
    except Exception:
        logger.exception("card payment %s: the processor failed", attempt.pk)
        result = ChargeResult(
            outcome=ChargeOutcome.TRANSIENT,
            message="The payment processor had a temporary problem. Nothing was charged; try again.",
        )
    return _attempt_finish(attempt=attempt, result=result, plan=plan, price=price)


def pay_with_card_email_request(*, user: User | None, email: str | None) -> bool:
    """Queue the pay-with-card instructions to ``email`` (or the signed-in user's), sent on commit."""
    from ..tasks import send_billing_email

    recipient = email or (user.email if user is not None and not user.is_guest else "")
    if not recipient:
        raise InvalidParameter("email", "is required when you are not signed in")
    ratelimit.hit(limits.PAY_EMAIL_RECIPIENT, key=recipient.lower())
    domain_id = current_domain().pk
    transaction.on_commit(lambda: send_billing_email.delay("pay_with_card", recipient, domain_id))
    return True
