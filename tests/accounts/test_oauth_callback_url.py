"""The OAuth ``redirect_uri`` is the site's own API address, never the request's Host (issue 13, item 12).

Behind a proxy that passes any Host through (or with a permissive
``ALLOWED_HOSTS``), a login started with ``Host: evil.example`` used to hand
the provider ``https://evil.example/accounts/<provider>/login/callback/``.
The callback URL now comes from the domain: ``https://api.<domain>``
(``staging-api.`` for a staging row), or ``AIMG_API_BASE_URL`` when the API
lives elsewhere (local development).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from aimg_site.core.models import Domain
from aimg_site.core.selectors import domain_api_base_url, domain_clear_cache, domain_get
from tests.accounts.test_oauth_login import (
    FRONT,
    SEXY_FRONT,
    assert_signed_in,
    github,
    login,
    providers,
    start,
)
from tests.conftest import ApiClient

__all__ = ["providers"]  # the fixture, used by name below


def redirect_uri(response) -> str:
    assert response.status == 302, response
    return dict(parse_qsl(urlsplit(response.headers["Location"]).query))["redirect_uri"]


def test_a_foreign_host_does_not_choose_the_callback_url(settings, providers):
    settings.ALLOWED_HOSTS = ["*"]
    response = start(ApiClient("evil.example"), "github")
    assert redirect_uri(response) == "https://api.freejourney.ai/accounts/github/login/callback/"


def test_a_subdomain_of_the_site_does_not_choose_it_either(providers):
    response = start(ApiClient("evil.sexy.ai"), "google")
    assert redirect_uri(response) == "https://api.freejourney.ai/accounts/google/login/callback/"


def test_each_site_gets_its_own_callback_url(providers):
    response = start(ApiClient("api.sexy.ai"), "discord", redirectURL=SEXY_FRONT)
    assert redirect_uri(response) == "https://api.sexy.ai/accounts/discord/login/callback/"


def test_a_staging_row_calls_back_on_the_staging_host():
    Domain.objects.filter(name="sexy.ai").update(environment=Domain.Environment.STAGING)
    domain_clear_cache()
    assert domain_api_base_url(domain_get("sexy.ai")) == "https://staging-api.sexy.ai"


def test_a_configured_base_url_wins(settings, providers):
    settings.AIMG_API_BASE_URL = "http://localhost:8000/"
    response = start(ApiClient("localhost"), "github")
    assert redirect_uri(response) == "http://localhost:8000/accounts/github/login/callback/"


def test_the_code_is_exchanged_with_the_same_callback_url(settings, providers):
    settings.ALLOWED_HOSTS = ["*"]
    result = login(ApiClient("evil.example"), providers, github())
    assert_signed_in(result, front=FRONT)


@pytest.mark.parametrize("value", ["localhost:8000", "ftp://example.com", "https://example.com/api"])
def test_a_malformed_base_url_is_refused(value):
    from django.core.exceptions import ImproperlyConfigured

    from aimg_site.settings import parse_api_base_url

    with pytest.raises(ImproperlyConfigured):
        parse_api_base_url(value)
