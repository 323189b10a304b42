"""X-Administration-Key: valid, invalid, revoked, other domain; the commands; the audit log."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.admin_keys.services import admin_key_create, admin_key_revoke
from accounts.models import AdminKey, User
from aimg_site.core.models import AuditLogEntry
from aimg_site.core.services import audit_log_record
from tests.support.assertions import assert_envelope
from tests.support.client import ApiClient
from tests.support.personas import Persona

pytestmark = pytest.mark.urls("tests.platform.urls")


def test_a_valid_key_makes_the_caller_an_admin(api, admin):
    response = assert_envelope(api.get("/testAdminOnly", persona=admin))
    assert response.payload == {"admin": "admin@example.com"}


def test_an_admin_only_endpoint_without_a_key_is_a_403(api, owner):
    response = assert_envelope(api.get("/testAdminOnly", persona=owner), 403)
    assert "X-Administration-Key" in response.error


def test_an_invalid_key_is_a_403_even_where_the_key_is_optional(api, owner):
    persona = Persona(session_id=owner.session_id, admin_key="aimg_not-a-real-key")
    assert_envelope(api.get("/testAdminOnly", persona=persona), 403)
    assert_envelope(api.get("/testAdminOptional", persona=persona), 403)


def test_an_optional_key_endpoint_without_a_key_is_not_admin(api, owner):
    assert assert_envelope(api.get("/testAdminOptional", persona=owner)).payload == {"isAdmin": False}


def test_a_revoked_key_stops_working_at_once(api, admin):
    admin_key_revoke(key=AdminKey.objects.get())
    assert_envelope(api.get("/testAdminOnly", persona=admin), 403)


def test_a_key_works_only_on_its_own_domain(admin):
    assert_envelope(ApiClient("api.sexy.ai").get("/testAdminOnly", persona=admin), 403)


def test_a_key_of_a_disabled_staff_user_stops_working(api, admin):
    User.objects.filter(email="admin@example.com").update(is_disabled=True)
    assert_envelope(api.get("/testAdminOnly", persona=admin), 403)


def test_only_a_digest_of_the_key_is_stored():
    key, raw = admin_key_create(email="staff@example.com")
    assert raw not in key.key_digest and raw.startswith(key.prefix)


def test_create_admin_key_prints_the_key_on_its_last_line_and_makes_a_staff_user(api):
    out = io.StringIO()
    call_command(
        "create_admin_key",
        "--email",
        "boss@example.com",
        "--domain",
        "freejourney.ai",
        stdout=out,
        stderr=io.StringIO(),
    )
    raw = out.getvalue().strip().splitlines()[-1]
    user = User.objects.get(email="boss@example.com")
    assert user.is_staff and "admin" in user.roles
    response = assert_envelope(
        api.get(
            "/testAdminOnly",
            persona=Persona(session_id="6f1c1b57-3a5c-4a63-9b43-1c2d9f1e0a11", admin_key=raw),
        )
    )
    assert response.payload == {"admin": "boss@example.com"}
    assert AuditLogEntry.objects.filter(action="create_admin_key").count() == 1


def test_create_admin_key_refuses_a_bad_email_or_domain():
    with pytest.raises(CommandError):
        call_command(
            "create_admin_key", "--email", "not-an-email", stdout=io.StringIO(), stderr=io.StringIO()
        )
    with pytest.raises(CommandError):
        call_command(
            "create_admin_key",
            "--email",
            "a@b.co",
            "--domain",
            "nope.example",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )


def test_revoke_admin_key_by_email(api, admin):
    call_command("revoke_admin_key", "--email", "admin@example.com", stdout=io.StringIO())
    assert_envelope(api.get("/testAdminOnly", persona=admin), 403)
    assert AuditLogEntry.objects.filter(action="revoke_admin_key").count() == 1


def test_revoke_admin_key_by_prefix(api, admin):
    prefix = admin.admin_key[:12]
    call_command("revoke_admin_key", "--prefix", prefix, stdout=io.StringIO())
    assert_envelope(api.get("/testAdminOnly", persona=admin), 403)


def test_the_audit_log_records_who_did_what_on_what(rf, admin, owner):
    key = AdminKey.objects.get()
    entry = audit_log_record(
        action="setUserAbuseLevel", target=owner.user, admin_key=key, actor=key.user, details={"abuse": 3}
    )
    entry.refresh_from_db()
    assert (entry.action, entry.target_type, entry.target_id) == (
        "setUserAbuseLevel",
        "User",
        str(owner.user.id),
    )
    assert entry.actor == key.user and entry.details == {"abuse": 3}


def test_a_key_of_a_user_no_longer_staff_stops_working(api, admin):
    User.objects.filter(email="admin@example.com").update(is_staff=False)
    assert_envelope(api.get("/testAdminOnly", persona=admin), 403)


def test_a_key_of_a_staff_user_at_abuse_level_9_stops_working(api, admin):
    User.objects.filter(email="admin@example.com").update(abuse_level=9)
    assert_envelope(api.get("/testAdminOnly", persona=admin), 403)
