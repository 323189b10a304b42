"""Renewals of card subscriptions (billing.card.renewals): the beat task charges the next period
through the PaymentProcessor interface (the sandbox answers by the subscription's test card), once
per period even when two runs race on PostgreSQL; a declined renewal ends the subscription at its
period end; a transient failure is tried again, a bounded number of times."""

from __future__ import annotations

import datetime as dt
import io
import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from billing.card.processors import SandboxProcessor
from billing.card.renewals import MAX_RENEWAL_TRIES, RENEWAL_GRACE, card_subscriptions_renew
from billing.card.services import add_months
from billing.entitlements import user_entitlement
from billing.models import PaymentAttempt, Subscription
from tests.support.assertions import assert_envelope
from tests.support.client import ApiClient
from tests.support.concurrency import race

RENEWALS_DECLINE = "4000000000000341"
RENEWALS_FAIL = "4000000000003220"


def _subscribe(persona, body) -> Subscription:
    payload = assert_envelope(
        ApiClient().post("/processCardSubscription", persona=persona, body=body)
    ).payload
    assert payload["success"] is True, payload
    return Subscription.objects.get(user=persona.user, payment_provider="arkpay")


def _make_due(row: Subscription, *, ago: dt.timedelta = dt.timedelta(minutes=5)) -> dt.datetime:
    """Move ``row`` on in time: its next billing date came ``ago``; returns that date."""
    due = timezone.now() - ago
    Subscription.objects.filter(pk=row.pk).update(
        next_billing_date=due, tier_expiration=due + RENEWAL_GRACE, started_at=add_months(due, -1)
    )
    return due


def _renewals(row: Subscription):
    return PaymentAttempt.objects.filter(subscription=row, idempotency_key__startswith="renewal:").order_by(
        "created_at"
    )


def test_an_approved_renewal_charges_the_next_period_and_extends_the_tier(owner, card_body):
    row = _subscribe(owner, card_body())
    assert card_subscriptions_renew().renewed == 0  # not due yet: nothing charged
    assert not _renewals(row).exists()
    due = _make_due(row)
    report = card_subscriptions_renew()
    assert (report.renewed, report.ended, report.retry_later) == (1, 0, 0)
    row.refresh_from_db()
    assert row.next_billing_date == add_months(due, 1) and row.status == "active"
    assert row.tier_expiration == row.next_billing_date + RENEWAL_GRACE
    [attempt] = _renewals(row)
    assert attempt.status == "approved" and attempt.card_last4 == "4242"
    assert float(attempt.amount) == row.price["value"] == 19.99
    assert attempt.transaction_id.startswith("sbx_ch_") and attempt.processor == "sandbox"
    entitlement = user_entitlement(user=owner.user)
    assert entitlement.tier == 2 and entitlement.tier_expiration == row.tier_expiration
    assert card_subscriptions_renew().renewed == 0  # the next period is not due: charged once
    assert _renewals(row).count() == 1


def test_a_declined_renewal_ends_the_subscription_at_its_period_end(owner, card_body):
    row = _subscribe(owner, card_body(RENEWALS_DECLINE))
    due = _make_due(row)
    assert card_subscriptions_renew().ended == 1
    row.refresh_from_db()
    assert row.status == "expired" and row.tier_expiration == due and row.next_billing_date is None
    assert _renewals(row).get().status == "declined"
    assert user_entitlement(user=owner.user).tier == 0
    assert card_subscriptions_renew().ended == 0  # ended once, never charged again


def test_a_transient_failure_is_tried_again_a_bounded_number_of_times(owner, card_body):
    row = _subscribe(owner, card_body(RENEWALS_FAIL))
    due = _make_due(row)
    for tries in range(1, MAX_RENEWAL_TRIES + 1):
        assert card_subscriptions_renew().retry_later == 1
        assert _renewals(row).count() == tries
        row.refresh_from_db()
        assert row.status == "active" and user_entitlement(user=owner.user).tier == 2  # within the grace
    assert card_subscriptions_renew().ended == 1
    row.refresh_from_db()
    assert row.status == "expired" and row.tier_expiration == due
    assert [a.status for a in _renewals(row)] == ["failed"] * MAX_RENEWAL_TRIES
    assert user_entitlement(user=owner.user).tier == 0


