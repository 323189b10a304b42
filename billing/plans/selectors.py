"""Reads of Billing Plans: the plans a caller may see, shaped as the reference's BillingPlan."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from aimg_site.core.scoping import current_domain

from ..models import BillingPlan, BillingPlanPrice
from .payment_urls import payment_url


def plans_visible(*, plan_ids: list[str] | None = None, code: str | None = None) -> QuerySet[BillingPlan]:
    """Active plans of the bound domain and its environment, in display order.

    A plan reserved to a coupon code is included only when ``code`` matches it
    (case-insensitively); ``plan_ids`` keeps only those plans.
    """
    domain = current_domain()
    queryset = BillingPlan.objects.filter(env=domain.environment, is_active=True)
    if code:
        queryset = queryset.filter(Q(coupon_code="") | Q(coupon_code__iexact=code))
    else:
        queryset = queryset.filter(coupon_code="")
    if plan_ids is not None:
        queryset = queryset.filter(plan_id__in=plan_ids)
    return queryset.prefetch_related("prices").order_by("ordering", "tier", "plan_id")


def price_payload(price: BillingPlanPrice, *, product_id: str, redirect_url: str, payment_page: str) -> dict:
    frontend_url = current_domain().frontend_url
    payload: dict = {
        "type": price.type,
        "period": price.period,
        "currency": price.currency,
        "currencyType": price.currency_type,
        "value": float(price.value),
        "paymentProviders": [],
    }
    if price.name:
        payload["name"] = price.name
    if price.trial_days is not None:
        payload["trialDays"] = price.trial_days
    for entry in price.payment_providers:
        provider = entry.get("paymentProvider", "none")
        shaped = {
            "paymentProvider": provider,
            "paymentUrl": payment_url(
                provider=provider,
                stored_url=entry.get("paymentUrl", ""),
                product_id=product_id,
                frontend_url=frontend_url,
                redirect_url=redirect_url,
                payment_page=payment_page,
            ),
        }
        if entry.get("paymentLabel"):
            shaped["paymentLabel"] = entry["paymentLabel"]
        payload["paymentProviders"].append(shaped)
    return payload


def plan_payload(plan: BillingPlan, *, redirect_url: str = "", payment_page: str = "") -> dict:
    """The reference's BillingPlan of ``plan`` (prices prefetched), ``paymentUrl`` by the provider rule."""
    payload: dict = {"id": plan.plan_id, "name": plan.name, "tier": plan.tier}
    if plan.description:
        payload["description"] = plan.description
    if plan.features:
        payload["features"] = list(plan.features)
    if plan.main_benefits:
        payload["mainBenefits"] = list(plan.main_benefits)
    payload["prices"] = [
        price_payload(price, product_id=plan.plan_id, redirect_url=redirect_url, payment_page=payment_page)
        for price in plan.prices.all()
    ]
    return payload


def plan_get_for_product(*, product_id: str) -> BillingPlan | None:
    """The active plan of the bound domain's environment whose id is ``product_id``."""
    domain = current_domain()
    return (
        BillingPlan.objects.filter(env=domain.environment, is_active=True, plan_id=product_id)
        .prefetch_related("prices")
        .first()
    )


def plan_with_prices(*, plan: BillingPlan) -> BillingPlan:
    """``plan`` read again with its prices prefetched (as the listing reads it)."""
    return BillingPlan.objects.prefetch_related("prices").get(pk=plan.pk)
