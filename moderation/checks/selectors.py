"""Reads of what moderation knows about authors: flagged and high-heat item counts.

Both are counted from the reports, so they are exact whatever path changed them
and cannot be raised twice for one item:

* **flagged**: the author's items with at least one accepted report (an item
  counts once however many of its reports were accepted, and keeps counting
  after it is deleted, which accepting does, or restored);
* **high heat**: the author's live items with a pending report in the
  high-heat system queue.

``getUser``'s ``flaggedImagesCount`` / ``highHeatImagesCount`` and
``/2/getUserSession``'s ``flaggedImagesCount`` read ``user_flag_counts``.
"""

from __future__ import annotations

from django.db.models import Count

from library.models import Item
from moderation.models import ItemReport, QueueKind, ReportStatus


def users_flagged_counts(*, user_ids) -> dict:
    """``{user_id: flagged item count}`` for ``user_ids`` (users without any are left out)."""
    rows = (
        Item.all_domains.filter(owner_id__in=list(user_ids), reports__status=ReportStatus.ACCEPTED)
        .values("owner_id")
        .annotate(n=Count("id", distinct=True))
    )
    return {row["owner_id"]: row["n"] for row in rows}


def user_flag_counts(*, user) -> dict[str, int]:
    """``{"flaggedImagesCount": n, "highHeatImagesCount": m}`` of ``user`` (0 and 0 for ``None``)."""
    if user is None or user.pk is None:
        return {"flaggedImagesCount": 0, "highHeatImagesCount": 0}
    flagged = users_flagged_counts(user_ids=[user.pk]).get(user.pk, 0)
    high_heat = (
        ItemReport.all_domains.filter(
            item__owner_id=user.pk,
            item__deleted_at__isnull=True,
            queue__kind=QueueKind.HIGH_HEAT,
            status=ReportStatus.PENDING,
        )
        .values("item_id")
        .distinct()
        .count()
    )
    return {"flaggedImagesCount": flagged, "highHeatImagesCount": high_heat}
