"""The staff console at /console/: users, admin keys and the audit log."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from accounts.admin_keys.selectors import admin_key_digest, admin_key_find
from accounts.models import AdminKey, ProfilePicture, Session, User
from accounts.signin.services import user_sign_in
from aimg_site.core.models import AuditLogEntry
from aimg_site.core.scoping import domain_context
from aimg_site.core.services import audit_log_record


@pytest.fixture
def console(make_user):
    persona = make_user("staff@example.com", is_staff=True, roles=["admin"], password="Sunny-Day-42")
    client = Client(HTTP_HOST="api.freejourney.ai")
    client.force_login(persona.user, backend="accounts.backends.DomainEmailBackend")
    client.staff = persona.user
    return client


@pytest.fixture
def moderator_console(make_user):
    persona = make_user("mod@example.com", is_staff=True, roles=["moderator"])
    client = Client(HTTP_HOST="api.freejourney.ai")
    client.force_login(persona.user, backend="accounts.backends.DomainEmailBackend")
    return client


def test_users_are_searchable_by_email_username_and_id(console, owner, other_user):
    for term in ("owner@example.com", "owner", str(owner.user.id)):
        page = console.get("/console/accounts/user/", {"q": term})
        assert page.status_code == 200
        assert str(owner.user.id) in page.content.decode() or "owner@example.com" in page.content.decode()
        assert "other@example.com" not in page.content.decode()


def test_the_console_lists_only_the_hosts_domain(console, owner, other_domain):
    with domain_context(other_domain):
        User.objects.create_user(email="elsewhere@example.com")
    page = console.get("/console/accounts/user/").content.decode()
    assert "owner@example.com" in page and "elsewhere@example.com" not in page


def test_the_user_page_shows_moderation_fields_login_providers_and_sessions(console, owner):
    user_sign_in(user=owner.user, old_session_key=None, login_provider="Password")
    page = console.get(f"/console/accounts/user/{owner.user.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    for text in (
        "abuse_level",
        "profile_picture_banned",
        "additional_information",
        "Login providers",
        "sessions",
    ):
        assert text in html, text
    assert "internal Password" in html


def test_changing_the_abuse_level_in_the_console_goes_through_the_service(console, api, owner):
    page = console.get(f"/console/accounts/user/{owner.user.pk}/change/")
    form = _form_data(page)
    form.update({"abuse_level": "9"})
    response = console.post(f"/console/accounts/user/{owner.user.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.get(pk=owner.user.pk).abuse_level == 9
    assert not Session.objects.filter(user=owner.user).exists()
    assert AuditLogEntry.objects.filter(action="console:change_user", target_id=str(owner.user.pk)).exists()


def test_banning_the_picture_in_the_console_removes_it(console, owner):
    ProfilePicture.objects.create(user=owner.user, webp=b"x")
    form = _form_data(console.get(f"/console/accounts/user/{owner.user.pk}/change/"))
    form["profile_picture_banned"] = "on"
    assert console.post(f"/console/accounts/user/{owner.user.pk}/change/", form).status_code == 302
    assert User.objects.get(pk=owner.user.pk).profile_picture_banned is True
    assert not ProfilePicture.objects.filter(user=owner.user).exists()


def test_a_key_created_in_the_console_is_shown_once_and_works(console, owner):
    response = console.post(
        "/console/accounts/adminkey/add/", {"user": str(owner.user.pk), "name": "laptop"}, follow=True
    )
    assert response.status_code == 200 and response.redirect_chain[0][1] == 302
    raw = re.search(r"shown only this once: (aimg_[A-Za-z0-9_\-]+)", response.content.decode()).group(1)
    key = AdminKey.objects.get(user=owner.user)
    assert key.key_digest == admin_key_digest(raw) and key.name == "laptop"
    assert admin_key_find(raw_key=raw) == key
    assert raw not in console.get(f"/console/accounts/adminkey/{key.pk}/change/").content.decode()
    assert AuditLogEntry.objects.filter(action="create_admin_key").exists()


def test_keys_can_be_revoked_from_the_console(console, admin):
    key = AdminKey.objects.get(user=admin.user)
    response = console.post(
        "/console/accounts/adminkey/", {"action": "revoke_keys", "_selected_action": [str(key.pk)]}
    )
    assert response.status_code == 302
    assert admin_key_find(raw_key=admin.admin_key) is None


def test_the_audit_log_is_visible_and_read_only(console, owner):
    entry = audit_log_record(action="getUser", target=owner.user)
    assert console.get("/console/core/auditlogentry/").status_code == 200
    assert console.get(f"/console/core/auditlogentry/{entry.pk}/change/").status_code == 200
    assert console.get("/console/core/auditlogentry/add/").status_code == 403
    form = {"action": "tampered"}
    console.post(f"/console/core/auditlogentry/{entry.pk}/change/", form)
    assert AuditLogEntry.objects.get(pk=entry.pk).action == "getUser"


def test_moderators_may_view_users_but_not_change_them_or_manage_keys(moderator_console, owner):
    assert moderator_console.get("/console/accounts/user/").status_code == 200
    form = {"abuse_level": "9", "username": "x", "roles": "[]"}
    moderator_console.post(f"/console/accounts/user/{owner.user.pk}/change/", form)
    assert User.objects.get(pk=owner.user.pk).abuse_level == 0
    assert moderator_console.get("/console/accounts/adminkey/").status_code == 403


def test_staff_without_a_role_see_nothing(make_user, owner):
    persona = make_user("plain-staff@example.com", is_staff=True)
    client = Client(HTTP_HOST="api.freejourney.ai")
    client.force_login(persona.user, backend="accounts.backends.DomainEmailBackend")
    assert client.get("/console/accounts/user/").status_code == 403


def _form_data(page) -> dict:
    """The change form's current values, as the browser would post them back."""
    context = page.context
    adminform = context["adminform"]
    data = {}
    for name, field in adminform.form.fields.items():
        value = adminform.form.initial.get(name, field.initial)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is None:
            data[name] = ""
        elif isinstance(value, list | dict):
            data[name] = json.dumps(value)
        else:
            data[name] = str(value)
    for formset in context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
    return data


