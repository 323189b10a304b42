"""Reads of the library, already scoped to the bound domain and to what the viewer may see."""

from __future__ import annotations

from django.db.models import Count, Q

from .models import ApprovalStatus, Item


def user_library_counts(*, user) -> dict:
    """Exact counts of ``user``'s live items: ``itemCount``, ``rootFolderItemCount``, ``publicItemCount``.

    One query. Deleted items are excluded; ``publicItemCount`` counts the
    publicly visible ones (approved, public, in a public folder).
    """
    if user is None or user.pk is None:
        return {"itemCount": 0, "rootFolderItemCount": 0, "publicItemCount": 0}
    # The owner pins the domain (a user belongs to exactly one), so no domain filter is needed.
    counts = Item.all_domains.filter(owner_id=user.pk, deleted_at__isnull=True).aggregate(
        itemCount=Count("id"),
        rootFolderItemCount=Count("id", filter=Q(folder__isnull=True)),
        publicItemCount=Count(
            "id",
            filter=Q(
                is_public=True,
                public_approval_status=ApprovalStatus.APPROVED,
                folder__is_public=True,
            ),
        ),
    )
    return {key: int(value or 0) for key, value in counts.items()}
