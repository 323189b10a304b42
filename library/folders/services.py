"""Writes of folders: create, edit, delete, fill, empty, move between, thumbnails.

Locking: every write that touches folders and items locks the folder rows
first (``SELECT … FOR UPDATE`` ordered by id), then the item rows (ordered by
id), so two writers never wait on each other in opposite orders. Counts are
never stored: ``imageCount`` is a ``COUNT`` of the folder's live items, so it
is exact whatever runs concurrently. Moving an item anywhere (a folder or the
root) sets its ``folder_added_at`` to now and drops its thumbnail links to the
folder it left; every folder that gains or loses items gets ``updated_at`` = now.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from aimg_site.api.exceptions import InvalidParameter, NotFound
from library.models import ApprovalStatus, Folder, FolderThumbnail, Item

from .ids import FolderRef
from .selectors import folder_get_owned, thumbnail_item_ids

MAX_THUMBNAILS = 4
#: How often an add retries when an item changes folder between reading and locking.
LOCK_ATTEMPTS = 3

Mode = Literal["add", "remove", "set"]

MSG_NOT_FOUND = "Item not found."
MSG_NOT_IN_SOURCE = "Item is not in the source folder."
MSG_NOT_PUBLIC = "Item is not approved and public; a public folder takes only those."


# --- bounded collections (thumbnails here, tags in library.tags.services) ----------------------------


@dataclass(frozen=True)
class ChangeResult:
    """The ``{success, modified, actual}`` answer of the add/remove/set endpoints."""

    success: bool
    modified: list
    actual: list


@dataclass(frozen=True)
class ChangePlan:
    new: list
    modified: list
    success: bool


def change_plan(
    mode: Mode, current: list, requested: list, *, asked: int, cap: int, parameter: str
) -> ChangePlan:
    """What an add/remove/set of ``requested`` (valid, distinct values) does to ``current``.

    * add: appends the requested values not there yet, while there is room under ``cap``
      (the rest are not added; ``modified`` says which were);
    * remove: drops the requested values that are there;
    * set: replaces the whole list; more than ``cap`` values asked for (``asked``,
      valid or not) is a 400 naming ``parameter``; when values were asked for and none is
      valid nothing changes and ``success`` is false. ``modified`` lists the values new
      to the list.
    """
    if mode == "add":
        room = max(cap - len(current), 0)
        added = [value for value in requested if value not in current][:room]
        return ChangePlan(new=current + added, modified=added, success=bool(added))
    if mode == "remove":
        removed = [value for value in requested if value in current]
        return ChangePlan(
            new=[value for value in current if value not in removed], modified=removed, success=bool(removed)
        )
    if asked > cap:
        raise InvalidParameter(parameter, f"must not hold more than {cap} values")
    if asked and not requested:
        return ChangePlan(new=current, modified=[], success=False)
    return ChangePlan(
        new=list(requested), modified=[value for value in requested if value not in current], success=True
    )


# --- locking ---------------------------------------------------------------------------------


def _lock_folders(folder_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Folder]:
    ids = set(folder_ids)
    if not ids:
        return {}
    rows = Folder.objects.select_for_update().filter(id__in=ids).order_by("id")
    return {folder.id: folder for folder in rows}


def _owned_live_items(owner, item_ids: list[uuid.UUID]) -> QuerySet[Item]:
    if owner is None:
        return Item.objects.none()
    return Item.objects.filter(id__in=item_ids, owner=owner, deleted_at__isnull=True)


def _lock_items(owner, item_ids: list[uuid.UUID]) -> dict[uuid.UUID, Item]:
    rows = _owned_live_items(owner, item_ids).select_for_update().order_by("id")
    return {item.id: item for item in rows}


def _resolve(folders: dict[uuid.UUID, Folder], ref: FolderRef | None, owner) -> Folder | None:
    """The locked folder ``ref`` names, checked like ``folder_get_owned``; None is the root."""
    if ref is None:
        return None
    folder = folders.get(ref.id)
    if folder is None or owner is None or folder.owner_id != owner.id or folder.is_public != ref.is_public:
        raise NotFound("Folder not found.")
    return folder


def _eligible_for(destination: Folder | None, item: Item) -> bool:
    """A public folder takes only approved items marked public (Annex: Public Items Approval Workflow)."""
    if destination is None or not destination.is_public:
        return True
    return item.is_public and item.public_approval_status == ApprovalStatus.APPROVED


def _relocate(items: list[Item], destination: Folder | None) -> list[Item]:
    """Put the locked ``items`` in ``destination`` (None: the root); returns those that moved."""
    target_id = destination.id if destination is not None else None
    moving = [item for item in items if item.folder_id != target_id]
    if not moving:
        return []
    now = timezone.now()
    ids = [item.id for item in moving]
    Item.objects.filter(id__in=ids).update(folder=destination, folder_added_at=now)
    stale = FolderThumbnail.objects.filter(item_id__in=ids)
    if destination is not None:
        stale = stale.exclude(folder=destination)
    stale.delete()
    touched = {item.folder_id for item in moving if item.folder_id is not None}
    if target_id is not None:
        touched.add(target_id)
    Folder.objects.filter(id__in=touched).update(updated_at=now)
    for item in moving:
        item.folder, item.folder_added_at = destination, now
    return moving


# --- folders ---------------------------------------------------------------------------------


def folder_create(*, owner, is_public: bool, name: str, description: str = "") -> Folder:
    """A new empty folder of ``owner`` (a signed-in user or a guest)."""
    now = timezone.now()
    return Folder.objects.create(
        owner=owner, is_public=is_public, name=name, description=description, created_at=now, updated_at=now
    )


@transaction.atomic
def folder_update(
    *, owner, ref: FolderRef, name: str | None = None, description: str | None = None
) -> Folder:
    """Rename and/or re-describe a folder (``""`` clears the description); bumps ``updated_at``."""
    folder = folder_get_owned(user=owner, ref=ref, for_update=True)
    if name is not None:
        folder.name = name
    if description is not None:
        folder.description = description
    folder.updated_at = timezone.now()
    folder.save(update_fields=["name", "description", "updated_at"])
    return folder


@transaction.atomic
def folder_delete(*, owner, ref: FolderRef) -> int:
    """Delete a folder; its items (deleted ones too) go to the root as if just added there.

    Returns how many items moved. Thumbnail and tag links go with the folder.
    """
    folder = folder_get_owned(user=owner, ref=ref, for_update=True)
    moved = Item.objects.filter(folder=folder).update(folder=None, folder_added_at=timezone.now())
    folder.delete()
    return moved


def folder_add_items(*, owner, ref: FolderRef, item_ids: list[uuid.UUID]) -> bool:
    """Put ``owner``'s live items in the folder, taking them from wherever they are.

    Unknown, deleted and other users' items are skipped, and so are items a
    public folder refuses (not approved or not marked public). True when at
    least one requested item is in the folder afterwards (items already there
    count, but keep their ``folder_added_at``).
    """
    for attempt in range(LOCK_ATTEMPTS):
        with transaction.atomic():
            sources = set(
                _owned_live_items(owner, item_ids)
                .exclude(folder__isnull=True)
                .values_list("folder_id", flat=True)
            )
            folders = _lock_folders({ref.id} | sources)
            destination = _resolve(folders, ref, owner)
            items = _lock_items(owner, item_ids).values()
            last_attempt = attempt == LOCK_ATTEMPTS - 1
            if not last_attempt and any(i.folder_id and i.folder_id not in folders for i in items):
                continue  # an item moved to a folder we have not locked: read again
            accepted = [item for item in items if _eligible_for(destination, item)]
            _relocate(accepted, destination)
            return bool(accepted)
    raise AssertionError("unreachable")  # pragma: no cover


@transaction.atomic
def items_move(
    *, owner, source: FolderRef | None, destination: FolderRef | None, item_ids: list[uuid.UUID]
) -> list[dict]:
    """Move items from ``source`` to ``destination`` (None: the root), one outcome per item.

    Both folders must be ``owner``'s (else 404) and differ (else 400). An item
    moves when it is ``owner``'s, live, in ``source``, and (for a public
    destination) approved and marked public; otherwise its outcome says why.
    """
    if source == destination:
        raise InvalidParameter("destinationFolderID", "must differ from sourceFolderID")
    folders = _lock_folders(ref.id for ref in (source, destination) if ref is not None)
    source_folder = _resolve(folders, source, owner)
    target = _resolve(folders, destination, owner)
    source_id = source_folder.id if source_folder is not None else None
    items = _lock_items(owner, item_ids)
    outcomes, movable = [], []
    for item_id in item_ids:
        item = items.get(item_id)
        if item is None:
            message = MSG_NOT_FOUND
        elif item.folder_id != source_id:
            message = MSG_NOT_IN_SOURCE
        elif not _eligible_for(target, item):
            message = MSG_NOT_PUBLIC
        else:
            movable.append(item)
            outcomes.append({"id": str(item_id), "success": True})
            continue
        outcomes.append({"id": str(item_id), "success": False, "message": message})
    _relocate(movable, target)
    return outcomes


def folder_remove_items(*, owner, ref: FolderRef, item_ids: list[uuid.UUID]) -> bool:
    """Move the folder's requested items to the root; true when at least one was in it."""
    outcomes = items_move(owner=owner, source=ref, destination=None, item_ids=item_ids)
    return any(outcome["success"] for outcome in outcomes)


