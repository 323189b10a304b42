"""downloadGiftCards (Admins) and redeemGiftCard: codes, hashing, the documented rules, limits, races."""

from __future__ import annotations

import datetime as dt
import os
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from aimg_site.api.errors import ErrorCode
from aimg_site.core.models import AuditLogEntry
from billing.entitlements import user_entitlement
from billing.giftcards.codes import ALPHABET, code_normalize
from billing.models import GiftCard, GiftCardBatch, Subscription
from tests.support.assertions import assert_envelope
from tests.support.client import ApiClient
from tests.support.concurrency import race
from tests.support.factories.billing import gift_card_codes, give_tier


def _download(api, persona, **params):
    response = api.client.get(
        "/downloadGiftCards",
        params,
        headers={"X-Session-ID": persona.session_id, "X-Administration-Key": persona.admin_key or ""},
    )
    return response


# --- downloadGiftCards ----------------------------------------------------------------------------


def test_an_admin_downloads_new_codes_as_a_text_attachment_one_per_line(api, admin):
    response = _download(api, admin, numberOfCards=5, tier=2, days=7)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response["Content-Disposition"].startswith("attachment;")
    codes = response.content.decode().split()
    assert len(codes) == len(set(codes)) == 5
    for code in codes:
        canonical = code_normalize(code)
        assert canonical is not None and len(canonical) * 5 >= 80 and set(canonical) <= set(ALPHABET)
    batch = GiftCardBatch.objects.get()
    assert (batch.tier, batch.days, batch.number_of_cards, batch.distribution_provider) == (
        2,
        7,
        5,
        "giftcard",
    )
    assert AuditLogEntry.objects.filter(action="downloadGiftCards", target_id=str(batch.pk)).exists()


def test_download_defaults_are_the_documented_ones(api, admin):
    response = _download(api, admin)
    assert len(response.content.decode().split()) == 100
    batch = GiftCardBatch.objects.get()
    assert (batch.tier, batch.days, batch.distribution_provider, float(batch.usd_price)) == (
        1,
        30,
        "giftcard",
        0,
    )


@pytest.mark.parametrize(
    "params, name",
    [
        ({"numberOfCards": 0}, "numberOfCards"),
        ({"numberOfCards": 1001}, "numberOfCards"),
        ({"distributionProvider": "stripe"}, "distributionProvider"),
        ({"tier": "two"}, "tier"),
        ({"days": -1}, "days"),
        ({"usdPrice": "-8."}, "usdPrice"),
        ({"usdPrice": "-1"}, "usdPrice"),
        ({"usdPrice": "100000"}, "usdPrice"),
        ({"usdPrice": "1.005"}, "usdPrice"),
    ],
)
def test_bad_download_parameters_are_a_400_naming_them(api, admin, params, name):
    response = assert_envelope(api.get("/downloadGiftCards", persona=admin, **params), 400)
    assert name in response.error
    assert not GiftCard.objects.exists()


@pytest.mark.parametrize("price", ["0", "7", "99999.99", "12.5", "00003.10"])
def test_every_price_the_schema_admits_is_accepted(api, admin, price):
    from billing.giftcards.serializers import PRICE_PATTERN

    assert re.fullmatch(PRICE_PATTERN, price)
    assert _download(api, admin, numberOfCards=1, usdPrice=price).status_code == 200
    assert GiftCardBatch.objects.get().usd_price == Decimal(price)


@pytest.mark.parametrize("price", ["-8.", "", "-", ".5", "100000", "1.005"])
def test_the_schema_refuses_prices_the_field_refuses(price):
    from billing.giftcards.serializers import PRICE_PATTERN

    assert not re.fullmatch(PRICE_PATTERN, price)


@pytest.mark.parametrize("persona_name", ["owner", "guest"])
def test_only_admins_may_download_gift_cards(api, request, persona_name):
    persona = request.getfixturevalue(persona_name)
    assert_envelope(api.get("/downloadGiftCards", persona=persona, numberOfCards=1), 403)
    assert not GiftCard.objects.exists()


def test_the_database_holds_no_code_in_the_clear(api, admin):
    codes = _download(api, admin, numberOfCards=20).content.decode().split()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM billing_giftcard")
        dump = repr(cursor.fetchall()) + repr(list(AuditLogEntry.objects.values()))
    for code in codes:
        assert code not in dump and code_normalize(code) not in dump


def test_the_command_uses_the_same_service_and_writes_the_file(tmp_path, domain):
    target = tmp_path / "cards.txt"
    call_command(
        "generate_gift_cards", "--output", str(target), "--number", "3", "--tier", "2", "--days", "10"
    )
    codes = target.read_text().split()
    assert len(codes) == 3 and oct(os.stat(target).st_mode & 0o777) == "0o600"
    assert GiftCardBatch.objects.get().tier == 2
    assert AuditLogEntry.objects.filter(action="generate_gift_cards").exists()


# --- redeemGiftCard -------------------------------------------------------------------------------


def test_redeeming_gives_the_tier_for_the_days_at_once(api, owner):
    [code] = gift_card_codes(1, tier=2, days=30)
    payload = assert_envelope(api.post("/redeemGiftCard", persona=owner, body={"code": code})).payload
    expected = timezone.now() + dt.timedelta(days=30)
    assert payload["tier"] == 2 and payload["productID"] == "giftcard-tier2-30d"
    assert abs(dt.datetime.fromisoformat(payload["tierExpiration"]) - expected) < dt.timedelta(minutes=1)
    entitlement = user_entitlement(user=owner.user)
    assert entitlement.tier == 2 and entitlement.merchant_processor == "giftcard"
    card = GiftCard.objects.get()
    assert card.redeemed_by == owner.user and card.subscription.tier == 2


