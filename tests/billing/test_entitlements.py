"""billing.entitlements: the tier is the highest among subscriptions active at this instant."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from aimg_site.api.exceptions import Forbidden
from aimg_site.core.models import AuditLogEntry
from billing.entitlements import FREE, require_tier, user_entitlement, user_tier
from billing.models import Subscription
from billing.tasks import expire_subscriptions
from tests.support.assertions import assert_envelope
from tests.support.factories.billing import give_tier


def test_a_user_without_subscriptions_is_on_the_free_tier(owner, guest):
    assert user_entitlement(user=owner.user) == FREE
    assert user_entitlement(user=None) == FREE


def test_the_tier_is_the_highest_active_one_and_its_provider_and_expiry_come_with_it(owner):
    later = timezone.now() + dt.timedelta(days=10)
    give_tier(owner.user, 1, provider="admin")
    give_tier(owner.user, 3, provider="giftcard", expires=later)
    entitlement = user_entitlement(user=owner.user)
    assert entitlement.tier == 3
    assert entitlement.merchant_processor == "giftcard"
    assert entitlement.tier_expiration == later
    assert {s["tier"] for s in entitlement.subscriptions} == {1, 3}


def test_a_subscription_past_its_expiry_stops_counting_before_any_job_runs(owner):
    row = give_tier(owner.user, 2, expires=dt.timedelta(days=1))
    assert user_tier(user=owner.user) == 2
    Subscription.objects.filter(pk=row.pk).update(tier_expiration=timezone.now() - dt.timedelta(seconds=1))
    assert user_tier(user=owner.user) == 0
    assert Subscription.objects.get(pk=row.pk).status == "active"  # not marked yet, and yet not counted


def test_cancelled_and_expired_rows_do_not_count_but_cancelling_ones_do_until_their_end(owner):
    give_tier(owner.user, 3, status="expired")
    assert user_tier(user=owner.user) == 0
    give_tier(owner.user, 2, status="cancelling", expires=dt.timedelta(days=3))
    assert user_tier(user=owner.user) == 2


def test_require_tier_reads_real_subscriptions(owner):
    with pytest.raises(Forbidden):
        require_tier(owner.user, 2)
    give_tier(owner.user, 2)
    require_tier(owner.user, 2)


def test_get_self_user_shows_tier_expiry_processor_and_subscriptions_with_price_on_request(api, owner):
    expires = timezone.now() + dt.timedelta(days=5)
    give_tier(
        owner.user,
        2,
        provider="arkpay",
        expires=expires,
        transaction_id="sbx_1",
        price={"type": "base", "period": "monthly", "currency": "USD", "currencyType": "fiat", "value": 9.99},
    )
    payload = assert_envelope(api.get("/getSelfUser", persona=owner)).payload
    assert payload["tier"] == 2 and payload["merchantProcessor"] == "arkpay"
    assert payload["tierExpiration"].startswith(expires.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M"))
    [subscription] = payload["subscriptions"]
    assert subscription["productID"] and subscription["transactionID"] == "sbx_1"
    assert "price" not in subscription
    payload = assert_envelope(api.get("/getSelfUser", persona=owner, extendedPriceInfo=True)).payload
    assert payload["subscriptions"][0]["price"]["value"] == 9.99


def test_guests_and_anonymous_sessions_are_on_the_free_tier(api, guest):
    payload = assert_envelope(api.get("/getSelfUser", persona=guest)).payload
    assert payload["tier"] == 0 and payload["merchantProcessor"] == "" and payload["subscriptions"] == []


def test_the_beat_task_and_the_command_mark_expired_rows_and_record_it(owner):
    past = give_tier(owner.user, 2, expires=dt.timedelta(days=1))
    live = give_tier(owner.user, 1, expires=dt.timedelta(days=30))
    Subscription.objects.filter(pk=past.pk).update(tier_expiration=timezone.now() - dt.timedelta(minutes=1))
    assert expire_subscriptions.delay().get() == 1
    past.refresh_from_db()
    live.refresh_from_db()
    assert past.status == "expired" and past.expired_at is not None and live.status == "active"
    entry = AuditLogEntry.objects.get(action="expire_subscriptions")
    assert entry.details["count"] == 1 and str(past.pk) in entry.details["ids"]
    call_command("expire_subscriptions")  # nothing left: no second row
    assert AuditLogEntry.objects.filter(action="expire_subscriptions").count() == 1


def test_the_beat_schedule_runs_the_expiry_task(settings):
    entries = [
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "billing.expire_subscriptions"
    ]
    assert entries and entries[0]["schedule"] <= 15 * 60
