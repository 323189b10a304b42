"""Billing fixtures: a plan payable by card, a valid card body, the catalog's plans."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.support.factories.billing import plan_create_simple

#: The sandbox's documented test cards (billing.card.processors.SANDBOX_CARDS).
APPROVED_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000002"
TRANSIENT_CARD = "4000000000000119"
#: A security code unlikely to occur by chance next to non-hex characters in a dump.
CVC = "7391"


@pytest.fixture
def card_plan(db):
    """A tier-2 monthly plan of freejourney.ai payable with arkpay."""
    return plan_create_simple(tier=2, value=19.99, plan_id="fj-test-tier2-monthly")


@pytest.fixture
def card_body(card_plan):
    def make(number: str = APPROVED_CARD, **overrides) -> dict:
        body = {
            "merchantProcessor": "arkpay",
            "productID": card_plan.plan_id,
            "cardNumber": number,
            "cardHolderName": "Ada Lovelace",
            "expirationMonth": 12,
            "expirationYear": dt.date.today().year + 2,
            "securityCode": CVC,
            "country": "US",
            "stateOrProvince": "CA",
            "postalCode": "94103",
        }
        body.update(overrides)
        return {k: v for k, v in body.items() if v is not None}

    return make
