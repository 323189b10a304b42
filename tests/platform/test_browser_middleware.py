"""Cookie sessions, CSRF, authentication, messages and allauth's middleware run for browser paths only."""

from __future__ import annotations

import uuid

import pytest
from allauth.core.exceptions import ImmediateHttpResponse
from django.core.checks import run_checks
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings

from aimg_site.browser import BrowserMiddleware, browser_middleware_check

BROWSER_ATTRIBUTES = ("session", "_messages", "allauth")


def test_api_requests_skip_the_browser_middleware(api):
    response = api.get("/getSelfUser", headers={"X-Session-ID": str(uuid.uuid4())})
    assert response.status == 200
    request = response.raw.wsgi_request
    for attribute in BROWSER_ATTRIBUTES:
        assert not hasattr(request, attribute), attribute
    assert not response.raw.cookies
    assert "Cookie" not in response.headers.get("Vary", "")


def test_unknown_paths_skip_them_too(api):
    response = api.get("/no-such-endpoint")
    assert response.status == 404
    assert not hasattr(response.raw.wsgi_request, "session")


@pytest.mark.parametrize("path", ["/console/login/", "/accounts/google/login/callback/"])
def test_browser_paths_run_them(path):
    response = Client(HTTP_HOST="api.freejourney.ai").get(path)
    request = response.wsgi_request
    for attribute in BROWSER_ATTRIBUTES:
        assert hasattr(request, attribute), attribute
    assert hasattr(request, "user")


def test_the_console_still_enforces_csrf(make_user):
    make_user("staff@example.com", is_staff=True, roles=["admin"], password="Sunny-Day-42")
    browser = Client(HTTP_HOST="api.freejourney.ai", enforce_csrf_checks=True)
    form = {"username": "staff@example.com", "password": "Sunny-Day-42", "next": "/console/"}
    refused = browser.post("/console/login/", form)
    assert refused.status_code == 403
    assert b"CSRF verification failed" in refused.content
    browser.get("/console/login/")  # sets the CSRF cookie
    signed_in = browser.post(
        "/console/login/", {**form, "csrfmiddlewaretoken": browser.cookies["csrftoken"].value}
    )
    assert signed_in.status_code == 302 and signed_in["Location"] == "/console/"
    assert browser.get("/console/").status_code == 200


def test_the_browser_chain_keeps_allauths_exception_hook():
    middleware = BrowserMiddleware(lambda request: HttpResponse("inner"))
    redirect = HttpResponse("from allauth", status=302)
    factory = RequestFactory()
    on_browser_path = middleware.process_exception(
        factory.get("/accounts/google/login/callback/"), ImmediateHttpResponse(redirect)
    )
    assert on_browser_path is redirect
    assert middleware.process_exception(factory.get("/getSelfUser"), ImmediateHttpResponse(redirect)) is None


def test_the_system_check_names_a_missing_browser_middleware():
    assert browser_middleware_check() == []
    with override_settings(AIMG_BROWSER_MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware"]):
        ids = {error.id for error in browser_middleware_check()}
        assert ids == {"aimg.E001"}
        assert any(error.id == "aimg.E001" for error in run_checks())
