"""Reads both integrations share: the Items a user may take elsewhere.

An Item may leave the site when its owner asks, it is live (not deleted) and completed: no
generation job of it is queued, running, failed or cancelled (uploaded items have no job).
Another user's private item is indistinguishable from a missing one (404).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q

from aimg_site.api.exceptions import Forbidden, NotFound
from generation.models import GenerationJob, JobStatus
from library.models import Item

from .errors import ItemNotCompleted


def _unfinished_job_q() -> Exists:
    jobs = GenerationJob.all_domains.filter(Q(item_id=OuterRef("pk")) | Q(items=OuterRef("pk"))).exclude(
        status=JobStatus.COMPLETED
    )
    return Exists(jobs)


def owned_items_for_export(*, viewer, item_ids: Iterable[uuid.UUID]) -> list[Item]:
    """``viewer``'s live, completed Items of ``item_ids``, in the order asked.

    ``NotFound`` when one is missing, deleted or another user's private item; ``Forbidden`` for
    another user's publicly visible one (it can be seen, not exported); ``ItemNotCompleted``
    when its generation is not completed.
    """
    ids = list(dict.fromkeys(item_ids))
    visible = Item.objects.visible_to(viewer).select_related("folder")
    rows = {item.pk: item for item in visible.filter(pk__in=ids).annotate(unfinished=_unfinished_job_q())}
    for item_id in ids:
        item = rows.get(item_id)
        if item is None:
            raise NotFound(f"Item {item_id} not found.")
        if viewer is None or item.owner_id != viewer.pk:
            raise Forbidden(f"Only the owner of item {item_id} may take it elsewhere.")
        if item.unfinished:  # type: ignore[attr-defined]
            raise ItemNotCompleted(f"Item {item_id} is not completed yet.")
    return [rows[item_id] for item_id in ids]


def owned_item_for_export(*, viewer, item_id: uuid.UUID) -> Item:
    return owned_items_for_export(viewer=viewer, item_ids=[item_id])[0]


def item_tag_names(*, item: Item) -> list[str]:
    """The item's tag names, in the order they were applied."""
    return list(item.tag_links.order_by("created_at", "id").values_list("tag__name", flat=True))
