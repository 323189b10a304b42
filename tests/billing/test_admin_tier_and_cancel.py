"""setAdminProvidedPremiumTier (Admins), cancelMembership and payWithCardEmail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from aimg_site.core.models import AuditLogEntry
from billing.entitlements import user_entitlement
from billing.models import Subscription
from tests.support.assertions import assert_envelope
from tests.support.factories.billing import give_tier

# --- setAdminProvidedPremiumTier ----------------------------------------------------------------


def test_an_admin_gives_one_user_a_tier_with_the_documented_answer(api, admin, owner):
    body = {
        "productId": "staff-gift",
        "email": "OWNER@example.com",
        "tier": 2,
        "isActive": True,
        "additionalInformation": "thanks",
    }
    payload = assert_envelope(api.post("/setAdminProvidedPremiumTier", persona=admin, body=body)).payload
    row = Subscription.objects.get(user=owner.user)
    assert payload["_id"] == str(row.pk) and payload["email"] == "owner@example.com"
    assert payload["paymentProvider"] == "admin" and payload["productId"] == "staff-gift"
    assert payload["domain"] == "freejourney.ai" and payload["env"] == "prod"
    assert payload["tier"] == 2 and payload["isActive"] is True and "emails" not in payload
    assert payload["createdDate"] and payload["updatedDate"] and payload["additionalInformation"] == "thanks"
    assert user_entitlement(user=owner.user).tier == 2
    assert user_entitlement(user=owner.user).merchant_processor == "admin"
    entry = AuditLogEntry.objects.get(action="setAdminProvidedPremiumTier")
    assert entry.target_id == str(row.pk) and entry.details["tier"] == 2


def test_emails_get_the_same_tier_and_no_id_is_answered(api, admin, owner, other_user):
    body = {
        "productID": "promo",
        "emails": ["owner@example.com", "other@example.com"],
        "tier": 1,
        "isActive": True,
    }
    payload = assert_envelope(api.post("/setAdminProvidedPremiumTier", persona=admin, body=body)).payload
    assert "_id" not in payload and "email" not in payload
    assert payload["emails"] == ["owner@example.com", "other@example.com"]
    assert user_entitlement(user=owner.user).tier == user_entitlement(user=other_user.user).tier == 1


def test_a_repeat_updates_the_one_subscription_per_user_and_product(api, admin, owner):
    body = {"productId": "p", "email": "owner@example.com", "tier": 1, "isActive": True}
    first = assert_envelope(api.post("/setAdminProvidedPremiumTier", persona=admin, body=body)).payload
    second = assert_envelope(
        api.post("/setAdminProvidedPremiumTier", persona=admin, body={**body, "tier": 3})
    ).payload
    assert first["_id"] == second["_id"] and Subscription.objects.count() == 1
    assert user_entitlement(user=owner.user).tier == 3
    assert_envelope(api.post("/setAdminProvidedPremiumTier", persona=admin, body={**body, "isActive": False}))
    assert Subscription.objects.get().status == "expired" and user_entitlement(user=owner.user).tier == 0


def test_a_deactivation_date_is_the_tier_expiration(api, admin, owner):
    end = (timezone.now() + dt.timedelta(days=3)).replace(microsecond=0)
    body = {
        "productId": "p",
        "email": "owner@example.com",
        "tier": 2,
        "isActive": True,
        "deactivationDate": end.isoformat(),
    }
    payload = assert_envelope(api.post("/setAdminProvidedPremiumTier", persona=admin, body=body)).payload
    assert dt.datetime.fromisoformat(payload["deactivationDate"]) == end
    assert user_entitlement(user=owner.user).tier_expiration == end
    past = {**body, "deactivationDate": (timezone.now() - dt.timedelta(days=1)).isoformat()}
    assert_envelope(api.post("/setAdminProvidedPremiumTier", persona=admin, body=past))
    assert user_entitlement(user=owner.user).tier == 0


def test_unknown_emails_are_named_in_a_404_and_nothing_changes(api, admin, owner):
    body = {
        "productId": "p",
        "emails": ["owner@example.com", "ghost@example.com"],
        "tier": 1,
        "isActive": True,
    }
    response = assert_envelope(api.post("/setAdminProvidedPremiumTier", persona=admin, body=body), 404)
    assert "ghost@example.com" in response.error and "owner@example.com" not in response.error
    assert not Subscription.objects.exists()


@pytest.mark.parametrize(
    "body, name",
    [
        ({"email": "owner@example.com", "tier": 1, "isActive": True}, "productId"),
        ({"productId": "p", "tier": 1, "isActive": True}, "email"),
        ({"productId": "p", "email": "owner@example.com", "isActive": True}, "tier"),
        ({"productId": "p", "email": "owner@example.com", "tier": 1}, "isActive"),
        ({"productId": "p", "email": "nope", "tier": 1, "isActive": True}, "email"),
        (
            {
                "productId": "p",
                "email": "owner@example.com",
                "tier": 1,
                "isActive": True,
                "deactivationDate": "soon",
            },
            "deactivationDate",
        ),
    ],
)
def test_bad_admin_tier_input_is_a_400_naming_it(api, admin, owner, body, name):
    assert (
        name in assert_envelope(api.post("/setAdminProvidedPremiumTier", persona=admin, body=body), 400).error
    )


@pytest.mark.parametrize("persona_name", ["guest", "owner"])
def test_only_admins_set_admin_tiers(api, request, persona_name, owner):
    persona = request.getfixturevalue(persona_name)
    body = {"productId": "p", "email": "owner@example.com", "tier": 3, "isActive": True}
    assert_envelope(api.post("/setAdminProvidedPremiumTier", persona=persona, body=body), 403)
    assert user_entitlement(user=owner.user).tier == 0


# --- cancelMembership ---------------------------------------------------------------------------


def test_a_card_subscription_ends_at_its_next_billing_date(api, owner, card_body):
    assert_envelope(api.post("/processCardSubscription", persona=owner, body=card_body()))
    row = Subscription.objects.get()
    payload = assert_envelope(api.delete("/cancelMembership", persona=owner)).payload
    assert payload["success"] is True and "ends on" in payload["message"]
    row.refresh_from_db()
    assert row.status == "cancelling" and row.tier_expiration == row.next_billing_date
    me = assert_envelope(api.get("/getSelfUser", persona=owner)).payload
    assert me["tier"] == 2 and me["tierExpiration"]  # still PRO until the period ends
    again = assert_envelope(api.delete("/cancelMembership", persona=owner)).payload
    assert again["success"] is False


def test_other_providers_get_the_instructions_by_email(api, owner, django_capture_on_commit_callbacks):
    give_tier(owner.user, 1, provider="boosty", expires=dt.timedelta(days=20))
    with django_capture_on_commit_callbacks(execute=True):
        payload = assert_envelope(api.delete("/cancelMembership", persona=owner)).payload
    assert payload["success"] is True and "boosty" in payload["message"]
    [message] = mail.outbox
    assert message.to == ["owner@example.com"] and "cancel" in message.subject.lower()
    assert "Boosty" in message.body and message.alternatives[0][1] == "text/html"
    assert Subscription.objects.get().status == "active"


def test_nothing_to_cancel_is_success_false_with_a_message(api, owner):
    payload = assert_envelope(api.delete("/cancelMembership", persona=owner)).payload
    assert payload == {"success": False, "message": "You have no membership to cancel."}
    give_tier(owner.user, 2, provider="giftcard", expires=dt.timedelta(days=3))
    payload = assert_envelope(api.delete("/cancelMembership", persona=owner)).payload
    assert payload["success"] is False and "does not renew" in payload["message"]


def test_cancelling_touches_only_the_callers_subscription(api, owner, other_user, card_body):
    assert_envelope(api.post("/processCardSubscription", persona=other_user, body=card_body()))
    assert assert_envelope(api.delete("/cancelMembership", persona=owner)).payload["success"] is False
    assert Subscription.objects.get().status == "active"


def test_guests_cannot_cancel(api, guest):
    assert_envelope(api.delete("/cancelMembership", persona=guest), 401)


# --- payWithCardEmail ---------------------------------------------------------------------------


def test_the_signed_in_user_gets_the_payment_instructions(api, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        payload = assert_envelope(api.post("/payWithCardEmail", persona=owner, body={})).payload
    assert payload == {"success": True}
    [message] = mail.outbox
    assert message.to == ["owner@example.com"] and "card" in message.subject.lower()
    assert "https://freejourney.ai/payment" in message.body
    assert "https://freejourney.ai/payment" in message.alternatives[0][0]


def test_an_anonymous_caller_gives_the_email(api, guest, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert_envelope(api.post("/payWithCardEmail", persona=guest, body={"email": "Buyer@Example.com"}))
    assert mail.outbox[0].to == ["buyer@example.com"]


@pytest.mark.parametrize("body", [{}, {"email": "not-an-email"}, {"email": 5}])
def test_without_a_usable_email_an_anonymous_caller_gets_a_400(api, guest, body):
    assert "email" in assert_envelope(api.post("/payWithCardEmail", persona=guest, body=body), 400).error
    assert not mail.outbox


def test_payment_emails_are_limited_per_recipient(api, guest):
    for _ in range(3):
        assert_envelope(api.post("/payWithCardEmail", persona=guest, body={"email": "x@example.com"}))
    assert_envelope(api.post("/payWithCardEmail", persona=guest, body={"email": "x@example.com"}), 429)
