"""getBillingPlans (anyone), createBillingPlan (Admins) and the catalog's plans."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import CommandError, call_command

from aimg_site.core.models import AuditLogEntry
from aimg_site.core.scoping import domain_context
from billing.catalog import catalog_plans, plans_catalog_load
from billing.models import BillingPlan
from tests.support.assertions import assert_envelope
from tests.support.factories.billing import plan_create_simple


@pytest.fixture
def plan_body():
    return {
        "name": "Tier 2 yearly",
        "description": "Everything, for a year.",
        "features": ["Fast queue"],
        "mainBenefits": ["Priority"],
        "tier": 2,
        "prices": [
            {
                "type": "base",
                "period": "yearly",
                "currency": "EUR",
                "currencyType": "fiat",
                "value": 99.5,
                "paymentProviders": [
                    {"paymentProvider": "arkpay", "paymentLabel": "Card"},
                    {"paymentProvider": "paypal", "paymentUrl": "https://paypal.example/checkout"},
                ],
            }
        ],
    }


@pytest.mark.parametrize("persona_name", ["guest", "owner", "admin"])
def test_everyone_lists_the_plans_of_the_site(api, request, persona_name):
    plan_create_simple(tier=1, plan_id="p1")
    persona = request.getfixturevalue(persona_name)
    payload = assert_envelope(api.get("/getBillingPlans", persona=persona)).payload
    assert [plan["id"] for plan in payload] == ["p1"]
    [price] = payload[0]["prices"]
    assert price["type"] == "base" and price["value"] == 9.99 and price["paymentProviders"]


def test_another_sites_plans_are_not_listed(api, guest, other_domain):
    with domain_context(other_domain):
        plan_create_simple(tier=1, plan_id="elsewhere")
    assert assert_envelope(api.get("/getBillingPlans", persona=guest)).payload == []


def test_plan_ids_filter_the_list(api, guest):
    for plan_id in ("a", "b", "c"):
        plan_create_simple(plan_id=plan_id)
    payload = assert_envelope(api.get("/getBillingPlans", persona=guest, planIDs="a, c")).payload
    assert sorted(p["id"] for p in payload) == ["a", "c"]


def test_a_coupon_plan_is_listed_only_with_its_code(api, guest):
    plan_create_simple(plan_id="public")
    plan_create_simple(plan_id="secret", coupon_code="SPRING")
    assert [p["id"] for p in assert_envelope(api.get("/getBillingPlans", persona=guest)).payload] == [
        "public"
    ]
    with_code = assert_envelope(api.get("/getBillingPlans", persona=guest, code="spring")).payload
    assert sorted(p["id"] for p in with_code) == ["public", "secret"]
    wrong = assert_envelope(api.get("/getBillingPlans", persona=guest, code="autumn")).payload
    assert [p["id"] for p in wrong] == ["public"]


def test_staging_plans_are_not_listed_on_a_production_site(api, guest):
    plan_create_simple(plan_id="staging-only", env="staging")
    assert assert_envelope(api.get("/getBillingPlans", persona=guest)).payload == []


def test_payment_urls_follow_the_rule_of_each_provider(api, admin, guest, plan_body):
    plan_id = assert_envelope(api.post("/createBillingPlan", persona=admin, body=plan_body)).payload["id"]
    payload = assert_envelope(
        api.get(
            "/getBillingPlans",
            persona=guest,
            paymentURL="https://pay.freejourney.ai/card?x=1",
            redirectURL="https://freejourney.ai/thanks",
        )
    ).payload
    providers = {p["paymentProvider"]: p for p in payload[0]["prices"][0]["paymentProviders"]}
    card = urlsplit(providers["arkpay"]["paymentUrl"])
    assert card.netloc == "pay.freejourney.ai" and card.path == "/card"
    assert parse_qs(card.query) == {
        "x": ["1"],
        "productID": [plan_id],
        "merchantProcessor": ["arkpay"],
        "redirectURL": ["https://freejourney.ai/thanks"],
    }
    assert providers["arkpay"]["paymentLabel"] == "Card"
    paypal = urlsplit(providers["paypal"]["paymentUrl"])
    assert paypal.netloc == "paypal.example"
    assert parse_qs(paypal.query)["redirectURL"] == ["https://freejourney.ai/thanks"]
    # without paymentURL the card page is the front end's
    default = assert_envelope(api.get("/getBillingPlans", persona=guest)).payload
    arkpay = default[0]["prices"][0]["paymentProviders"][0]["paymentUrl"]
    assert arkpay.startswith("https://freejourney.ai/payment?")


@pytest.mark.parametrize("name", ["redirectURL", "paymentURL"])
def test_a_url_that_is_not_http_is_a_400(api, guest, name):
    response = assert_envelope(
        api.get("/getBillingPlans", persona=guest, **{name: "javascript:alert(1)"}), 400
    )
    assert name in response.error


def test_an_admin_creates_a_plan_and_gets_it_back(api, admin, plan_body):
    payload = assert_envelope(api.post("/createBillingPlan", persona=admin, body=plan_body)).payload
    assert payload["name"] == "Tier 2 yearly" and payload["tier"] == 2
    assert payload["features"] == ["Fast queue"] and payload["mainBenefits"] == ["Priority"]
    assert payload["prices"][0]["currency"] == "EUR" and payload["prices"][0]["value"] == 99.5
    plan = BillingPlan.objects.get(plan_id=payload["id"])
    assert plan.env == "prod"
    assert AuditLogEntry.objects.filter(action="createBillingPlan", target_id=str(plan.pk)).exists()


@pytest.mark.parametrize(
    "path, value, name",
    [
        (("prices", 0, "type"), "monthly", "type"),
        (("prices", 0, "period"), "weekly", "period"),
        (("prices", 0, "currency"), "DOGE", "currency"),
        (("prices", 0, "currencyType"), "paper", "currencyType"),
        (("prices", 0, "value"), "ten", "value"),
        (("prices", 0, "value"), -1, "value"),
        (("prices", 0, "paymentProviders", 0, "paymentProvider"), "venmo", "paymentProvider"),
        (("prices", 0, "paymentProviders"), [], "paymentProviders"),
        (("prices",), [], "prices"),
        (("tier",), "two", "tier"),
        (("name",), "", "name"),
        (("env",), "dev", "env"),
    ],
)
def test_create_billing_plan_checks_every_field_against_the_enumerations(
    api, admin, plan_body, path, value, name
):
    target = plan_body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    response = assert_envelope(api.post("/createBillingPlan", persona=admin, body=plan_body), 400)
    assert name in response.error
    assert not BillingPlan.objects.exists()


@pytest.mark.parametrize("persona_name", ["guest", "owner"])
def test_only_admins_create_plans(api, request, plan_body, persona_name):
    persona = request.getfixturevalue(persona_name)
    assert_envelope(api.post("/createBillingPlan", persona=persona, body=plan_body), 403)
    assert not BillingPlan.objects.exists()


def test_load_catalog_ships_both_sites_plans_idempotently(api, guest, domain, other_domain):
    call_command("load_catalog", "--all-domains")
    call_command("load_catalog", "--all-domains")
    rows = catalog_plans()
    for site in (domain, other_domain):
        with domain_context(site):
            expected = {row["id"] for row in rows[site.name] if row["env"] == "prod"}
            assert set(BillingPlan.objects.filter(env="prod").values_list("plan_id", flat=True)) == expected
    listed = assert_envelope(api.get("/getBillingPlans", persona=guest)).payload
    assert listed and all(p["id"].startswith("freejourney-") for p in listed)
    assert {p["tier"] for p in listed} == {1, 2, 3}
    assert plans_catalog_load(domain=domain) == {"created": 0, "updated": len(rows["freejourney.ai"])}


def test_load_catalog_without_options_loads_every_sites_plans(domain, other_domain):
    """As production runs it after ``migrate``: no option means every site, for the plans as for the
    generation catalog (the plans used to go into the default domain only)."""
    call_command("load_catalog")
    rows = catalog_plans()
    for site in (domain, other_domain):
        with domain_context(site):
            assert BillingPlan.objects.count() == len(rows[site.name]) > 0


def test_load_catalog_refuses_a_domain_and_all_domains_together():
    with pytest.raises(CommandError, match="not both"):
        call_command("load_catalog", "--domain", "sexy.ai", "--all-domains")


def test_load_catalog_still_loads_the_generation_catalog(domain):
    from generation.models import GenerationModel

    call_command("load_catalog")
    assert GenerationModel.objects.filter(name="f222").exists()


def test_listing_plans_takes_a_fixed_number_of_queries(api, guest, django_assert_max_num_queries):
    for n in range(3):
        plan_create_simple(plan_id=f"few-{n}")
    with django_assert_max_num_queries(8) as few:
        assert_envelope(api.get("/getBillingPlans", persona=guest))
    for n in range(20):
        plan_create_simple(plan_id=f"many-{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(assert_envelope(api.get("/getBillingPlans", persona=guest)).payload) == 23
