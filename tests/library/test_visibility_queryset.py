"""Item.objects.visible_to(viewer) and friends: the one visibility path, domain-scoped."""

from __future__ import annotations

from django.utils import timezone

from library.models import Item
from tests.library.factories import ItemFactory


def test_visible_to_is_own_live_items_plus_publicly_visible_ones(owner, other_user):
    mine = ItemFactory(owner=owner.user)
    mine_deleted = ItemFactory(owner=owner.user, deleted_at=timezone.now())
    theirs_private = ItemFactory(owner=other_user.user)
    theirs_public = ItemFactory(owner=other_user.user, public=True)
    theirs_public_deleted = ItemFactory(owner=other_user.user, public=True, deleted_at=timezone.now())

    assert set(Item.objects.visible_to(owner.user)) == {mine, theirs_public}
    assert set(Item.objects.visible_to(None)) == {theirs_public}
    assert set(Item.objects.publicly_visible()) == {theirs_public}
    assert set(Item.objects.owned_live(owner.user)) == {mine}
    assert set(Item.objects.deleted()) == {mine_deleted, theirs_public_deleted}
    assert theirs_private not in set(Item.objects.live().visible_to(owner.user))


def test_the_default_manager_keeps_its_domain_scoping(owner, other_domain):
    ItemFactory(owner=owner.user, public=True)
    assert Item.objects.for_domain(other_domain).publicly_visible().count() == 0
    assert Item.all_domains.publicly_visible().count() == 1
