"""Host → domain resolution and isolation between domains."""

import pytest

from accounts.models import User
from aimg_site.core.models import Domain
from aimg_site.core.scoping import DomainNotBound, bind_domain, domain_context, unbind_domain
from aimg_site.core.selectors import domain_for_host, domain_get, domain_name_for_host
from tests.support.assertions import assert_envelope
from tests.support.client import ApiClient

NAMES = {"sexy.ai", "freejourney.ai"}


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("api.sexy.ai", "sexy.ai"),
        ("staging-api.sexy.ai", "sexy.ai"),
        ("api.freejourney.ai", "freejourney.ai"),
        ("staging-api.freejourney.ai", "freejourney.ai"),
        ("API.SEXY.AI:443", "sexy.ai"),
        ("sexy.ai", "sexy.ai"),
        ("127.0.0.1:8000", "freejourney.ai"),
        ("localhost", "freejourney.ai"),
        ("www.sexy.ai", "freejourney.ai"),
        ("api.sexy.ai.evil.com", "freejourney.ai"),
    ],
)
def test_it_maps_hosts_to_domains(host, expected):
    assert domain_name_for_host(host, NAMES) == expected


def test_the_default_domain_follows_the_setting(settings):
    settings.AIMG_DEFAULT_DOMAIN = "sexy.ai"
    assert domain_for_host("localhost").name == "sexy.ai"


def test_the_seeded_domains_have_their_details():
    sexy = Domain.objects.get(name="sexy.ai")
    assert sexy.display_name and sexy.frontend_url.startswith("https://") and sexy.environment == "prod"


@pytest.mark.urls("tests.platform.urls")
def test_a_request_sees_only_its_own_domains_rows(domain, other_domain):
    with domain_context(domain):
        User.objects.create_user(email="fj@example.com")
    with domain_context(other_domain):
        User.objects.create_user(email="sx@example.com")
    assert assert_envelope(ApiClient("api.freejourney.ai").get("/testDomainUsers")).payload == [
        "fj@example.com"
    ]
    assert assert_envelope(ApiClient("staging-api.sexy.ai").get("/testDomainUsers")).payload == [
        "sx@example.com"
    ]


def test_an_email_is_unique_within_a_domain_not_across(domain, other_domain):
    from django.db import IntegrityError, transaction

    with domain_context(domain):
        User.objects.create_user(email="same@example.com")
        with pytest.raises(IntegrityError), transaction.atomic():
            User.objects.create_user(email="SAME@example.com")
    with domain_context(other_domain):
        User.objects.create_user(email="same@example.com")
    assert User.all_domains.filter(email__iexact="same@example.com").count() == 2


def test_a_scoped_query_with_no_domain_bound_fails_loudly():
    token = bind_domain(None)
    try:
        with pytest.raises(DomainNotBound):
            list(User.objects.all())
    finally:
        unbind_domain(token)


def test_new_rows_take_the_bound_domain(other_domain):
    with domain_context(other_domain):
        user = User.objects.create_user(email="x@example.com")
    assert user.domain == domain_get("sexy.ai")


def test_for_domain_reaches_an_explicit_domain(domain, other_domain):
    with domain_context(other_domain):
        User.objects.create_user(email="there@example.com")
    assert list(User.objects.for_domain(other_domain).values_list("email", flat=True)) == [
        "there@example.com"
    ]
    assert not User.objects.filter(email="there@example.com").exists()
