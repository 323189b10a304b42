"""X-Session-ID: validation, anonymous sessions, guests, rotation, expiry, last-seen throttling."""

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Session, User
from accounts.sessions.selectors import session_digest, session_resolve
from accounts.sessions.services import session_end, session_rotate, sessions_end_for_user
from tests.support.assertions import assert_envelope
from tests.support.concurrency import race_calls
from tests.support.personas import Persona

pytestmark = pytest.mark.urls("tests.platform.urls")


def test_a_malformed_session_id_is_a_400_naming_the_header(api):
    response = assert_envelope(api.get("/testEcho", headers={"X-Session-ID": "not-a-uuid"}), 400)
    assert "X-Session-ID" in response.error


def test_a_missing_session_id_is_a_400_where_the_endpoint_needs_one(api):
    response = assert_envelope(api.get("/testEcho"), 400)
    assert "X-Session-ID" in response.error


def test_an_endpoint_that_creates_sessions_issues_a_new_id_when_the_header_is_missing(api):
    response = assert_envelope(api.get("/testCreateSession"))
    issued = response.payload["sessionID"]
    assert uuid.UUID(issued)
    assert response.headers["X-Session-ID"] == issued


def test_a_never_seen_uuid_is_an_anonymous_session_that_costs_no_row(api, guest):
    assert_envelope(api.get("/testEcho", persona=guest))
    assert not Session.objects.filter(key_digest=session_digest(uuid.UUID(guest.session_id))).exists()


def test_a_guest_user_is_made_once_when_an_anonymous_session_first_writes(api, guest):
    first = assert_envelope(api.post("/testOwner", persona=guest)).payload
    second = assert_envelope(api.post("/testOwner", persona=guest)).payload
    assert first == second and first["isGuest"] is True
    assert User.objects.filter(is_guest=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_writes_of_one_session_make_one_guest(api):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    from tests.support.client import ApiClient

    persona = Persona(session_id=str(uuid.uuid4()))
    results = race_calls([lambda: ApiClient().post("/testOwner", persona=persona).payload["userID"]] * 8)
    assert len(set(results)) == 1
    assert User.objects.filter(is_guest=True).count() == 1


def test_the_session_user_is_the_request_user(api, owner):
    assert assert_envelope(api.get("/testEcho", persona=owner)).payload["user"] == str(owner.user.id)


def test_rotation_gives_a_new_id_and_the_old_one_stops_working(api, owner):
    old = uuid.UUID(owner.session_id)
    new, previous_guest = session_rotate(old_key=old, user=owner.user)
    assert new != old and previous_guest is None
    assert api.get("/testEcho", persona=owner).payload["user"] is None
    assert api.get("/testEcho", persona=Persona(session_id=str(new))).payload["user"] == str(owner.user.id)


def test_rotation_reports_the_guest_that_the_old_session_carried(api, guest, owner):
    guest_id = assert_envelope(api.post("/testOwner", persona=guest)).payload["userID"]
    _new, previous_guest = session_rotate(old_key=uuid.UUID(guest.session_id), user=owner.user)
    assert str(previous_guest.id) == guest_id


def test_an_idle_session_expires_after_the_configured_days(api, owner, settings):
    Session.objects.update(
        last_seen_at=timezone.now() - dt.timedelta(days=settings.AIMG_SESSION_IDLE_DAYS, seconds=1)
    )
    assert api.get("/testEcho", persona=owner).payload["user"] is None
    assert not Session.objects.filter(user=owner.user).exists()


def test_a_session_used_within_the_idle_window_stays(api, owner, settings):
    Session.objects.update(
        last_seen_at=timezone.now() - dt.timedelta(days=settings.AIMG_SESSION_IDLE_DAYS - 1)
    )
    assert api.get("/testEcho", persona=owner).payload["user"] == str(owner.user.id)


def test_reads_refresh_last_seen_only_after_the_throttle_interval(owner, settings, django_assert_num_queries):
    key = uuid.UUID(owner.session_id)
    recent = timezone.now() - dt.timedelta(seconds=settings.AIMG_SESSION_TOUCH_SECONDS - 30)
    Session.objects.update(last_seen_at=recent)
    with django_assert_num_queries(1):  # the read only
        session_resolve(key=key)
    assert Session.objects.get().last_seen_at == recent
    stale = timezone.now() - dt.timedelta(seconds=settings.AIMG_SESSION_TOUCH_SECONDS + 30)
    Session.objects.update(last_seen_at=stale)
    with django_assert_num_queries(2):  # the read and one conditional UPDATE
        session_resolve(key=key)
    assert Session.objects.get().last_seen_at > stale


def test_signing_out_ends_only_that_session(owner):
    assert session_end(key=uuid.UUID(owner.session_id)) is True
    assert session_end(key=uuid.UUID(owner.session_id)) is False


def test_ending_all_sessions_but_one(owner):
    keep, _ = session_rotate(old_key=None, user=owner.user)
    session_rotate(old_key=None, user=owner.user)
    assert sessions_end_for_user(user=owner.user, except_key=keep) == 2
    assert session_resolve(key=keep) is not None


def test_only_a_digest_of_the_session_id_is_stored(owner):
    row = Session.objects.get(user=owner.user)
    assert owner.session_id not in row.key_digest and len(row.key_digest) == 64


def test_a_disabled_user_is_not_the_request_user(api, owner):
    User.objects.filter(pk=owner.user.pk).update(is_disabled=True)
    assert api.get("/testEcho", persona=owner).payload["user"] is None


def test_a_session_of_one_domain_is_unknown_on_another(owner):
    from tests.support.client import ApiClient

    assert ApiClient("api.sexy.ai").get("/testEcho", persona=owner).payload["user"] is None


@pytest.mark.parametrize("change", [{"is_disabled": True}, {"abuse_level": 9}, {"is_active": False}])
def test_a_session_that_outlived_its_users_deletion_or_ban_is_ended_on_sight(api, owner, change):
    # The services end sessions when they delete or ban; a request already under way (or a
    # direct update) could leave one behind. It must never act for that user again.
    User.objects.filter(pk=owner.user.pk).update(**change)
    response = assert_envelope(api.post("/testOwner", persona=owner), 200)
    assert response.payload["userID"] != str(owner.user.pk) and response.payload["isGuest"] is True
    assert not Session.objects.filter(user=owner.user).exists()
