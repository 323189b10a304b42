"""Factories of the billing app: ``give_tier`` (a PRO user in one line), ``SubscriptionFactory``,
``plan_create_simple`` and ``gift_card_codes``.

``give_tier(user, 2)`` is how tests of other apps make a Pro user: it writes a
real ``Subscription`` (provider ``admin`` by default), so ``billing.entitlements``
reads the tier as in production; nothing is patched.
"""

from __future__ import annotations

import datetime as dt
import uuid

import factory
from django.utils import timezone

from aimg_site.core.models import Domain
from aimg_site.core.scoping import domain_context
from aimg_site.core.selectors import domain_get
from billing.giftcards.services import gift_cards_create
from billing.models import BillingPlan, Subscription
from billing.plans.services import plan_create


class SubscriptionFactory(factory.django.DjangoModelFactory):
    """An active subscription (tier 1, no expiry, provider ``admin``) in the user's domain."""

    class Meta:
        model = Subscription

    payment_provider = "admin"
    product_id = factory.LazyFunction(lambda: f"test-{uuid.uuid4().hex[:8]}")
    tier = 1
    status = "active"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        user = kwargs["user"]
        with domain_context(kwargs.pop("domain", None) or user.domain):
            return super()._create(model_class, *args, **kwargs)


def give_tier(
    user,
    tier: int,
    *,
    domain: Domain | str | None = None,
    expires: dt.datetime | dt.timedelta | None = None,
    provider: str = "admin",
    **fields,
) -> Subscription:
    """Give ``user`` PRO ``tier`` at once: a real active subscription of ``provider``.

    ``expires`` is a moment or a delay from now (``None``: never). ``domain`` defaults to the
    user's (a name or a ``Domain``).
    """
    if isinstance(domain, str):
        domain = domain_get(domain)
    if isinstance(expires, dt.timedelta):
        expires = timezone.now() + expires
    return SubscriptionFactory(
        user=user,
        tier=tier,
        payment_provider=provider,
        tier_expiration=expires,
        domain=domain or user.domain,
        **fields,
    )


def plan_create_simple(
    *,
    tier: int = 1,
    value: float = 9.99,
    period: str = "monthly",
    providers: tuple[str, ...] = ("arkpay",),
    plan_id: str | None = None,
    coupon_code: str = "",
    env: str | None = None,
) -> BillingPlan:
    """A plan of the bound domain with one price payable through ``providers``."""
    return plan_create(
        name=f"Tier {tier} {period}",
        tier=tier,
        plan_id=plan_id,
        coupon_code=coupon_code,
        env=env,
        prices=[
            {
                "type": "base",
                "period": period,
                "currency": "USD",
                "currencyType": "fiat",
                "value": value,
                "paymentProviders": [{"paymentProvider": p} for p in providers],
            }
        ],
    )


def gift_card_codes(n: int = 1, *, tier: int = 1, days: int = 30, **kwargs) -> list[str]:
    """``n`` new gift-card codes of the bound domain."""
    return gift_cards_create(number_of_cards=n, tier=tier, days=days, **kwargs).codes
