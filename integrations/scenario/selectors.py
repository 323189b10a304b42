"""Reads of the Scenario flow: a user's connection and their Items' upload statuses."""

from __future__ import annotations

import uuid

from django.db.models import OuterRef, Subquery

from aimg_site.api.exceptions import NotFound
from integrations.models import ScenarioConnection, ScenarioUpload
from library.models import Item


def scenario_connection_get(*, user) -> ScenarioConnection | None:
    if user is None:
        return None
    return ScenarioConnection.objects.filter(user=user).first()


def scenario_statuses(*, viewer, item_ids: list[uuid.UUID]) -> list[tuple[uuid.UUID, ScenarioUpload | None]]:
    """For each of ``viewer``'s live items of ``item_ids`` (in order) its latest upload, or None.

    One query for the items and their latest upload ids, one for the uploads. An item that is not
    the viewer's (or is missing, or deleted) is a 404.
    """
    ids = list(dict.fromkeys(item_ids))
    if viewer is None:
        raise NotFound(f"Item {ids[0]} not found.")
    latest = ScenarioUpload.objects.filter(item_id=OuterRef("pk"), user_id=viewer.pk).order_by(
        "-created_at", "-id"
    )
    rows = dict(
        Item.objects.owned_live(viewer)
        .filter(pk__in=ids)
        .annotate(latest_upload=Subquery(latest.values("pk")[:1]))
        .values_list("pk", "latest_upload")
    )
    for item_id in ids:
        if item_id not in rows:
            raise NotFound(f"Item {item_id} not found.")
    uploads = ScenarioUpload.objects.in_bulk([pk for pk in rows.values() if pk is not None])
    return [(item_id, uploads.get(rows[item_id]) if rows[item_id] else None) for item_id in ids]
