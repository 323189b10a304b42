"""The session cache: a warm session costs no query, and every change that ends or alters a
session is seen on its very next request (``accounts.sessions.cache``)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Session, User
from accounts.sessions import cache as session_cache
from accounts.sessions.selectors import session_digest, session_resolve
from accounts.signin.services import user_sign_in
from tests.accounts.conftest import STRONG_PASSWORD
from tests.conftest import ApiClient, Persona, assert_envelope


def session_queries(api: ApiClient, persona: Persona) -> int:
    """The queries one getSelfUser runs on the session table."""
    with CaptureQueriesContext(connection) as captured:
        assert_envelope(api.get("/getSelfUser", persona=persona), 200)
    return sum('"accounts_session"' in query["sql"] for query in captured.captured_queries)


def warm(api: ApiClient, *personas: Persona) -> None:
    """From a cold cache (no tombstones of the sessions just made), resolve each session once, then
    prove the next resolution is served from the cache."""
    session_cache.version += 1
    for persona in personas:
        api.get("/getSelfUser", persona=persona)
        assert session_queries(api, persona) == 0


def self_user(api: ApiClient, persona: Persona) -> dict:
    return assert_envelope(api.get("/getSelfUser", persona=persona), 200).payload


def signed_out(api: ApiClient, persona: Persona) -> bool:
    payload = self_user(api, persona)
    return payload["isAuthenticated"] is False and payload["userID"] == ""


def test_a_warm_session_costs_no_session_query(api, owner, guest):
    warm(api, owner)
    warm(api, guest)  # an id without a row is cached too


def test_signing_out_stops_the_session_on_its_next_request(api, owner):
    warm(api, owner)
    assert api.post("/signOutUser", persona=owner).payload["success"] is True
    assert signed_out(api, owner)


def test_a_password_change_stops_the_other_sessions_on_their_next_request(api, owner):
    other = Persona(session_id=str(user_sign_in(user=owner.user, old_session_key=None, login_provider="OTP")))
    warm(api, owner, other)
    assert_envelope(api.post("/setSelfUserProperties", persona=owner, password=STRONG_PASSWORD), 200)
    assert signed_out(api, other)
    assert self_user(api, owner)["isAuthenticated"] is True


def test_a_ban_stops_the_session_on_its_next_request(api, admin, owner):
    warm(api, owner)
    assert_envelope(api.post("/setUserAbuseLevel", persona=admin, userID=str(owner.user.id), abuse=9), 200)
    assert signed_out(api, owner)


def test_a_deletion_stops_the_session_on_its_next_request(api, owner):
    other = Persona(session_id=str(user_sign_in(user=owner.user, old_session_key=None, login_provider="OTP")))
    warm(api, owner, other)
    assert_envelope(api.delete("/deleteUser", persona=owner), 200)
    assert signed_out(api, owner)
    assert signed_out(api, other)


def test_a_deletion_by_an_admin_stops_the_session_on_its_next_request(api, admin, owner):
    warm(api, owner)
    assert_envelope(api.delete("/deleteUser", persona=admin, userID=str(owner.user.id)), 200)
    assert signed_out(api, owner)


def test_a_user_row_removed_outright_stops_its_sessions(api, owner):
    warm(api, owner)
    User.objects.filter(pk=owner.user.pk).delete()  # the console's delete: sessions cascade
    assert signed_out(api, owner)


def test_a_user_deactivated_through_save_stops_its_sessions(api, owner):
    warm(api, owner)
    user = User.objects.get(pk=owner.user.pk)
    user.is_active = False
    user.save()
    assert signed_out(api, owner)


def test_sign_in_rotates_the_cached_guest_id_away(api, guest):
    assert_envelope(api.post("/createSelfFolder", persona=guest, name="mine"), 200)  # a guest user
    warm(api, guest)
    user = User.objects.create_user(email="rotated@example.com")
    new_key = user_sign_in(user=user, old_session_key=uuid.UUID(guest.session_id), login_provider="OTP")
    assert self_user(api, guest)["userID"] == ""
    assert self_user(api, Persona(session_id=str(new_key)))["email"] == "rotated@example.com"


def test_an_anonymous_id_that_gets_a_row_is_seen_at_once(api, guest):
    warm(api, guest)  # cached as "no row"
    assert_envelope(api.post("/createSelfFolder", persona=guest, name="mine"), 200)
    assert self_user(api, guest)["userID"] != ""


def test_profile_changes_show_on_every_session_at_once(api, owner):
    other = Persona(session_id=str(user_sign_in(user=owner.user, old_session_key=None, login_provider="OTP")))
    warm(api, owner, other)
    assert_envelope(api.post("/setSelfUserProperties", persona=owner, username="renamed"), 200)
    assert self_user(api, other)["username"] == "renamed"


def test_changes_made_with_update_are_forgotten_by_the_service(api, admin, owner):
    warm(api, owner)
    assert_envelope(api.post("/setUserAbuseLevel", persona=admin, userID=str(owner.user.id), abuse=1), 200)
    with CaptureQueriesContext(connection) as captured:
        api.get("/getSelfUser", persona=owner)
    assert any('"accounts_session"' in query["sql"] for query in captured.captured_queries)


def test_a_cached_session_is_still_scoped_to_its_domain(owner):
    warm(ApiClient(), owner)
    on_the_other_site = ApiClient(host="api.sexy.ai")
    assert signed_out(on_the_other_site, owner)


def test_the_same_id_is_cached_apart_on_each_site(api, owner):
    other_site = ApiClient(host="api.sexy.ai")
    warm(api, owner)
    other_site.get("/getSelfUser", persona=owner)  # cached there as an id without a row
    assert session_queries(other_site, owner) == 0
    assert_envelope(other_site.post("/createSelfFolder", persona=owner, name="there"), 200)  # a guest there
    there = self_user(other_site, owner)
    assert there["userID"] not in ("", str(owner.user.id)) and there["isAuthenticated"] is False
    here = self_user(api, owner)
    assert here["userID"] == str(owner.user.id) and here["isAuthenticated"] is True


def test_an_entry_read_before_a_change_cannot_be_stored_after_it(owner):
    digest = session_digest(uuid.UUID(owner.session_id))
    stale = Session.objects.select_related("user").get(key_digest=digest)  # read before the sign-out
    Session.objects.filter(key_digest=digest).delete()  # sign-out: forgets the id
    session_cache.remember(stale.domain_id, digest, stale)  # the slow reader stores what it read
    assert session_cache.lookup(stale.domain_id, digest) == (False, None)
    assert session_resolve(key=uuid.UUID(owner.session_id)) is None


def test_an_entry_never_outlives_the_moment_its_last_seen_time_is_due(owner, settings):
    digest = session_digest(uuid.UUID(owner.session_id))
    session = Session.objects.get(key_digest=digest)
    session.last_seen_at = timezone.now() - dt.timedelta(seconds=settings.AIMG_SESSION_TOUCH_SECONDS - 0.5)
    session_cache.remember(session.domain_id, digest, session)  # due within a second: not stored
    assert session_cache.lookup(session.domain_id, digest) == (False, None)
    resolved = session_resolve(key=uuid.UUID(owner.session_id))
    assert resolved is not None
    Session.objects.filter(pk=session.pk).update(
        last_seen_at=timezone.now() - dt.timedelta(seconds=settings.AIMG_SESSION_TOUCH_SECONDS + 1)
    )
    session_cache.version += 1  # as if the entry had expired
    touched = session_resolve(key=uuid.UUID(owner.session_id))
    assert touched is not None and timezone.now() - touched.last_seen_at < dt.timedelta(seconds=5)
    assert Session.objects.get(pk=session.pk).last_seen_at == touched.last_seen_at


@pytest.mark.parametrize("seconds", [0])
def test_it_can_be_switched_off(api, owner, settings, seconds):
    settings.AIMG_SESSION_CACHE_SECONDS = seconds
    session_cache.version += 1
    api.get("/getSelfUser", persona=owner)
    assert session_queries(api, owner) == 1


def test_an_entry_holds_the_rows_columns_and_reads_back_as_the_rows(api, owner):
    warm(api, owner)
    session = Session.objects.select_related("user").get(
        key_digest=session_digest(uuid.UUID(owner.session_id))
    )
    known, cached = session_cache.lookup(session.domain_id, session.key_digest)
    assert known is True and cached is not None and cached.user is not None
    for field in Session._meta.concrete_fields:
        assert getattr(cached, field.attname) == getattr(session, field.attname), field.name
    for field in User._meta.concrete_fields:
        assert getattr(cached.user, field.attname) == getattr(session.user, field.attname), field.name
    assert cached._state.adding is False and cached.user._state.adding is False
    cached.user.save(update_fields=["username"])  # a loaded row: saving it updates, never inserts
    assert User.objects.filter(pk=session.user_id).count() == 1


def test_an_entry_of_another_column_layout_is_a_miss(api, owner):
    warm(api, owner)
    digest = session_digest(uuid.UUID(owner.session_id))
    domain_id = Session.objects.get(key_digest=digest).domain_id
    key = session_cache._key(domain_id, digest)
    entry = cache.get(key, version=session_cache.version)
    assert entry[0] == session_cache.LAYOUT
    cache.set(key, ("a-release-with-other-columns", *entry[1:]), 30, version=session_cache.version)
    assert session_cache.lookup(domain_id, digest) == (False, None)
    assert session_queries(api, owner) == 1  # read from the database, as for a miss
