"""Every billing endpoint called by each kind of caller with a valid request: no session header (a
400 naming it, as every endpoint answers), an anonymous session (no user yet), a guest (a session
whose guest user exists), a signed-in user, another user, and an Admin. What each may do, and that
a refused call writes nothing."""

from __future__ import annotations

import json
import uuid
from urllib.parse import quote

import pytest

from accounts.sessions.services import session_guest_user
from billing.models import (
    BillingPlan,
    BoostyAccount,
    GiftCard,
    GiftCardBatch,
    PaymentAttempt,
    Subscription,
)
from tests.support.assertions import assert_envelope
from tests.support.factories.billing import gift_card_codes, plan_create_simple
from tests.support.personas import Persona

from .conftest import APPROVED_CARD


@pytest.fixture
def guest_user_persona() -> Persona:
    """A guest: an anonymous session that has written something, so its guest user exists."""
    key = uuid.uuid4()
    user = session_guest_user(key=key)
    assert user.is_guest
    return Persona(session_id=str(key), user=user)


@pytest.fixture
def personas(owner, other_user, admin, guest, guest_user_persona):
    return {
        "no session": None,
        "anonymous": guest,
        "guest": guest_user_persona,
        "user": owner,
        "other user": other_user,
        "admin": admin,
    }


def _plan_body() -> dict:
    return {
        "name": "Access plan",
        "tier": 1,
        "prices": [
            {
                "type": "base",
                "period": "monthly",
                "currency": "USD",
                "currencyType": "fiat",
                "value": 5,
                "paymentProviders": [{"paymentProvider": "arkpay"}],
            }
        ],
    }


def _card_body(plan_id: str) -> dict:
    return {
        "merchantProcessor": "arkpay",
        "productID": plan_id,
        "cardNumber": APPROVED_CARD,
        "cardHolderName": "Ada Lovelace",
        "expirationMonth": 12,
        "expirationYear": 2099,
        "securityCode": "123",
        "country": "US",
        "stateOrProvince": "CA",
        "postalCode": "94103",
    }


def _cookies() -> list[dict]:
    return [{"name": "auth", "value": quote(json.dumps({"accessToken": "t"}))}]


SIGNED_IN = {"no session": 400, "anonymous": 401, "guest": 401, "user": 200, "other user": 200, "admin": 200}
ADMIN_ONLY = {"no session": 400, "anonymous": 403, "guest": 403, "user": 403, "other user": 403, "admin": 200}
ANYONE = {"no session": 400, "anonymous": 200, "guest": 200, "user": 200, "other user": 200, "admin": 200}
CALLERS = list(ANYONE)


def _call(api, who, persona, endpoint: str):
    if endpoint == "getBillingPlans":
        return api.get("/getBillingPlans", persona=persona)
    if endpoint == "createBillingPlan":
        return api.post("/createBillingPlan", persona=persona, body=_plan_body())
    if endpoint == "cancelMembership":
        return api.delete("/cancelMembership", persona=persona)
    if endpoint == "processCardSubscription":
        plan = plan_create_simple(tier=1, plan_id=f"access-{uuid.uuid4().hex[:6]}")
        return api.post("/processCardSubscription", persona=persona, body=_card_body(plan.plan_id))
    if endpoint == "setAdminProvidedPremiumTier":
        body = {"productId": "access", "email": "other@example.com", "tier": 1, "isActive": True}
        return api.post("/setAdminProvidedPremiumTier", persona=persona, body=body)
    if endpoint == "payWithCardEmail":
        body = {} if who in ("user", "other user", "admin") else {"email": "buyer@example.com"}
        return api.post("/payWithCardEmail", persona=persona, body=body)
    if endpoint == "injectBoostyAdminAccountCookies":
        body = {"accountId": "blog", "cookies": _cookies()}
        return api.post("/injectBoostyAdminAccountCookies", persona=persona, body=body)
    if endpoint == "redeemGiftCard":
        [code] = gift_card_codes(1)
        return api.post("/redeemGiftCard", persona=persona, body={"code": code})
    raise AssertionError(endpoint)


#: What each endpoint's refusal must leave unwritten.
WRITES = {
    "createBillingPlan": lambda: BillingPlan.objects.filter(name="Access plan").count(),
    "processCardSubscription": lambda: PaymentAttempt.objects.count() + Subscription.objects.count(),
    "setAdminProvidedPremiumTier": lambda: Subscription.objects.filter(payment_provider="admin").count(),
    "injectBoostyAdminAccountCookies": lambda: BoostyAccount.objects.count(),
    "redeemGiftCard": lambda: GiftCard.objects.filter(redeemed_at__isnull=False).count(),
}


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        ("getBillingPlans", ANYONE),
        ("createBillingPlan", ADMIN_ONLY),
        ("cancelMembership", SIGNED_IN),
        ("processCardSubscription", SIGNED_IN),
        ("setAdminProvidedPremiumTier", ADMIN_ONLY),
        ("payWithCardEmail", ANYONE),
        ("injectBoostyAdminAccountCookies", ADMIN_ONLY),
        ("redeemGiftCard", SIGNED_IN),
    ],
)
@pytest.mark.parametrize("who", CALLERS)
def test_each_caller_gets_what_the_endpoint_allows(api, personas, endpoint, expected, who):
    count = WRITES.get(endpoint)
    before = count() if count else None
    response = assert_envelope(_call(api, who, personas[who], endpoint), expected[who])
    if expected[who] != 200:
        assert response.error, response
        if who == "no session":
            assert "X-Session-ID" in response.error
        if count:
            assert count() == before, f"a refused {endpoint} wrote something"
    elif count:
        assert count() == before + (2 if endpoint == "processCardSubscription" else 1)


@pytest.mark.parametrize("who", CALLERS)
def test_download_gift_cards_is_for_admins_only(api, personas, who):
    persona = personas[who]
    headers = {}
    if persona is not None:
        headers["X-Session-ID"] = persona.session_id
        if persona.admin_key:
            headers["X-Administration-Key"] = persona.admin_key
    response = api.client.get("/downloadGiftCards", {"numberOfCards": 2}, headers=headers)
    if who == "admin":
        assert response.status_code == 200 and len(response.content.decode().split()) == 2
        assert GiftCardBatch.objects.count() == 1
    else:
        assert (
            response.status_code == (400 if who == "no session" else 403)
            and json.loads(response.content)["hasError"] is True
        )
        assert not GiftCardBatch.objects.exists()


def test_a_user_acts_only_on_their_own_billing(api, owner, other_user):
    """The other user's subscription, gift card and payment stay theirs."""
    plan = plan_create_simple(tier=1, plan_id="own-plan")
    assert assert_envelope(
        api.post("/processCardSubscription", persona=other_user, body=_card_body(plan.plan_id))
    ).payload["success"]
    [code] = gift_card_codes(1, tier=2)
    assert_envelope(api.post("/redeemGiftCard", persona=other_user, body={"code": code}))
    # The owner cannot cancel, reuse the code of, or see the other user's subscriptions.
    assert assert_envelope(api.delete("/cancelMembership", persona=owner)).payload["success"] is False
    assert_envelope(api.post("/redeemGiftCard", persona=owner, body={"code": code}), 409)
    me = assert_envelope(api.get("/getSelfUser", persona=owner)).payload
    assert me["tier"] == 0 and not me.get("subscriptions")
    assert Subscription.objects.filter(user=owner.user).count() == 0
    assert set(Subscription.objects.values_list("status", flat=True)) == {"active"}
