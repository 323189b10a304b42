"""The billing tables: plans and their prices, subscriptions, payment attempts, gift cards, Boosty cookies.

``Subscription`` is the one source of every tier: ``billing.entitlements``
reads the rows active at this instant, whatever their provider (card
processor, gift card, admin, Boosty...). No table holds a card number, a
security code, a gift-card code or a cookie in the clear: payment attempts keep
the last four digits, gift cards a keyed hash of their code, Boosty cookies a
Fernet token (``aimg_site.core.encryption``).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from aimg_site.core.scoping import DomainScopedModel

from . import enums


class BillingPlan(DomainScopedModel):
    """A Billing Plan as ``getBillingPlans`` lists it, for one domain and environment.

    ``plan_id`` is the wire ``id`` and the ``productID`` a subscription to the
    plan carries. A plan with a ``coupon_code`` is listed only to a caller who
    sends that code. Catalog plans come from ``billing/catalog/plans.json``
    (``load_catalog``); ``createBillingPlan`` adds others.
    """

    plan_id = models.CharField(
        max_length=100, help_text="The wire id, also the productID of its subscriptions."
    )
    env = models.CharField(max_length=10, choices=enums.ENVIRONMENTS, default="prod")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    features = models.JSONField(default=list, blank=True)
    main_benefits = models.JSONField(default=list, blank=True)
    tier = models.PositiveSmallIntegerField()
    coupon_code = models.CharField(
        max_length=100, blank=True, default="", help_text="When set, listed only with this code."
    )
    ordering = models.IntegerField(default=0)
    is_active = models.BooleanField(default=True)
    boosty_level = models.CharField(
        max_length=100,
        blank=True,
        default="",
        help_text="The Boosty subscription level (its name, any case) whose subscribers get this plan's "
        "tier (billing.boosty.services); empty: none.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["ordering", "tier", "plan_id"]
        constraints = [
            models.UniqueConstraint(fields=["domain", "env", "plan_id"], name="billing_plan_unique_id"),
            models.UniqueConstraint(
                Lower("boosty_level"),
                "domain",
                "env",
                condition=~Q(boosty_level=""),
                name="billing_plan_one_plan_per_boosty_level",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} ({self.env})"


class BillingPlanPrice(models.Model):
    """One price of a plan (the reference's BillingPlanPrice); ``payment_providers`` are
    ``{"paymentProvider", "paymentLabel"?, "paymentUrl"?}`` objects (the URL is a base the
    rule of ``billing.plans.urls`` completes)."""

    plan = models.ForeignKey(BillingPlan, on_delete=models.CASCADE, related_name="prices")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=200, blank=True, default="")
    type = models.CharField(max_length=20, choices=enums.choices(enums.PRICE_TYPES))
    period = models.CharField(max_length=20, choices=enums.choices(enums.PERIODS))
    currency = models.CharField(max_length=10, choices=enums.choices(enums.CURRENCIES))
    currency_type = models.CharField(max_length=10, choices=enums.choices(enums.CURRENCY_TYPES))
    value = models.DecimalField(max_digits=12, decimal_places=2)
    trial_days = models.PositiveIntegerField(null=True, blank=True)
    payment_providers = models.JSONField(default=list)

    class Meta:
        ordering = ["plan", "position", "id"]

    def __str__(self) -> str:
        return f"{self.plan.plan_id}: {self.value} {self.currency} {self.period}"

    def snapshot(self) -> dict:
        """The ``price`` of a Subscription (kept on the subscription: later edits do not rewrite it)."""
        return {
            "type": self.type,
            "period": self.period,
            "currency": self.currency,
            "currencyType": self.currency_type,
            "value": float(self.value),
        }


class SubscriptionStatus(models.TextChoices):
    ACTIVE = "active", "active"
    CANCELLING = "cancelling", "cancelled at period end"
    EXPIRED = "expired", "expired"


class Subscription(DomainScopedModel):
    """A user's entitlement to a tier from one payment provider (card, gift card, admin, Boosty...).

    A row counts while its status is active or cancelling and ``tier_expiration``
    is empty (no expiry) or in the future; ``billing.entitlements`` checks the
    instant itself, so a row past its expiry stops counting before the beat task
    (``expire_subscriptions``) marks it expired. Admin-provided tiers are one row
    per (user, product).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    payment_provider = models.CharField(max_length=20, choices=enums.choices(enums.PAYMENT_PROVIDERS))
    product_id = models.CharField(max_length=100)
    tier = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=12, choices=SubscriptionStatus.choices, default=SubscriptionStatus.ACTIVE
    )
    started_at = models.DateTimeField(default=timezone.now)
    tier_expiration = models.DateTimeField(null=True, blank=True, help_text="Empty: no expiry.")
    next_billing_date = models.DateTimeField(null=True, blank=True)
    payer_id = models.CharField(max_length=200, blank=True, default="")
    transaction_id = models.CharField(max_length=200, blank=True, default="")
    additional_information = models.TextField(blank=True, default="")
    price = models.JSONField(null=True, blank=True, help_text="The price when subscribed (a snapshot).")
    env = models.CharField(max_length=10, choices=enums.ENVIRONMENTS, default="prod")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    expired_at = models.DateTimeField(null=True, blank=True, help_text="When expire_subscriptions marked it.")

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [
            models.Index(fields=["user", "status"], name="billing_sub_user_status"),
            models.Index(fields=["status", "tier_expiration"], name="billing_sub_status_expiry"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "product_id"],
                condition=Q(payment_provider="admin"),
                name="billing_sub_one_admin_tier_per_product",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payment_provider}:{self.product_id} tier {self.tier} ({self.status})"