@transaction.atomic
def folder_thumbnails_change(*, owner, ref: FolderRef, item_ids: list[uuid.UUID], mode: Mode) -> ChangeResult:
    """Add, remove or set a folder's thumbnails (at most ``MAX_THUMBNAILS``, in order).

    Only live items in the folder can be thumbnails; other ids are skipped.
    The folder row is locked, so concurrent calls never exceed the cap.
    """
    folder = folder_get_owned(user=owner, ref=ref, for_update=True)
    current = thumbnail_item_ids(folder)
    valid = set(_owned_live_items(owner, item_ids).filter(folder=folder).values_list("id", flat=True))
    requested = [item_id for item_id in item_ids if item_id in valid or mode == "remove"]
    plan = change_plan(
        mode, current, requested, asked=len(item_ids), cap=MAX_THUMBNAILS, parameter="imageIDs"
    )
    if plan.new != current:
        FolderThumbnail.objects.filter(folder=folder).delete()
        FolderThumbnail.objects.bulk_create(
            FolderThumbnail(folder=folder, item_id=item_id, position=position)
            for position, item_id in enumerate(plan.new)
        )
        Folder.objects.filter(pk=folder.pk).update(updated_at=timezone.now())
    return ChangeResult(
        success=plan.success,
        modified=[str(value) for value in plan.modified],
        actual=[str(value) for value in plan.new],
    )
