"""Staff commands: set_abuse_level and disable_user (thin wrappers on the services, audited)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from aimg_site.core.models import AuditLogEntry
from aimg_site.core.scoping import domain_context
from tests.support.assertions import assert_envelope
from tests.support.factories.library import ItemFactory

from .conftest import prove_email


def test_set_abuse_level_sets_it_ends_sessions_at_9_and_writes_the_audit_log(api, owner, capsys):
    call_command("set_abuse_level", "--email", "OWNER@example.com", "--level", "9")
    assert User.objects.get(pk=owner.user.pk).abuse_level == 9
    assert api.get("/getSelfUser", persona=owner).payload["isAuthenticated"] is False
    entry = AuditLogEntry.objects.get()
    assert entry.action == "set_abuse_level" and entry.target_id == str(owner.user.id)
    assert entry.details == {"via": "command", "from": 0, "abuse": 9}
    assert "0 -> 9" in capsys.readouterr().out


def test_set_abuse_level_refuses_levels_outside_0_to_9(owner):
    with pytest.raises(CommandError):
        call_command("set_abuse_level", "--email", "owner@example.com", "--level", "10")
    assert User.objects.get(pk=owner.user.pk).abuse_level == 0


def test_set_abuse_level_on_an_unknown_email_fails(owner):
    with pytest.raises(CommandError, match="No user"):
        call_command("set_abuse_level", "--email", "nobody@example.com", "--level", "1")


def test_commands_act_in_the_given_domain(owner, other_domain):
    with domain_context(other_domain):
        twin = User.objects.create_user(email="owner@example.com")
    call_command("set_abuse_level", "--email", "owner@example.com", "--level", "1", "--domain", "sexy.ai")
    assert User.all_domains.get(pk=twin.pk).abuse_level == 1
    assert User.objects.get(pk=owner.user.pk).abuse_level == 0
    with pytest.raises(CommandError, match="Unknown domain"):
        call_command("disable_user", "--email", "owner@example.com", "--domain", "nowhere.example")


def test_disable_user_disables_ends_sessions_and_writes_the_audit_log(api, owner):
    item = ItemFactory(owner=owner.user)
    call_command("disable_user", "--email", "owner@example.com")
    user = User.objects.get(pk=owner.user.pk)
    assert user.is_disabled and user.deleted_at is not None
    assert api.get("/getSelfUser", persona=owner).payload["userID"] == ""
    assert item.__class__.objects.get(pk=item.pk).deleted_at is None
    assert AuditLogEntry.objects.get().action == "disable_user"


def test_disable_user_can_delete_items(owner):
    item = ItemFactory(owner=owner.user)
    call_command("disable_user", "--email", "owner@example.com", "--delete-items")
    assert item.__class__.objects.get(pk=item.pk).deleted_at is not None


def test_a_disabled_user_cannot_sign_in_afterwards(api, make_user, guest):
    prove_email(make_user("pw@example.com", password="Sunny-Day-42").user)
    call_command("disable_user", "--email", "pw@example.com")
    response = api.post("/authenticateUser", persona=guest, email="pw@example.com", password="Sunny-Day-42")
    assert_envelope(response, 403)