def test_a_console_session_ends_when_its_staff_user_is_deleted(console):
    assert console.get("/console/accounts/user/").status_code == 200
    User.objects.filter(pk=console.staff.pk).update(is_disabled=True)
    page = console.get("/console/accounts/user/")
    assert page.status_code == 302 and "/console/login/" in page["Location"]


def test_a_console_session_ends_when_its_staff_user_reaches_abuse_level_9(console):
    User.objects.filter(pk=console.staff.pk).update(abuse_level=9)
    page = console.get("/console/accounts/user/")
    assert page.status_code == 302 and "/console/login/" in page["Location"]


def test_a_deleted_staff_user_cannot_sign_in_to_the_console(console):
    User.objects.filter(pk=console.staff.pk).update(is_disabled=True)
    client = Client(HTTP_HOST="api.freejourney.ai")
    page = client.post(
        "/console/login/?next=/console/", {"username": "staff@example.com", "password": "Sunny-Day-42"}
    )
    assert page.status_code == 200  # the form again, not a redirect into the console
    assert client.get("/console/accounts/user/").status_code == 302


def test_console_passwords_cannot_be_guessed_without_limit(console):
    client = Client(HTTP_HOST="api.freejourney.ai")
    for attempt in range(10):
        client.post(
            "/console/login/?next=/console/",
            {"username": "staff@example.com", "password": f"guess-{attempt}"},
        )
    page = client.post(
        "/console/login/?next=/console/", {"username": "staff@example.com", "password": "Sunny-Day-42"}
    )
    assert page.status_code == 200  # refused: the form again, not a redirect into the console
    assert client.get("/console/accounts/user/").status_code == 302


def test_a_key_created_in_the_console_is_audited_with_the_client_address_and_request_id(console, owner):
    response = console.post(
        "/console/accounts/adminkey/add/",
        {"user": str(owner.user.pk), "name": "laptop"},
        REMOTE_ADDR="203.0.113.9",
        headers={"X-Request-ID": "console-req-1"},
    )
    assert response.status_code == 302
    entry = AuditLogEntry.objects.get(action="create_admin_key")
    assert entry.client_address == "203.0.113.9"
    assert entry.request_id == "console-req-1"
    assert entry.actor == console.staff


def test_console_changes_and_revocations_are_audited_with_the_client_address(console, admin):
    key = AdminKey.objects.get(user=admin.user)
    console.post(
        "/console/accounts/adminkey/",
        {"action": "revoke_keys", "_selected_action": [str(key.pk)]},
        REMOTE_ADDR="203.0.113.10",
    )
    entry = AuditLogEntry.objects.get(action="revoke_admin_key")
    assert entry.client_address == "203.0.113.10" and entry.request_id
