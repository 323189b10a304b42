"""A session id of one site means nothing on the other (issue 13, item 9).

Sessions belong to a domain. An id known on freejourney.ai and sent to
api.sexy.ai is, there, an id the site has never seen: a new anonymous session
of sexy.ai, which may become a sexy.ai guest on its first write. It never
reaches the freejourney.ai account, and it is not a 500.
"""

from __future__ import annotations

import pytest

from accounts.models import Session, User
from aimg_site.core.scoping import domain_context
from tests.conftest import ApiClient, assert_envelope
from tests.library.factories import ItemFactory


@pytest.fixture
def sexy_api() -> ApiClient:
    return ApiClient("api.sexy.ai")


def test_a_signed_in_session_of_one_site_is_anonymous_on_the_other(sexy_api, owner):
    payload = assert_envelope(sexy_api.get("/getSelfUser", persona=owner)).payload
    assert payload["userID"] == "" and payload["isAuthenticated"] is False


@pytest.mark.parametrize("first_write", ["likeItems", "createSelfFolder"])
def test_a_write_with_a_session_of_the_other_site_makes_a_guest_there(
    sexy_api, api, owner, other_domain, first_write
):
    with domain_context(other_domain):
        item = ItemFactory(public=True)
    if first_write == "likeItems":
        response = sexy_api.post("/likeItems", persona=owner, imageIDs=[str(item.id)])
        assert assert_envelope(response).payload[0]["success"] is True
    else:
        assert_envelope(sexy_api.post("/createSelfFolder", persona=owner, name="mine"))
    with domain_context(other_domain):
        there = Session.objects.select_related("user").get()
        assert there.user.is_guest and there.user.domain == other_domain
        assert User.objects.filter(is_guest=True).count() == 1
    # The session of the first site is untouched: still its owner's.
    payload = assert_envelope(api.get("/getSelfUser", persona=owner)).payload
    assert payload["userID"] == str(owner.user.id) and payload["isAuthenticated"] is True


def test_the_same_id_then_stays_one_guest_on_the_other_site(sexy_api, owner):
    for name in ("one", "two"):
        assert_envelope(sexy_api.post("/createSelfFolder", persona=owner, name=name))
    payload = assert_envelope(sexy_api.get("/getSelfUser", persona=owner)).payload
    assert payload["userID"] and payload["userID"] != str(owner.user.id)
    assert Session.all_domains.filter(user__is_guest=True).count() == 1


def test_signing_in_on_the_other_site_with_that_id_leaves_the_first_sites_session_alone(
    sexy_api, api, owner, issue_code, other_domain
):
    with domain_context(other_domain):
        code = issue_code("owner@example.com")
    response = sexy_api.post("/authenticateUser", persona=owner, email="owner@example.com", otp=code)
    new_key = assert_envelope(response).payload["sessionID"]
    assert new_key != owner.session_id
    assert assert_envelope(api.get("/getSelfUser", persona=owner)).payload["userID"] == str(owner.user.id)
