"""Writes of Billing Plans: ``createBillingPlan`` and the catalog's upsert."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.db import transaction

from aimg_site.core.scoping import current_domain

from ..models import BillingPlan, BillingPlanPrice


def _price_rows(plan: BillingPlan, prices: list[dict]) -> list[BillingPlanPrice]:
    rows = []
    for position, price in enumerate(prices):
        providers = []
        for entry in price["paymentProviders"]:
            shaped = {"paymentProvider": entry["paymentProvider"]}
            for key in ("paymentLabel", "paymentUrl"):
                if entry.get(key):
                    shaped[key] = entry[key]
            providers.append(shaped)
        rows.append(
            BillingPlanPrice(
                plan=plan,
                position=position,
                name=price.get("name", ""),
                type=price["type"],
                period=price["period"],
                currency=price["currency"],
                currency_type=price["currencyType"],
                value=Decimal(str(price["value"])).quantize(Decimal("0.01")),
                trial_days=price.get("trialDays"),
                payment_providers=providers,
            )
        )
    return rows


@transaction.atomic
def plan_create(
    *,
    name: str,
    tier: int,
    prices: list[dict],
    description: str = "",
    features: list[str] | None = None,
    main_benefits: list[str] | None = None,
    env: str | None = None,
    coupon_code: str = "",
    plan_id: str | None = None,
) -> BillingPlan:
    """A new plan of the bound domain (``env`` defaults to the domain's environment), with its prices.

    ``prices`` are validated BillingPlanPrice objects (camelCase keys).
    """
    plan = BillingPlan.objects.create(
        plan_id=plan_id or str(uuid.uuid4()),
        env=env or current_domain().environment,
        name=name,
        description=description,
        features=list(features or []),
        main_benefits=list(main_benefits or []),
        tier=tier,
        coupon_code=coupon_code,
        ordering=100,
    )
    BillingPlanPrice.objects.bulk_create(_price_rows(plan, prices))
    return plan


@transaction.atomic
def plan_upsert(*, row: dict) -> bool:
    """Create or update the catalog plan ``row`` (its ``id`` and ``env``) in the bound domain; its
    prices are replaced by the row's. Returns whether the plan was created."""
    plan, created = BillingPlan.objects.update_or_create(
        plan_id=row["id"],
        env=row.get("env", "prod"),
        defaults={
            "name": row["name"],
            "description": row.get("description", ""),
            "features": list(row.get("features", [])),
            "main_benefits": list(row.get("mainBenefits", [])),
            "tier": row["tier"],
            "coupon_code": row.get("code", ""),
            "ordering": row.get("ordering", 0),
            "is_active": row.get("isActive", True),
            "boosty_level": row.get("boostyLevel", ""),
        },
    )
    plan.prices.all().delete()
    BillingPlanPrice.objects.bulk_create(_price_rows(plan, row["prices"]))
    return created