def test_a_cancelled_subscription_is_not_renewed_and_ends_at_its_billing_date(api, owner, card_body):
    row = _subscribe(owner, card_body())
    assert assert_envelope(api.delete("/cancelMembership", persona=owner)).payload["success"]
    Subscription.objects.filter(pk=row.pk).update(
        next_billing_date=timezone.now() - dt.timedelta(minutes=1),
        tier_expiration=timezone.now() - dt.timedelta(minutes=1),
    )
    assert card_subscriptions_renew().renewed == 0
    assert not _renewals(row).exists()
    assert user_entitlement(user=owner.user).tier == 0


def test_with_card_payments_disabled_nothing_is_charged(owner, card_body, settings):
    row = _subscribe(owner, card_body())
    _make_due(row)
    settings.AIMG_CARD_PROCESSOR = "disabled"
    report = card_subscriptions_renew()
    assert (report.renewed, report.ended) == (0, 0) and not _renewals(row).exists()


def test_the_beat_task_and_the_command_renew(owner, other_user, card_body, settings):
    import billing.tasks  # noqa: F401  (registers the task, as the worker's autodiscovery does)
    from aimg_site.celery import app as celery_app

    entry = settings.CELERY_BEAT_SCHEDULE["renew-card-subscriptions"]
    assert entry["task"] == "billing.renew_card_subscriptions" and entry["task"] in celery_app.tasks
    _make_due(_subscribe(owner, card_body()))
    assert celery_app.tasks[entry["task"]].delay().get() == 1
    _make_due(_subscribe(other_user, card_body()))
    out = io.StringIO()
    call_command("renew_subscriptions", stdout=out)
    assert out.getvalue().startswith("1 renewed, 0 ended")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL")
def test_two_concurrent_renewal_runs_charge_once(owner, card_body, monkeypatch):
    row = _subscribe(owner, card_body())
    due = _make_due(row)
    charges = []
    lock = threading.Lock()
    original = SandboxProcessor.renew

    def counting_renew(self, **kwargs):  # the real sandbox, counted and slowed to widen the race
        with lock:
            charges.append(kwargs["idempotency_key"])
        time.sleep(0.3)
        return original(self, **kwargs)

    monkeypatch.setattr(SandboxProcessor, "renew", counting_renew)
    reports = race(2, lambda i: card_subscriptions_renew())
    assert not [r for r in reports if isinstance(r, Exception)], reports
    assert len(charges) == 1
    assert sorted(r.renewed for r in reports) == [0, 1]
    row.refresh_from_db()
    assert row.next_billing_date == add_months(due, 1)
    assert _renewals(row).get().status == "approved"


def test_after_a_trial_the_renewal_charges_the_plans_first_card_price_that_is_not_a_trial(owner, card_body):
    from billing.plans.services import plan_create

    def price(kind: str, value: float, **extra) -> dict:
        return {
            "type": kind,
            "period": "monthly",
            "currency": "USD",
            "currencyType": "fiat",
            "value": value,
            "paymentProviders": [{"paymentProvider": "arkpay"}],
            **extra,
        }

    plan = plan_create(
        name="Trial first",
        tier=1,
        plan_id="trial-plan",
        prices=[price("trial", 1, trialDays=7), price("base", 12)],
    )
    row = _subscribe(owner, card_body(productID=plan.plan_id))
    assert row.price["type"] == "trial"
    assert dt.timedelta(days=6) < row.next_billing_date - timezone.now() <= dt.timedelta(days=7)
    due = _make_due(row)
    assert card_subscriptions_renew().renewed == 1
    row.refresh_from_db()
    assert row.price["type"] == "base" and row.price["value"] == 12
    assert float(_renewals(row).get().amount) == 12 and row.next_billing_date == add_months(due, 1)
