"""Becoming staff needs a proven email (issue 13, item 1).

``createUser`` registers any address with a password and no proof. Before,
``create_admin_key --email that@address`` (or a key or the staff flag given in
the console) made that account staff with the registrant's password, and the
registrant then signed in to ``/console/``. Now every path goes through
``accounts.users.services.user_grant_staff``: an account whose email nobody
ever proved (no OTP sign-in, no OAuth link) first loses its password and every
session, so only whoever receives the address's codes can use it, and the
command or console says so.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import AdminKey, Session, User, UserLoginProvider
from accounts.sessions.services import session_rotate
from accounts.users.services import user_grant_staff
from aimg_site.api.exceptions import Conflict
from tests.conftest import ApiClient, Persona, assert_envelope

from .conftest import STRONG_PASSWORD
from .test_admin_console import _form_data, console

__all__ = ["console"]  # the fixture, used by name


@pytest.fixture
def squatter(guest) -> Persona:
    """Someone who registered victim@example.com with a password and never proved the address."""
    response = ApiClient().post(
        "/createUser", persona=guest, email="victim@example.com", password=STRONG_PASSWORD
    )
    user = User.objects.get(email="victim@example.com")
    return Persona(session_id=assert_envelope(response).payload["sessionID"], user=user)


def console_login(password: str = STRONG_PASSWORD, email: str = "victim@example.com") -> Client:
    client = Client(HTTP_HOST="api.freejourney.ai")
    client.post("/console/login/?next=/console/", {"username": email, "password": password})
    return client


def signed_in_to_console(client: Client) -> bool:
    return client.get("/console/accounts/adminkey/").status_code == 200


def create_admin_key(email: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("create_admin_key", "--email", email, stdout=out, stderr=err)
    return out.getvalue().strip().splitlines()[-1], err.getvalue()


def test_the_command_removes_the_password_and_sessions_of_an_unproven_account_and_says_so(api, squatter):
    raw_key, said = create_admin_key("victim@example.com")
    user = User.objects.get(pk=squatter.user.pk)
    assert user.is_staff and "admin" in user.roles
    assert not user.has_usable_password()
    assert not Session.objects.filter(user=user).exists()
    assert "never proven" in said and "password was removed" in said and "1 session" in said
    # The registrant can use neither the console nor the API with their password or their session.
    assert not signed_in_to_console(console_login())
    assert assert_envelope(api.get("/getSelfUser", persona=squatter)).payload["isAuthenticated"] is False
    refused = api.post(
        "/authenticateUser",
        persona=Persona(session_id=squatter.session_id),
        email="victim@example.com",
        password=STRONG_PASSWORD,
    )
    assert_envelope(refused, 401)
    assert raw_key.startswith("aimg_")


def test_the_command_keeps_the_password_of_a_proven_account(make_user):
    persona = make_user("proven@example.com", password=STRONG_PASSWORD)
    UserLoginProvider.objects.create(
        user=persona.user, provider_id="OTP", last_used_at=persona.user.created_at
    )
    _raw, said = create_admin_key("proven@example.com")
    user = User.objects.get(pk=persona.user.pk)
    assert user.is_staff and user.check_password(STRONG_PASSWORD)
    assert Session.objects.filter(user=user).exists()
    assert "now staff" in said and "never proven" not in said
    assert signed_in_to_console(console_login(email="proven@example.com"))


def test_a_new_address_becomes_a_staff_account_without_a_password(make_user):
    _raw, said = create_admin_key("fresh@example.com")
    user = User.objects.get(email="fresh@example.com")
    assert user.is_staff and not user.has_usable_password()
    assert "never proven" not in said


def test_a_key_added_in_the_console_secures_an_unproven_account_first(console, squatter):
    response = console.post(
        "/console/accounts/adminkey/add/", {"user": str(squatter.user.pk), "name": "x"}, follow=True
    )
    page = response.content.decode()
    assert "never proven" in page and "password was removed" in page
    user = User.objects.get(pk=squatter.user.pk)
    assert user.is_staff and not user.has_usable_password()
    assert not Session.objects.filter(user=user).exists()
    assert AdminKey.objects.filter(user=user).count() == 1
    assert not signed_in_to_console(console_login())


@pytest.mark.parametrize("change", [{"is_staff": "on"}, {"is_staff": "on", "roles": '["admin"]'}])
def test_making_an_unproven_account_staff_in_the_console_secures_it_first(console, squatter, change):
    url = f"/console/accounts/user/{squatter.user.pk}/change/"
    form = _form_data(console.get(url))
    form.update(change)
    response = console.post(url, form, follow=True)
    assert response.status_code == 200
    assert "never proven" in response.content.decode()
    user = User.objects.get(pk=squatter.user.pk)
    assert user.is_staff and not user.has_usable_password()
    assert not Session.objects.filter(user=user).exists()
    assert not signed_in_to_console(console_login())


def test_other_console_edits_of_an_unproven_account_leave_its_password(console, squatter):
    url = f"/console/accounts/user/{squatter.user.pk}/change/"
    form = _form_data(console.get(url))
    form["username"] = "renamed"
    assert console.post(url, form).status_code == 302
    user = User.objects.get(pk=squatter.user.pk)
    assert user.username == "renamed" and user.has_usable_password() and not user.is_staff


def test_the_owner_then_takes_the_staff_account_with_a_code(api, squatter, guest, issue_code):
    create_admin_key("victim@example.com")
    code = issue_code("victim@example.com")
    response = api.post("/authenticateUser", persona=guest, email="victim@example.com", otp=code)
    payload = assert_envelope(response).payload
    assert payload["userID"] == str(squatter.user.pk) and payload["isAuthenticated"] is True


def test_the_service_reports_what_it_did(make_user):
    persona = make_user("twice@example.com", password=STRONG_PASSWORD)
    session_rotate(old_key=None, user=persona.user)
    grant = user_grant_staff(user=persona.user, roles=["moderator"])
    assert grant.granted and grant.password_removed and grant.sessions_ended == 2
    again = user_grant_staff(user=persona.user, roles=["moderator"])
    assert not again.granted and not again.password_removed and again.sessions_ended == 0
    assert User.objects.get(pk=persona.user.pk).roles == ["moderator"]


def test_a_deleted_account_cannot_become_staff(make_user):
    persona = make_user("gone@example.com", is_disabled=True)
    with pytest.raises(Conflict, match="deleted"):
        user_grant_staff(user=persona.user)


def test_createsuperuser_keeps_the_password_the_operator_typed(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Console!Pass1")
    call_command("createsuperuser", "--noinput", "--email", "boss@example.com", stdout=io.StringIO())
    user = User.objects.get(email="boss@example.com")
    assert user.is_staff and user.is_superuser and user.roles == ["admin"]
    assert user.check_password("Console!Pass1")
    assert signed_in_to_console(console_login("Console!Pass1", "boss@example.com"))
