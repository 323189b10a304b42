"""Writes of the library. Every function is keyword-only and atomic."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from .models import Folder, FolderThumbnail, Item, ItemTag


def _soft_delete(items: QuerySet) -> int:
    """Soft-delete the live, unprotected items of ``items``: out of their folders, untagged.

    The caller holds a transaction. Returns how many items were deleted.
    """
    ids = list(items.filter(deleted_at__isnull=True, is_protected=False).values_list("id", flat=True))
    if not ids:
        return 0
    deleted = Item.all_domains.filter(id__in=ids, deleted_at__isnull=True, is_protected=False).update(
        deleted_at=timezone.now(), folder=None
    )
    ItemTag.objects.filter(item_id__in=ids).delete()
    FolderThumbnail.objects.filter(item_id__in=ids).delete()
    return deleted


@transaction.atomic
def items_delete_all_for_user(*, user) -> int:
    """Soft-delete every live, non-protected item of ``user``; returns how many were deleted."""
    return _soft_delete(Item.all_domains.filter(owner_id=user.pk))


@transaction.atomic
def library_transfer_user_items(*, from_user, to_user) -> dict:
    """Move ``from_user``'s live items and folders to ``to_user`` (same domain).

    Deleted items stay with ``from_user``. Returns ``{"items": n, "folders": m}``.
    Used when a guest signs in (their creations follow them) and by ``migrateLibrary``.
    """
    if from_user.domain_id != to_user.domain_id:
        raise ValueError("A library moves only between users of the same domain.")
    if from_user.pk == to_user.pk:
        return {"items": 0, "folders": 0}
    folders = Folder.all_domains.filter(owner_id=from_user.pk).update(owner=to_user)
    items = Item.all_domains.filter(owner_id=from_user.pk, deleted_at__isnull=True).update(owner=to_user)
    return {"items": items, "folders": folders}
