"""Issue 13, item 4: throwaway session ids from one client address inflate nothing.

An attacker sends each request with a fresh ``X-Session-ID``. Views count once
per item and client address within a window (and once per session), and an
address makes a bounded number of guest users (and their sessions).
"""

from __future__ import annotations

import ipaddress
import uuid

import pytest

from accounts.models import Session, User
from accounts.sessions.services import GUEST_CREATIONS_PER_ADDRESS
from tests.support.assertions import assert_envelope
from tests.support.factories.library import ItemFactory


@pytest.fixture
def behind_proxy(settings):
    settings.AIMG_TRUSTED_PROXIES = [ipaddress.ip_network("127.0.0.1/32")]


def fresh(address: str = "203.0.113.7") -> dict:
    return {"X-Session-ID": str(uuid.uuid4()), "X-Forwarded-For": address}


def test_fresh_sessions_from_one_address_count_one_view(api, public_item, behind_proxy):
    for _ in range(20):
        assert_envelope(api.get("/getItemDetails", headers=fresh(), imageID=str(public_item.id)))
    public_item.refresh_from_db()
    assert public_item.view_count == 1


def test_other_addresses_still_count_and_each_only_once(api, public_item, behind_proxy):
    for n in range(5):
        for _ in range(3):
            api.get("/getItemDetails", headers=fresh(f"198.51.100.{n + 1}"), imageID=str(public_item.id))
    public_item.refresh_from_db()
    assert public_item.view_count == 5


def test_the_window_is_per_item(api, owner, behind_proxy):
    first, second = ItemFactory(owner=owner.user, public=True), ItemFactory(owner=owner.user, public=True)
    for item in (first, second):
        api.get("/getItemDetails", headers=fresh(), imageID=str(item.id))
        api.get("/getItemDetails", headers=fresh(), imageID=str(item.id))
        item.refresh_from_db()
        assert item.view_count == 1


def test_guest_creation_is_limited_per_address(api, behind_proxy):
    users_before, sessions_before = User.objects.count(), Session.objects.count()
    statuses = [
        api.post("/createSelfFolder", headers=fresh(), name=f"f{n}").status
        for n in range(GUEST_CREATIONS_PER_ADDRESS + 5)
    ]
    assert statuses[:GUEST_CREATIONS_PER_ADDRESS] == [200] * GUEST_CREATIONS_PER_ADDRESS
    assert set(statuses[GUEST_CREATIONS_PER_ADDRESS:]) == {429}
    assert User.objects.count() - users_before == GUEST_CREATIONS_PER_ADDRESS
    assert Session.objects.count() - sessions_before == GUEST_CREATIONS_PER_ADDRESS
    refused = api.post("/createSelfFolder", headers=fresh(), name="late")
    assert refused.status == 429 and "anonymous sessions" in refused.error


def test_the_guest_limit_spares_existing_guests_and_other_addresses(api, behind_proxy):
    mine = fresh()
    assert_envelope(api.post("/createSelfFolder", headers=mine, name="first"))
    for n in range(GUEST_CREATIONS_PER_ADDRESS):
        api.post("/createSelfFolder", headers=fresh(), name=f"f{n}")
    # the session that already has its guest keeps writing; another address makes guests
    assert_envelope(api.post("/createSelfFolder", headers=mine, name="second"))
    assert_envelope(api.post("/createSelfFolder", headers=fresh("198.51.100.9"), name="elsewhere"))
