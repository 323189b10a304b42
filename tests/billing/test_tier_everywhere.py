"""A redeemed tier-2 gift card counts at once everywhere a tier is checked (through billing.entitlements)."""

from __future__ import annotations

import pytest

from generation.catalog import catalog_load
from generation.models import GenerationModel
from tests.support.assertions import assert_envelope
from tests.support.factories.billing import gift_card_codes


@pytest.fixture
def tier2_model(domain):
    catalog_load(domain=domain)
    model = GenerationModel.objects.filter(kind="image").order_by("ordering").first()
    GenerationModel.objects.filter(pk=model.pk).update(min_tier=2)
    return model.name


def test_a_redeemed_tier2_gift_card_opens_api2_and_tier2_models_at_once(
    api, owner, tier2_model, django_capture_on_commit_callbacks
):
    assert api.get("/2/getUserSession", persona=owner).status == 403
    refused = api.post("/generateImage", persona=owner, body={"prompt": "a fox", "modelName": tier2_model})
    assert refused.status == 403

    [code] = gift_card_codes(1, tier=2, days=30)
    redeemed = assert_envelope(api.post("/redeemGiftCard", persona=owner, body={"code": code})).payload
    assert redeemed["tier"] == 2

    assert assert_envelope(api.get("/2/getUserSession", persona=owner)).payload["userSession"]
    with django_capture_on_commit_callbacks(execute=True):
        made = api.post("/generateImage", persona=owner, body={"prompt": "a fox", "modelName": tier2_model})
    assert made.status == 200, made
    assert assert_envelope(api.get("/getSelfUser", persona=owner)).payload["tier"] == 2
