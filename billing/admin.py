"""Staff console for billing: plans and prices, subscriptions, gift-card batches and redemptions,
payment attempts and Boosty accounts. Only the ``admin`` role sees any of it (moderators see none).

No page shows a secret: gift cards show their redemption, never a code (only a
keyed hash is stored, and it is not displayed); payment attempts show the last
four digits; Boosty accounts show when cookies were injected and expire, never
the cookies. Rows that record money or redemptions are read-only.
"""

from __future__ import annotations

from django.contrib import admin

from accounts.admin import RoleAccessMixin
from accounts.models import User

from .models import (
    BillingPlan,
    BillingPlanPrice,
    BoostyAccount,
    GiftCard,
    GiftCardBatch,
    PaymentAttempt,
    Subscription,
)

ADMIN_ONLY = frozenset({User.Role.ADMIN})


class BillingAdmin(RoleAccessMixin, admin.ModelAdmin):
    view_roles = ADMIN_ONLY
    change_roles = ADMIN_ONLY


class ReadOnlyBillingAdmin(BillingAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class BillingPlanPriceInline(admin.TabularInline):
    model = BillingPlanPrice
    extra = 0
    fields = (
        "position",
        "name",
        "type",
        "period",
        "currency",
        "currency_type",
        "value",
        "trial_days",
        "payment_providers",
    )


@admin.register(BillingPlan)
class BillingPlanAdmin(BillingAdmin):
    list_display = ("plan_id", "name", "tier", "env", "coupon_code", "boosty_level", "is_active", "ordering")
    list_filter = ("env", "tier", "is_active")
    search_fields = ("plan_id", "name")
    inlines = (BillingPlanPriceInline,)


@admin.register(BillingPlanPrice)
class BillingPlanPriceAdmin(BillingAdmin):
    list_display = ("plan", "type", "period", "currency", "value")
    list_filter = ("type", "period", "currency")


class ExpiryFilter(admin.SimpleListFilter):
    title = "expiry"
    parameter_name = "expiry"

    def lookups(self, request, model_admin):
        return [("none", "never expires"), ("future", "expires later"), ("past", "past its expiry")]

    def queryset(self, request, queryset):
        from django.utils import timezone

        now = timezone.now()
        if self.value() == "none":
            return queryset.filter(tier_expiration__isnull=True)
        if self.value() == "future":
            return queryset.filter(tier_expiration__gt=now)
        if self.value() == "past":
            return queryset.filter(tier_expiration__lte=now)
        return queryset


@admin.register(Subscription)
class SubscriptionAdmin(BillingAdmin):
    list_display = (
        "user",
        "payment_provider",
        "product_id",
        "tier",
        "status",
        "tier_expiration",
        "next_billing_date",
    )
    list_filter = ("payment_provider", "status", ExpiryFilter, "tier")
    search_fields = ("user__email", "product_id", "=transaction_id")
    raw_id_fields = ("user",)
    readonly_fields = ("created_at", "updated_at", "expired_at", "price")
    show_full_result_count = False


class GiftCardInline(admin.TabularInline):
    model = GiftCard
    extra = 0
    can_delete = False
    fields = ("id", "external_code", "redeemed_by", "redeemed_at")
    readonly_fields = fields
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(GiftCardBatch)
class GiftCardBatchAdmin(ReadOnlyBillingAdmin):
    list_display = (
        "created_at",
        "distribution_provider",
        "tier",
        "days",
        "number_of_cards",
        "usd_price",
        "created_by",
    )
    list_filter = ("distribution_provider", "tier")
    inlines = (GiftCardInline,)


@admin.register(GiftCard)
class GiftCardAdmin(ReadOnlyBillingAdmin):
    """Redemptions: who redeemed which card of which batch, and when (never the code)."""

    list_display = ("id", "batch", "external_code", "redeemed_by", "redeemed_at")
    list_filter = ("batch__tier", ("redeemed_at", admin.EmptyFieldListFilter))
    search_fields = ("redeemed_by__email", "external_code")
    exclude = ("code_digest",)
    readonly_fields = ("batch", "external_code", "redeemed_by", "redeemed_at", "subscription")


@admin.register(PaymentAttempt)
class PaymentAttemptAdmin(ReadOnlyBillingAdmin):
    list_display = (
        "created_at",
        "user",
        "product_id",
        "processor",
        "status",
        "card_last4",
        "amount",
        "currency",
    )
    list_filter = ("status", "processor")
    search_fields = ("user__email", "product_id", "=transaction_id")
    exclude = ("idempotency_key",)
    readonly_fields = (
        "user",
        "processor",
        "merchant_processor",
        "product_id",
        "status",
        "card_last4",
        "amount",
        "currency",
        "transaction_id",
        "message",
        "subscription",
        "created_at",
        "finished_at",
    )


@admin.register(BoostyAccount)
class BoostyAccountAdmin(ReadOnlyBillingAdmin):
    list_display = ("account_id", "cookie_count", "injected_at", "expires_at")
    exclude = ("cookies_token",)
    readonly_fields = ("account_id", "cookie_count", "injected_at", "expires_at")