def test_codes_match_ignoring_case_dashes_and_spaces(api, owner):
    [code] = gift_card_codes(1)
    mangled = " " + code.replace("-", " ").lower() + " "
    assert_envelope(api.post("/redeemGiftCard", persona=owner, body={"code": mangled}))


def test_a_code_is_redeemed_once_only(api, owner, other_user):
    [code] = gift_card_codes(1)
    assert_envelope(api.post("/redeemGiftCard", persona=owner, body={"code": code}))
    again = assert_envelope(api.post("/redeemGiftCard", persona=other_user, body={"code": code}), 409)
    assert again.body["errorCode"] == ErrorCode.BILLING_GIFT_CARD_REDEEMED
    assert user_entitlement(user=other_user.user).tier == 0


def test_an_unknown_code_is_a_404(api, owner):
    response = assert_envelope(api.post("/redeemGiftCard", persona=owner, body={"code": "0000-0000"}), 404)
    assert response.body["errorCode"] == ErrorCode.BILLING_GIFT_CARD_UNKNOWN


def test_a_code_of_another_domain_is_unknown_here(api, owner, other_domain):
    from aimg_site.core.scoping import domain_context

    with domain_context(other_domain):
        [code] = gift_card_codes(1)
    assert_envelope(api.post("/redeemGiftCard", persona=owner, body={"code": code}), 404)


def test_an_equal_or_higher_tier_that_does_not_expire_refuses_the_card(api, owner):
    give_tier(owner.user, 2)
    [same, lower] = gift_card_codes(1, tier=2) + gift_card_codes(1, tier=1)
    for code in (same, lower):
        response = assert_envelope(api.post("/redeemGiftCard", persona=owner, body={"code": code}), 409)
        assert response.body["errorCode"] == ErrorCode.BILLING_GIFT_CARD_TIER_NOT_LOWER
    assert not GiftCard.objects.filter(redeemed_at__isnull=False).exists()


def test_the_same_expiring_tier_is_extended_from_its_current_expiry(api, owner):
    current_end = timezone.now() + dt.timedelta(days=10)
    give_tier(owner.user, 2, expires=current_end, provider="arkpay", status="cancelling")
    [code] = gift_card_codes(1, tier=2, days=30)
    payload = assert_envelope(api.post("/redeemGiftCard", persona=owner, body={"code": code})).payload
    new_end = dt.datetime.fromisoformat(payload["tierExpiration"])
    assert abs(new_end - (current_end + dt.timedelta(days=30))) < dt.timedelta(seconds=2)
    assert user_entitlement(user=owner.user).tier_expiration == new_end


def test_a_higher_card_than_the_active_tier_starts_now(api, owner):
    give_tier(owner.user, 1)
    [code] = gift_card_codes(1, tier=3, days=5)
    payload = assert_envelope(api.post("/redeemGiftCard", persona=owner, body={"code": code})).payload
    assert payload["tier"] == 3 and user_entitlement(user=owner.user).tier == 3


def test_a_lower_card_is_accepted_while_the_higher_tier_expires(api, owner):
    give_tier(owner.user, 3, expires=dt.timedelta(days=2))
    [code] = gift_card_codes(1, tier=1, days=30)
    assert_envelope(api.post("/redeemGiftCard", persona=owner, body={"code": code}))
    assert user_entitlement(user=owner.user).tier == 3  # the higher one still counts until it ends


def test_guests_and_anonymous_sessions_must_sign_in(api, guest):
    [code] = gift_card_codes(1)
    assert_envelope(api.post("/redeemGiftCard", persona=guest, body={"code": code}), 401)
    assert not GiftCard.objects.filter(redeemed_at__isnull=False).exists()


def test_admins_redeem_for_their_own_account_only(api, admin):
    [code] = gift_card_codes(1, tier=1)
    assert_envelope(api.post("/redeemGiftCard", persona=admin, body={"code": code}))
    assert GiftCard.objects.get().redeemed_by == admin.user


@pytest.mark.parametrize("body", [{}, {"code": ""}, {"code": 123}, {"code": "x" * 101}])
def test_a_missing_or_malformed_code_is_a_400_naming_it(api, owner, body):
    assert "code" in assert_envelope(api.post("/redeemGiftCard", persona=owner, body=body), 400).error


def test_wrong_codes_are_limited_per_user(api, owner):
    [good] = gift_card_codes(1)
    for _ in range(10):
        assert_envelope(
            api.post("/redeemGiftCard", persona=owner, body={"code": "ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ"}), 404
        )
    limited = assert_envelope(api.post("/redeemGiftCard", persona=owner, body={"code": good}), 429)
    assert limited.headers.get("Retry-After")
    assert not GiftCard.objects.filter(redeemed_at__isnull=False).exists()


def test_wrong_codes_are_limited_per_address(api, make_user):
    for _ in range(3):
        persona = make_user()
        for _ in range(10):
            api.post("/redeemGiftCard", persona=persona, body={"code": "ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ"})
    fresh = make_user()
    assert_envelope(api.post("/redeemGiftCard", persona=fresh, body={"code": "ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ"}), 429)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL")
def test_two_concurrent_redemptions_of_one_code_let_exactly_one_succeed(make_user):
    [code] = gift_card_codes(1, tier=2)
    personas = [make_user(), make_user()]

    def redeem(i):
        return ApiClient().post("/redeemGiftCard", persona=personas[i], body={"code": code}).status

    statuses = race(2, redeem)
    assert sorted(statuses) == [200, 409], statuses
    assert Subscription.objects.filter(payment_provider="giftcard").count() == 1
    assert GiftCard.objects.get().redeemed_at is not None
