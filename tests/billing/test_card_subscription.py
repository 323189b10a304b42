"""processCardSubscription: validation, the sandbox's outcomes, idempotency, limits, the
double-charge race and the card-data scan."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import subprocess
import sys

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from aimg_site.api.errors import ErrorCode
from billing.entitlements import user_entitlement
from billing.models import PaymentAttempt, Subscription
from tests.support.assertions import assert_envelope
from tests.support.client import ApiClient
from tests.support.concurrency import race
from tests.support.factories.billing import plan_create_simple

from .conftest import APPROVED_CARD, CVC, DECLINED_CARD, TRANSIENT_CARD


def _pay(api, persona, body, **headers):
    return api.post("/processCardSubscription", persona=persona, body=body, headers=headers)


def test_an_approved_card_subscribes_at_once_with_its_next_billing_date(api, owner, card_body, card_plan):
    payload = assert_envelope(_pay(api, owner, card_body())).payload
    assert payload["success"] is True and payload["message"]
    subscription = Subscription.objects.get(user=owner.user)
    assert subscription.payment_provider == "arkpay" and subscription.product_id == card_plan.plan_id
    assert subscription.transaction_id.startswith("sbx_")
    assert dt.timedelta(days=27) < subscription.next_billing_date - timezone.now() < dt.timedelta(days=32)
    # The tier lasts until the renewal (billing.card.renewals) has had a day to charge the next period.
    assert subscription.tier == 2
    assert subscription.tier_expiration == subscription.next_billing_date + dt.timedelta(days=1)
    assert subscription.price["value"] == 19.99 and subscription.price["period"] == "monthly"
    me = assert_envelope(api.get("/getSelfUser", persona=owner, extendedPriceInfo=True)).payload
    assert me["tier"] == 2 and me["merchantProcessor"] == "arkpay"
    assert me["subscriptions"][0]["nextBillingDate"] and me["subscriptions"][0]["price"]["currency"] == "USD"
    attempt = PaymentAttempt.objects.get()
    assert attempt.status == "approved" and attempt.card_last4 == "4242"


def test_a_declined_card_is_success_false_and_subscribes_nobody(api, owner, card_body):
    payload = assert_envelope(_pay(api, owner, card_body(DECLINED_CARD))).payload
    assert payload == {"success": False, "message": "The card was declined."}
    assert not Subscription.objects.exists()
    assert PaymentAttempt.objects.get().status == "declined"


def test_a_transient_failure_is_success_false_and_a_retry_may_charge(api, owner, card_body):
    payload = assert_envelope(_pay(api, owner, card_body(TRANSIENT_CARD))).payload
    assert payload["success"] is False and "try again" in payload["message"]
    assert PaymentAttempt.objects.get().status == "failed"
    assert assert_envelope(_pay(api, owner, card_body())).payload["success"] is True


def test_a_real_looking_card_is_declined_by_the_sandbox(api, owner, card_body):
    payload = assert_envelope(_pay(api, owner, card_body("4111111111111111"))).payload
    assert payload["success"] is False and not Subscription.objects.exists()


@pytest.mark.parametrize(
    "overrides, name",
    [
        ({"cardNumber": "4242424242424241"}, "cardNumber"),  # Luhn
        ({"cardNumber": "4242"}, "cardNumber"),
        ({"cardNumber": 4242424242424242}, "cardNumber"),
        ({"expirationMonth": 13}, "expirationMonth"),
        ({"expirationMonth": 0}, "expirationMonth"),
        ({"expirationYear": 2001}, "expirationYear"),  # in the past
        ({"securityCode": "12"}, "securityCode"),
        ({"securityCode": "12a"}, "securityCode"),
        ({"country": "XX"}, "country"),
        ({"country": "usa"}, "country"),
        ({"stateOrProvince": "ZZ"}, "stateOrProvince"),
        ({"country": "CA", "stateOrProvince": "CA"}, "stateOrProvince"),  # not a Canadian province
        ({"billingEmail": "not-an-email"}, "billingEmail"),
        ({"merchantProcessor": "stripe"}, "merchantProcessor"),
        ({"productID": None}, "productID"),
        ({"cardHolderName": None}, "cardHolderName"),
    ],
)
def test_bad_card_input_is_a_400_naming_the_field_never_echoing_it(api, owner, card_body, overrides, name):
    body = card_body(**overrides)
    if overrides.get(name, "") is None:
        body.pop(name, None)
    response = assert_envelope(_pay(api, owner, body), 400)
    assert name in response.error
    assert "424242" not in response.error and CVC not in response.error
    assert not PaymentAttempt.objects.exists()


def test_the_expiry_month_in_progress_is_still_valid(api, owner, card_body):
    today = dt.date.today()
    body = card_body(expirationMonth=today.month, expirationYear=today.year)
    assert assert_envelope(_pay(api, owner, body)).payload["success"] is True


def test_an_unknown_product_is_a_404_and_one_not_payable_by_card_a_400(api, owner, card_body):
    assert_envelope(_pay(api, owner, card_body(productID="nope")), 404)
    plan = plan_create_simple(tier=1, providers=("boosty",))
    assert "productID" in assert_envelope(_pay(api, owner, card_body(productID=plan.plan_id)), 400).error


def test_a_retry_within_the_window_answers_again_without_charging(api, owner, card_body):
    first = assert_envelope(_pay(api, owner, card_body())).payload
    second = assert_envelope(_pay(api, owner, card_body())).payload
    assert first == second and first["success"] is True
    assert PaymentAttempt.objects.count() == 1 and Subscription.objects.count() == 1


def test_the_same_idempotency_key_is_answered_again_even_for_a_declined_card(api, owner, card_body):
    first = assert_envelope(_pay(api, owner, card_body(DECLINED_CARD), **{"Idempotency-Key": "k-1"})).payload
    again = assert_envelope(_pay(api, owner, card_body(APPROVED_CARD), **{"Idempotency-Key": "k-1"})).payload
    assert first == again and again["success"] is False
    assert PaymentAttempt.objects.count() == 1
    # a new key is a new payment
    assert assert_envelope(_pay(api, owner, card_body(), **{"Idempotency-Key": "k-2"})).payload["success"]


def test_after_the_window_an_active_subscription_refuses_a_second_one(api, owner, card_body, settings):
    assert_envelope(_pay(api, owner, card_body()))
    PaymentAttempt.objects.update(created_at=timezone.now() - dt.timedelta(hours=1))
    response = assert_envelope(_pay(api, owner, card_body()), 409)
    assert response.body["errorCode"] == ErrorCode.BILLING_ALREADY_SUBSCRIBED
    assert Subscription.objects.count() == 1


def test_guests_and_anonymous_sessions_get_a_401(api, guest, card_body):
    assert_envelope(_pay(api, guest, card_body()), 401)
    assert not PaymentAttempt.objects.exists()


def test_one_users_subscription_gives_another_user_nothing(api, owner, other_user, card_body):
    assert_envelope(_pay(api, owner, card_body()))
    assert user_entitlement(user=other_user.user).tier == 0
    assert user_entitlement(user=owner.user).tier == 2


def test_admins_pay_for_their_own_account(api, admin, card_body):
    assert assert_envelope(_pay(api, admin, card_body())).payload["success"]
    assert Subscription.objects.get().user == admin.user


def test_attempts_are_limited_per_user(api, owner, card_body):
    for _ in range(10):
        _pay(api, owner, card_body(DECLINED_CARD))
    assert_envelope(_pay(api, owner, card_body()), 429)
    assert not Subscription.objects.exists()


def test_attempts_are_limited_per_client_address(api, make_user, card_body):
    for _ in range(4):
        persona = make_user()
        for _ in range(5):
            _pay(api, persona, card_body(DECLINED_CARD))
    assert_envelope(_pay(api, make_user(), card_body()), 429)


def test_disabled_card_payments_answer_503(api, owner, card_body, settings):
    settings.AIMG_CARD_PROCESSOR = "disabled"
    assert_envelope(_pay(api, owner, card_body()), 503)
    assert not PaymentAttempt.objects.exists()


def test_the_arkpay_processor_refuses_to_start_with_a_clear_message():
    env = {**os.environ, "AIMG_CARD_PROCESSOR": "arkpay", "DJANGO_SETTINGS_MODULE": "aimg_site.settings"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "ArkPay's API is not public" in result.stderr


# --- card data never stored or logged --------------------------------------------------------------


def _database_dump() -> str:
    parts = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            cursor.execute(f'SELECT * FROM "{model._meta.db_table}"')
            parts.append(repr(cursor.fetchall()))
    return "\n".join(parts)


def test_card_number_and_security_code_are_never_stored_or_logged(api, owner, card_body, caplog):
    caplog.set_level(logging.DEBUG)
    for number in (APPROVED_CARD, DECLINED_CARD, TRANSIENT_CARD):
        plan = plan_create_simple(tier=1, plan_id=f"scan-{number[-4:]}")
        _pay(api, owner, card_body(number, productID=plan.plan_id), **{"Idempotency-Key": number[-6:]})
    _pay(api, owner, card_body(APPROVED_CARD, expirationMonth=13))  # a 400 too
    assert PaymentAttempt.objects.filter(status="approved").exists()
    assert PaymentAttempt.objects.filter(status="declined").exists()
    assert PaymentAttempt.objects.filter(status="failed").exists()
    dump = _database_dump()
    logs = "\n".join(f"{r.getMessage()} {r.args!r} {r.__dict__}" for r in caplog.records)
    assert caplog.records  # the request log lines were captured
    cvc = re.compile(rf"(?<![0-9A-Za-z-]){CVC}(?![0-9A-Za-z-])")
    for text in (dump, logs):
        for number in (APPROVED_CARD, DECLINED_CARD, TRANSIENT_CARD):
            assert number not in text
            assert number[:12] not in text
        assert not cvc.search(text)
    assert "4242" in dump  # the last four digits are what is kept


# --- concurrency ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL")
def test_two_concurrent_identical_requests_charge_once(owner, card_body):
    body = card_body()

    def pay(i):
        return ApiClient().post("/processCardSubscription", persona=owner, body=body)

    responses = race(2, pay)
    statuses = sorted(r.status for r in responses)
    assert statuses in ([200, 200], [200, 409]), responses
    assert all(r.payload["success"] for r in responses if r.status == 200)
    assert PaymentAttempt.objects.count() == 1
    assert Subscription.objects.count() == 1
    conflicts = [r for r in responses if r.status == 409]
    assert all(r.body["errorCode"] == ErrorCode.BILLING_PAYMENT_IN_PROGRESS for r in conflicts)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL")
def test_two_concurrent_requests_with_one_idempotency_key_charge_once(owner, card_body):
    body = card_body()

    def pay(i):
        return ApiClient().post(
            "/processCardSubscription", persona=owner, body=body, headers={"Idempotency-Key": "same"}
        )

    responses = race(2, pay)
    assert sorted(r.status for r in responses) in ([200, 200], [200, 409]), responses
    assert PaymentAttempt.objects.count() == 1 and Subscription.objects.count() == 1