class PaymentAttemptStatus(models.TextChoices):
    PENDING = "pending", "pending"
    APPROVED = "approved", "approved"
    DECLINED = "declined", "declined"
    FAILED = "failed", "failed (transient)"


class PaymentAttempt(DomainScopedModel):
    """One card charge attempt (``processCardSubscription``): the last four digits only, never the
    number or security code. ``idempotency_key`` is the client's ``Idempotency-Key`` header (or
    empty); a pending or approved attempt for the same user and product within the idempotency
    window, or with the same key, is answered again instead of charging twice."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    processor = models.CharField(max_length=20)
    merchant_processor = models.CharField(max_length=20, default="arkpay")
    product_id = models.CharField(max_length=100)
    idempotency_key = models.CharField(max_length=200, blank=True, default="")
    status = models.CharField(
        max_length=10, choices=PaymentAttemptStatus.choices, default=PaymentAttemptStatus.PENDING
    )
    card_last4 = models.CharField(max_length=4)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=10)
    transaction_id = models.CharField(max_length=200, blank=True, default="")
    message = models.CharField(max_length=300, blank=True, default="")
    subscription = models.ForeignKey(
        Subscription, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["user", "product_id", "created_at"], name="billing_attempt_window")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="billing_attempt_unique_idempotency_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} ****{self.card_last4} {self.status}"


class GiftCardBatch(DomainScopedModel):
    """One ``downloadGiftCards`` (or ``generate_gift_cards``) run: what its cards grant."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    distribution_provider = models.CharField(max_length=20, default="giftcard")
    tier = models.PositiveSmallIntegerField(default=1)
    days = models.PositiveIntegerField(default=30)
    number_of_cards = models.PositiveIntegerField()
    usd_price = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    external_codes = models.JSONField(default=list, blank=True)
    additional_information = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name_plural = "gift card batches"

    def __str__(self) -> str:
        return f"{self.number_of_cards} x tier {self.tier} / {self.days} days ({self.created_at:%Y-%m-%d})"

    @property
    def product_id(self) -> str:
        return f"{self.distribution_provider}-tier{self.tier}-{self.days}d"


class GiftCard(DomainScopedModel):
    """One gift card: only the keyed hash of its code is stored (``billing.giftcards.codes``), so
    the table reveals no unredeemed code. Redeemed once, by ``redeemed_by``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    batch = models.ForeignKey(GiftCardBatch, on_delete=models.CASCADE, related_name="cards")
    code_digest = models.CharField(max_length=64, unique=True)
    external_code = models.CharField(max_length=200, blank=True, default="")
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    redeemed_at = models.DateTimeField(null=True, blank=True)
    subscription = models.ForeignKey(
        Subscription, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["batch", "id"]

    def __str__(self) -> str:
        return f"gift card {self.pk} ({'redeemed' if self.redeemed_at else 'unredeemed'})"


class BoostyAccount(DomainScopedModel):
    """The Boosty admin account's cookies for one domain, as a Fernet token; they stop being used
    7 days after injection (``expires_at``). Never returned by an endpoint or admin page."""

    account_id = models.CharField(max_length=100)
    cookies_token = models.TextField(help_text="Fernet token of the cookies' JSON.")
    cookie_count = models.PositiveSmallIntegerField(default=0)
    injected_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["account_id"]
        constraints = [
            models.UniqueConstraint(fields=["domain", "account_id"], name="billing_boosty_unique_account"),
        ]

    def __str__(self) -> str:
        return f"boosty:{self.account_id}"
