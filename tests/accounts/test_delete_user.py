"""deleteUser: the signed-in user deletes themselves; Admins delete anyone by userID."""

from __future__ import annotations

import uuid

from accounts.models import User
from accounts.signin.services import user_sign_in
from aimg_site.core.models import AuditLogEntry
from aimg_site.core.scoping import domain_context
from aimg_site.core.selectors import domain_get
from library.models import Item
from tests.support.assertions import assert_envelope
from tests.support.client import ApiClient
from tests.support.factories.library import ItemFactory
from tests.support.personas import Persona

from .conftest import STRONG_PASSWORD, prove_email


def test_a_user_deletes_their_account_and_every_session_ends(api, owner):
    other_key = user_sign_in(user=owner.user, old_session_key=None, login_provider="OTP")
    item = ItemFactory(owner=owner.user)

    response = assert_envelope(api.delete("/deleteUser", persona=owner), 200)

    assert response.payload == {"success": True}
    user = User.objects.get(pk=owner.user.pk)
    assert user.is_disabled is True and user.deleted_at is not None
    assert api.get("/getSelfUser", persona=owner).payload["isAuthenticated"] is False
    assert (
        api.get("/getSelfUser", persona=Persona(session_id=str(other_key))).payload["isAuthenticated"]
        is False
    )
    assert Item.objects.get(pk=item.pk).deleted_at is None
    assert not AuditLogEntry.objects.exists()


def test_delete_items_soft_deletes_the_users_items(api, owner, other_user):
    mine = ItemFactory.create_batch(2, owner=owner.user)
    theirs = ItemFactory(owner=other_user.user)
    assert_envelope(api.delete("/deleteUser", persona=owner, deleteItems=True), 200)
    assert all(Item.objects.get(pk=i.pk).deleted_at is not None for i in mine)
    assert Item.objects.get(pk=theirs.pk).deleted_at is None


def test_a_deleted_user_cannot_sign_in_nor_register_the_email_again(api, make_user, guest):
    # An account that proved its email (a password-only one lets go of it: test_email_squatting.py).
    member = make_user("gone@example.com", password=STRONG_PASSWORD)
    prove_email(member.user)
    api.delete("/deleteUser", persona=member)
    response = api.post(
        "/authenticateUser", persona=guest, email="gone@example.com", password=STRONG_PASSWORD
    )
    assert_envelope(response, 403)
    assert_envelope(
        api.post("/createUser", persona=guest, email="gone@example.com", password=STRONG_PASSWORD), 409
    )


def test_a_user_cannot_delete_someone_else_by_user_id(api, owner, other_user):
    assert_envelope(api.delete("/deleteUser", persona=owner, userID=str(other_user.user.id)), 200)
    assert User.objects.get(pk=other_user.user.pk).is_disabled is False
    assert User.objects.get(pk=owner.user.pk).is_disabled is True


def test_guests_get_a_401(api, guest):
    assert_envelope(api.delete("/deleteUser", persona=guest), 401)


def test_an_admin_deletes_any_user_and_it_is_audited(api, admin, owner):
    ItemFactory(owner=owner.user)
    response = api.delete("/deleteUser", persona=admin, userID=str(owner.user.id), deleteItems=True)
    assert_envelope(response, 200)
    assert User.objects.get(pk=owner.user.pk).is_disabled is True
    assert Item.objects.filter(owner=owner.user, deleted_at__isnull=True).count() == 0
    assert User.objects.get(pk=admin.user.pk).is_disabled is False
    entry = AuditLogEntry.objects.get()
    assert entry.action == "deleteUser" and entry.target_id == str(owner.user.id)
    assert entry.details == {"deleteItems": True}


def test_an_admin_deleting_an_unknown_user_gets_a_404(api, admin):
    assert_envelope(api.delete("/deleteUser", persona=admin, userID=str(uuid.uuid4())), 404)


def test_deleting_twice_keeps_the_first_date(api, admin, owner):
    api.delete("/deleteUser", persona=admin, userID=str(owner.user.id))
    first = User.objects.get(pk=owner.user.pk).deleted_at
    assert_envelope(api.delete("/deleteUser", persona=admin, userID=str(owner.user.id)), 200)
    assert User.objects.get(pk=owner.user.pk).deleted_at == first


def test_an_invalid_admin_key_is_a_403(api, owner):
    assert_envelope(api.delete("/deleteUser", persona=owner, headers={"X-Administration-Key": "bogus"}), 403)
    assert User.objects.get(pk=owner.user.pk).is_disabled is False


def _sexy_ai_member(email: str) -> tuple[User, uuid.UUID]:
    with domain_context(domain_get("sexy.ai")):
        user = User.objects.create_user(email=email)
        key = user_sign_in(user=user, old_session_key=None, login_provider="OTP")
    return user, key


def test_deleting_an_account_leaves_the_same_email_on_another_site_untouched(api, owner):
    twin, twin_key = _sexy_ai_member("owner@example.com")

    assert_envelope(api.delete("/deleteUser", persona=owner, deleteItems=True), 200)

    twin = User.all_domains.get(pk=twin.pk)
    assert twin.is_disabled is False and twin.deleted_at is None
    sexy = ApiClient("api.sexy.ai")
    payload = sexy.get("/getSelfUser", persona=Persona(session_id=str(twin_key))).payload
    assert payload["isAuthenticated"] is True and payload["userID"] == str(twin.pk)


def test_an_admin_cannot_delete_a_user_of_another_site(api, admin):
    stranger, stranger_key = _sexy_ai_member("stranger@example.com")

    assert_envelope(api.delete("/deleteUser", persona=admin, userID=str(stranger.pk)), 404)

    assert User.all_domains.get(pk=stranger.pk).is_disabled is False
    assert not AuditLogEntry.objects.filter(action="deleteUser").exists()
    sexy = ApiClient("api.sexy.ai")
    assert sexy.get("/getSelfUser", persona=Persona(session_id=str(stranger_key))).payload["isAuthenticated"]


def test_an_admin_without_user_id_deletes_their_own_account(api, admin, owner):
    assert_envelope(api.delete("/deleteUser", persona=admin), 200)

    assert User.objects.get(pk=admin.user.pk).is_disabled is True
    assert User.objects.get(pk=owner.user.pk).is_disabled is False
    assert AuditLogEntry.objects.get().target_id == str(admin.user.pk)
