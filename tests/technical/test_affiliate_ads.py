"""getAffiliateAd: weighted picks among the domain's active ads, a valid answer when there is none."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from aimg_site.core.scoping import domain_context
from aimg_site.technical.ads.selectors import affiliate_ad_pick
from aimg_site.technical.ads.services import affiliate_ad_create
from tests.support.assertions import assert_envelope
from tests.support.client import ApiClient


def test_with_no_active_ad_the_answer_is_empty_texts(api, owner, guest, admin):
    affiliate_ad_create(ad_text="old", ad_link="https://old.example", is_active=False)
    for persona in (owner, guest, admin, None):
        response = api.get("/getAffiliateAd", persona=persona)
        assert_envelope(response, 200)
        assert response.payload == {"adText": "", "adLink": ""}


def test_an_active_ad_is_answered_to_anyone(api, owner, guest, admin):
    affiliate_ad_create(ad_text="Try PRO", ad_link="https://pro.example/x")
    for persona in (owner, guest, admin, None):
        response = api.get("/getAffiliateAd", persona=persona)
        assert_envelope(response, 200)
        assert response.payload == {"adText": "Try PRO", "adLink": "https://pro.example/x"}


def test_the_date_window_and_the_domain_are_respected(api, other_domain):
    now = timezone.now()
    affiliate_ad_create(ad_text="future", ad_link="https://f.example", starts_at=now + timedelta(days=1))
    affiliate_ad_create(ad_text="past", ad_link="https://p.example", ends_at=now - timedelta(seconds=1))
    affiliate_ad_create(
        ad_text="now",
        ad_link="https://n.example",
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=1),
    )
    with domain_context(other_domain):
        affiliate_ad_create(ad_text="sexy only", ad_link="https://s.example")
    for _ in range(10):
        assert api.get("/getAffiliateAd").payload["adText"] == "now"
    assert ApiClient(host="api.sexy.ai").get("/getAffiliateAd").payload["adText"] == "sexy only"


def test_the_choice_follows_the_weights():
    affiliate_ad_create(ad_text="heavy", ad_link="https://h.example", weight=9)
    affiliate_ad_create(ad_text="light", ad_link="https://l.example", weight=1)
    rng = random.Random(7)
    picks = Counter(affiliate_ad_pick(rng=rng).ad_text for _ in range(5000))
    assert 0.87 < picks["heavy"] / 5000 < 0.93


@pytest.mark.parametrize(
    "fields",
    [
        {"weight": 0},
        {"ad_link": "javascript:alert(1)"},
        {"starts_at": timezone.now(), "ends_at": timezone.now() - timedelta(days=1)},
    ],
)
def test_bad_ads_are_refused(fields):
    base = {"ad_text": "x", "ad_link": "https://x.example", **fields}
    with pytest.raises(ValidationError):
        affiliate_ad_create(**base)


def test_ads_are_managed_in_the_console(client, django_user_model, domain):
    from django.contrib import admin as django_admin

    from aimg_site.technical.models import AffiliateAd

    assert AffiliateAd in django_admin.site._registry
