"""A user's live-item counts (``itemCount``, ``rootFolderItemCount``) from their maintained row.

One primary-key read whatever the size of the library: the row is kept by the
database triggers of migration ``0004_library_counts`` (see ``LibraryCounts``).
"""

from __future__ import annotations

from django.db.models import Count, Q

from .models import Item, LibraryCounts

ZERO = {"itemCount": 0, "rootFolderItemCount": 0}


def user_item_counts(*, user) -> dict[str, int]:
    """``itemCount`` and ``rootFolderItemCount`` of ``user`` (zeros for ``None``, an anonymous session)."""
    if user is None or user.pk is None:
        return dict(ZERO)
    row = LibraryCounts.objects.filter(user_id=user.pk).values_list("item_count", "root_item_count").first()
    if row is not None:
        return {"itemCount": row[0], "rootFolderItemCount": row[1]}
    # Every user gets a row when created; one written with the triggers off is counted here instead.
    return user_item_counts_counted(user_id=user.pk)


def user_item_counts_counted(*, user_id) -> dict[str, int]:
    """The same counts, counted from the items (what the maintained row must equal)."""
    counts = Item.all_domains.filter(owner_id=user_id, deleted_at__isnull=True).aggregate(
        itemCount=Count("id"), rootFolderItemCount=Count("id", filter=Q(folder__isnull=True))
    )
    return {key: int(value or 0) for key, value in counts.items()}
