"""The billing pages of the staff console: the admin role only; never a code, cookie or card number."""

from __future__ import annotations

import pytest
from django.test import Client

from billing.models import BoostyAccount, GiftCard, PaymentAttempt
from tests.support.factories.billing import gift_card_codes, give_tier, plan_create_simple

PAGES = [
    "billingplan",
    "billingplanprice",
    "subscription",
    "giftcardbatch",
    "giftcard",
    "paymentattempt",
    "boostyaccount",
]


def _console(persona):
    client = Client(HTTP_HOST="api.freejourney.ai")
    client.force_login(persona.user, backend="accounts.backends.DomainEmailBackend")
    return client


@pytest.fixture
def billing_rows(owner):
    plan_create_simple(plan_id="console-plan")
    give_tier(owner.user, 2)
    codes = gift_card_codes(3)
    card = GiftCard.objects.first()
    PaymentAttempt.objects.create(
        user=owner.user,
        processor="sandbox",
        product_id="console-plan",
        card_last4="4242",
        amount=1,
        currency="USD",
    )
    from aimg_site.core.selectors import domain_get
    from billing.boosty.services import boosty_cookies_inject

    boosty_cookies_inject(
        domain=domain_get("freejourney.ai"),
        account_id="acct",
        cookies=[{"name": "auth", "value": "cookie-secret"}],
    )
    return {"codes": codes, "card": card}


@pytest.mark.parametrize("page", PAGES)
def test_the_admin_role_sees_each_billing_page_and_no_secret(make_user, billing_rows, page):
    staff = make_user("billing-staff@example.com", is_staff=True, roles=["admin"])
    client = _console(staff)
    listing = client.get(f"/console/billing/{page}/")
    assert listing.status_code == 200
    html = listing.content.decode()
    model = {"giftcard": GiftCard, "boostyaccount": BoostyAccount, "paymentattempt": PaymentAttempt}.get(page)
    if model is not None:
        row = model.objects.first()
        detail = client.get(f"/console/billing/{page}/{row.pk}/change/")
        assert detail.status_code == 200
        html += detail.content.decode()
    for code in billing_rows["codes"]:
        assert code not in html
    assert billing_rows["card"].code_digest not in html
    assert "cookie-secret" not in html


@pytest.mark.parametrize("page", PAGES)
def test_moderators_see_none_of_billing(make_user, billing_rows, page):
    moderator = make_user("billing-mod@example.com", is_staff=True, roles=["moderator"])
    assert _console(moderator).get(f"/console/billing/{page}/").status_code == 403


def test_the_subscription_list_filters_by_provider_status_and_expiry(make_user, billing_rows):
    client = _console(make_user("filters@example.com", is_staff=True, roles=["admin"]))
    for query in (
        {"payment_provider": "admin"},
        {"status": "active"},
        {"expiry": "none"},
        {"expiry": "past"},
    ):
        assert client.get("/console/billing/subscription/", query).status_code == 200
