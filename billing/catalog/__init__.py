"""The versioned Billing Plans of each site (``plans.json``), loaded by ``manage.py load_catalog``.

``plans.json`` maps a domain name to its plans (the reference's BillingPlan
objects plus ``env``, ``ordering`` and an optional coupon ``code``). Nested
prices do not fit ``generation.catalog``'s flat loader rows, so the billing app
upserts them itself: ``plans_catalog_load`` replaces each listed plan's prices
and leaves plans the file does not name (``createBillingPlan``'s) alone.
"""

from __future__ import annotations

import json
from pathlib import Path

from aimg_site.core.models import Domain
from aimg_site.core.scoping import domain_context

CATALOG_FILE = Path(__file__).resolve().parent / "plans.json"


def catalog_plans() -> dict[str, list[dict]]:
    with open(CATALOG_FILE, encoding="utf-8") as f:
        data = json.load(f)
    if not isinstance(data, dict):
        raise ValueError("plans.json: an object mapping a domain name to its list of plans")
    return data


def plans_catalog_load(*, domain: Domain) -> dict[str, int]:
    """Upsert ``domain``'s catalog plans; ``{"created": n, "updated": m}``."""
    from billing.plans.services import plan_upsert

    created = updated = 0
    with domain_context(domain):
        for row in catalog_plans().get(domain.name, []):
            if plan_upsert(row=row):
                created += 1
            else:
                updated += 1
    return {"created": created, "updated": updated}
