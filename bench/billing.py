"""Cost of the entitlement read (asked by every tier check) and of the billing endpoints, on PostgreSQL.

Run: ``DATABASE_URL=postgres://USER@127.0.0.1:5432/aimg_bench .venv/bin/python bench/billing.py``

Seeds (once) a user with 200 past subscriptions and 3 active ones, loads the
catalog's plans, then prints the median and p99 time and the SQL queries of
``user_entitlement``, of ``GET /getSelfUser`` and ``GET /getBillingPlans``
through Django's full stack, the rate of gift-card creation and redemption, and of card renewals
(300 due sandbox subscriptions renewed by one run of the beat task's service).
"""

from __future__ import annotations

import sys
from pathlib import Path

if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import datetime as dt
import os
import statistics
import time

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aimg_site.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("AIMG_RATELIMIT_ENABLED", "false")

RUNS = 300


def timed(fn, runs: int = RUNS) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(5):
        fn()
    with CaptureQueriesContext(connection) as captured:
        fn()
    queries = len(captured)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[round(0.99 * (len(timings) - 1))], queries


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from accounts.models import User
    from accounts.sessions.services import session_rotate
    from aimg_site.core.scoping import domain_context
    from aimg_site.core.selectors import domain_get
    from billing.card.renewals import card_subscriptions_renew
    from billing.catalog import plans_catalog_load
    from billing.entitlements import user_entitlement
    from billing.giftcards.services import gift_card_redeem, gift_cards_create
    from billing.models import Subscription

    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database.")
    call_command("migrate", verbosity=0)
    domain = domain_get("freejourney.ai")
    plans_catalog_load(domain=domain)
    with domain_context(domain):
        user = User.objects.filter(email="bench-billing@bench.invalid").first()
        if user is None:
            user = User.objects.create_user(email="bench-billing@bench.invalid", username="benchbilling")
            now = timezone.now()
            Subscription.objects.bulk_create(
                [
                    Subscription(
                        user=user,
                        payment_provider="giftcard",
                        product_id=f"old-{i}",
                        tier=1,
                        status="expired",
                        tier_expiration=now - dt.timedelta(days=i + 1),
                    )
                    for i in range(200)
                ]
                + [
                    Subscription(user=user, payment_provider="admin", product_id="a", tier=1),
                    Subscription(
                        user=user,
                        payment_provider="arkpay",
                        product_id="b",
                        tier=2,
                        next_billing_date=now + dt.timedelta(days=20),
                    ),
                    Subscription(
                        user=user,
                        payment_provider="giftcard",
                        product_id="c",
                        tier=3,
                        tier_expiration=now + dt.timedelta(days=5),
                    ),
                ]
            )
        key, _ = session_rotate(old_key=None, user=user)
        client = Client(HTTP_HOST="api.freejourney.ai")
        headers = {"X-Session-ID": str(key)}
        print(f"{RUNS} calls per case; user with 203 subscriptions (3 active)")
        print(f"{'case':<44} {'median ms':>10} {'p99 ms':>8} {'queries':>8}")
        cases = [
            ("user_entitlement (service call)", lambda: user_entitlement(user=user)),
            ("GET /getSelfUser, signed in, PRO", lambda: client.get("/getSelfUser", headers=headers)),
            (
                "GET /getBillingPlans (catalog: 15 plans)",
                lambda: client.get("/getBillingPlans", headers=headers),
            ),
        ]
        for name, fn in cases:
            median, p99, queries = timed(fn)
            print(f"{name:<44} {median:>10.2f} {p99:>8.2f} {queries:>8}")

        started = time.perf_counter()
        codes = gift_cards_create(number_of_cards=1000, tier=1, days=1).codes
        made = time.perf_counter() - started
        redeemers = [
            User.objects.create_user(email=f"bench-redeem-{time.time_ns()}-{i}@bench.invalid")
            for i in range(200)
        ]
        started = time.perf_counter()
        for redeemer, code in zip(redeemers, codes, strict=False):
            gift_card_redeem(user=redeemer, code=code)
        redeemed = time.perf_counter() - started
        print(f"gift cards: 1000 created in {made * 1000:.0f} ms; 200 redeemed at {200 / redeemed:.0f}/s")

        # Renewals: 300 due sandbox card subscriptions, charged by one beat run.
        due = now_due = timezone.now() - dt.timedelta(minutes=1)
        price = {
            "type": "base",
            "period": "monthly",
            "currency": "USD",
            "currencyType": "fiat",
            "value": 9.99,
        }
        stamp = time.time_ns()
        payers = [
            User.objects.create_user(email=f"bench-renew-{stamp}-{i}@bench.invalid") for i in range(300)
        ]
        Subscription.objects.bulk_create(
            Subscription(
                user=payer,
                payment_provider="arkpay",
                product_id="freejourney-tier1-monthly",
                tier=1,
                started_at=due - dt.timedelta(days=30),
                next_billing_date=now_due,
                tier_expiration=now_due + dt.timedelta(days=1),
                transaction_id=f"sbx_bench{i}",
                price=price,
            )
            for i, payer in enumerate(payers)
        )
        started = time.perf_counter()
        report = card_subscriptions_renew()
        took = time.perf_counter() - started
        print(
            f"card renewals: {report.renewed} renewed in {took * 1000:.0f} ms "
            f"({report.renewed / took:.0f}/s, 3 transactions each)"
        )


if __name__ == "__main__":
    main()
