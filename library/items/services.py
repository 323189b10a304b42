"""Writes of the library. Every function is keyword-only and atomic.

Concurrency: writes that change an item's counters or state first lock the
items concerned with ``SELECT ... FOR UPDATE`` in id order (so two bulk
calls cannot deadlock on each other), then change rows with conditional
updates and ``F()`` expressions. Reactions and views are unique rows, so a
repeated or concurrent request cannot count twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Case, F, QuerySet, Value, When
from django.utils import timezone

from accounts.models import User
from accounts.sessions.selectors import session_digest
from aimg_site.api import ratelimit
from aimg_site.api.clientip import client_address
from aimg_site.api.errors import ErrorCode
from aimg_site.api.exceptions import Conflict, Forbidden, NotFound
from billing.entitlements import require_tier
from library.models import (
    ApprovalStatus,
    Folder,
    FolderThumbnail,
    Item,
    ItemReaction,
    ItemTag,
    ItemView,
)
from library.signals import items_soft_deleted

#: "A User can only have a maximum of 50 approval request in state pending at any time."
MAX_PENDING_PER_USER = 50

NOT_FOUND = "Item not found."


@dataclass
class Outcome:
    """One item's result in a bulk call (``{"id", "success", "message"?}`` on the wire)."""

    id: str
    success: bool
    message: str | None = None

    def as_dict(self) -> dict:
        data: dict = {"id": self.id, "success": self.success}
        if self.message is not None:
            data["message"] = self.message
        return data


def _lock_items(ids) -> dict[uuid.UUID, Item]:
    """Lock the domain's items ``ids`` (id order, no joins) and return them by id."""
    if not ids:
        return {}
    rows = Item.objects.select_for_update().filter(pk__in=list(ids)).order_by("pk")
    return {item.pk: item for item in rows}


def _lock_owner_items(user) -> None:
    """Lock ``user``'s folders, then live items, each in id order: the order every other
    writer uses (folders before items), so none can deadlock with this one."""
    list(
        Folder.all_domains.select_for_update()
        .filter(owner_id=user.pk)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    list(
        Item.all_domains.select_for_update()
        .filter(owner_id=user.pk, deleted_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _lock_folders_then_items(ids) -> dict[uuid.UUID, Item]:
    """Lock the folders holding the domain's items ``ids``, then the items, each in id order.

    The folder services lock folders before items; a writer that changes
    folders (deleting items touches their folder's ``updated_at``) must do the
    same. An item that moved into a folder not locked yet between the read and
    the lock makes a second round lock that folder too.
    """
    if not ids:
        return {}
    locked_folders: set = set()
    for _ in range(3):
        wanted = set(
            Item.objects.filter(pk__in=list(ids), folder__isnull=False).values_list("folder_id", flat=True)
        )
        missing = wanted - locked_folders
        if not missing:
            break
        list(Folder.objects.select_for_update().filter(pk__in=missing).order_by("pk").values_list("pk"))
        locked_folders |= missing
    return _lock_items(ids)


def items_lock_for_change(*, item_ids) -> dict[uuid.UUID, Item]:
    """Lock the domain's items ``item_ids`` and their folders in the library's lock order (folders,
    then items, each in id order) and return the items by id: for other apps' writes that may then
    delete them (``moderation``'s report closures), so that none deadlocks with the library's own."""
    return _lock_folders_then_items(list(item_ids))


def _visible_ids(ids, *, viewer) -> set:
    """The ids among ``ids`` of live items ``viewer`` may see (own or publicly visible)."""
    return set(Item.objects.visible_to(viewer).filter(pk__in=list(ids)).values_list("pk", flat=True))


def _soft_delete(items: QuerySet) -> int:
    """Soft-delete the live, unprotected items of ``items``: out of their folders, untagged.

    The caller holds a transaction. Returns how many items were deleted.
    """
    rows = list(items.filter(deleted_at__isnull=True, is_protected=False).values_list("id", "folder_id"))
    if not rows:
        return 0
    ids = [pk for pk, _ in rows]
    now = timezone.now()
    deleted = Item.all_domains.filter(id__in=ids, deleted_at__isnull=True, is_protected=False).update(
        deleted_at=now, folder=None
    )
    # The Folder type: "updatedDate" changes when images are added or removed.
    left = {folder_id for _, folder_id in rows if folder_id is not None}
    if left:
        Folder.all_domains.filter(pk__in=left).update(updated_at=now)
    ItemTag.objects.filter(item_id__in=ids).delete()
    FolderThumbnail.objects.filter(item_id__in=ids).delete()
    items_soft_deleted.send(sender=Item, item_ids=ids)
    return deleted


# ---------------------------------------------------------------- creating items


def item_create(
    *,
    owner,
    content: bytes,
    filename: str,
    folder: Folder | None = None,
    **fields,
) -> Item:
    """Store ``content`` under a random name and make a new, private item of ``owner``.

    ``fields`` are ``Item`` fields (generation parameters, ``mtype``,
    ``width``...). The item starts ``is_public`` false with approval status
    ``none``; ``folder`` must belong to ``owner``.

    The file is written first, then the row in its own atomic block; when that
    block fails the file is deleted again, so no orphan stays in the storage.
    (Django has no rollback hook: a caller that wraps this in a larger
    transaction which later rolls back must delete ``item.media`` itself.)
    """
    if folder is not None and folder.owner_id != owner.pk:
        raise ValueError("The folder belongs to another user.")
    fields.pop("is_public", None)
    fields.pop("public_approval_status", None)
    item = Item(owner=owner, folder=folder, **fields)
    item.media.save(filename, ContentFile(content), save=False)
    try:
        with transaction.atomic():
            item.save()
    except BaseException:
        item.media.delete(save=False)
        raise
    return item


# ---------------------------------------------------------------- helpers other apps use


@transaction.atomic
def items_delete_all_for_user(*, user) -> int:
    """Soft-delete every live, non-protected item of ``user``; returns how many were deleted."""
    _lock_owner_items(user)
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
    # Folders before items, each in id order: the lock order of the folder services.
    list(
        Folder.all_domains.select_for_update()
        .filter(owner_id=from_user.pk)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    _lock_owner_items(from_user)
    folders = Folder.all_domains.filter(owner_id=from_user.pk).update(owner=to_user)
    items = Item.all_domains.filter(owner_id=from_user.pk, deleted_at__isnull=True).update(owner=to_user)
    return {"items": items, "folders": folders}


# ---------------------------------------------------------------- views and reactions


#: A client address counts at most one view of an item in this window, whatever the sessions it
#: uses (issue 13): throwaway session ids cannot inflate ``viewCount``.
VIEW_ADDRESS_WINDOW_SECONDS = 24 * 3600


def item_view_record(*, item: Item, session_key, client_address: str | None = None) -> bool:
    """Count one view of ``item`` by the session ``session_key``; False if it was not counted.

    A view counts once per (item, session), ever, and once per (item, client
    address) per ``VIEW_ADDRESS_WINDOW_SECONDS``: a new session from an address
    that already counted a view of the item in the window is recorded (so it
    never counts later either) without growing the counter.
    """
    if session_key is None:
        return False
    try:
        with transaction.atomic():
            ItemView.objects.create(item=item, session_digest=session_digest(session_key))
            address_key = f"{item.pk}:{client_address or 'unknown'}"
            if ratelimit.gate_pass("item-view-address", key=address_key, seconds=VIEW_ADDRESS_WINDOW_SECONDS):
                return False
            Item.objects.filter(pk=item.pk).update(view_count=F("view_count") + 1)
    except IntegrityError:
        return False
    return True


LIKE, DISLIKE = ItemReaction.Kind.LIKE, ItemReaction.Kind.DISLIKE
_COUNTER: dict[str, str] = {LIKE: "like_count", DISLIKE: "dislike_count"}


def _bump(ids, **deltas) -> None:
    if ids:
        Item.objects.filter(pk__in=list(ids)).update(
            **{field: F(field) + delta for field, delta in deltas.items()}
        )


#: Likes and dislikes one client address may add per ``REACTIONS_WINDOW``, whatever the
#: sessions it uses: throwaway guest sessions cannot inflate counters (issue 13).
REACTIONS_PER_ADDRESS = 30
REACTIONS_WINDOW = "10minute"
REACTION_LIMIT = "reaction-address"
ratelimit.register(
    REACTION_LIMIT,
    f"{REACTIONS_PER_ADDRESS}/{REACTIONS_WINDOW}",
    "Too many likes or dislikes from this address.",
)


def reaction_count_address(request) -> None:
    """Count one like/dislike request against its client address (``RateLimited`` past the limit)."""
    ratelimit.hit(REACTION_LIMIT, key=client_address(request) or "unknown")


@transaction.atomic
def items_react(*, user, item_ids: list[uuid.UUID], kind: str) -> list[Outcome]:
    """Like (``kind="like"``) or dislike each item; the opposite reaction, if any, is replaced.

    Idempotent: reacting again changes nothing. Items ``user`` cannot see fail
    with "Item not found.".
    """
    other = DISLIKE if kind == LIKE else LIKE
    visible = _visible_ids(item_ids, viewer=user)
    locked = {pk: item for pk, item in _lock_items(visible).items() if item.deleted_at is None}
    existing = dict(
        ItemReaction.objects.filter(user_id=user.pk, item_id__in=list(locked)).values_list("item_id", "kind")
    )
    new = [item_id for item_id in locked if item_id not in existing]
    switched = [item_id for item_id, current in existing.items() if current == other]
    if new:
        ItemReaction.objects.bulk_create(
            [ItemReaction(item_id=item_id, user_id=user.pk, kind=kind) for item_id in new]
        )
        _bump(new, **{_COUNTER[kind]: 1})
    if switched:
        ItemReaction.objects.filter(user_id=user.pk, item_id__in=switched, kind=other).update(kind=kind)
        _bump(switched, **{_COUNTER[kind]: 1, _COUNTER[other]: -1})
    return [
        Outcome(str(item_id), True) if item_id in locked else Outcome(str(item_id), False, NOT_FOUND)
        for item_id in item_ids
    ]


@transaction.atomic
def items_unreact(*, user, item_ids: list[uuid.UUID], kind: str) -> list[Outcome]:
    """Remove ``user``'s like (or dislike) of each item; idempotent (no reaction = success)."""
    visible = _visible_ids(item_ids, viewer=user)
    if user is None:  # a session without a user has no reactions: nothing to remove
        return [
            Outcome(str(item_id), True) if item_id in visible else Outcome(str(item_id), False, NOT_FOUND)
            for item_id in item_ids
        ]
    locked = {pk: item for pk, item in _lock_items(visible).items() if item.deleted_at is None}
    removable = list(
        ItemReaction.objects.filter(user_id=user.pk, item_id__in=list(locked), kind=kind).values_list(
            "item_id", flat=True
        )
    )
    if removable:
        ItemReaction.objects.filter(user_id=user.pk, item_id__in=removable, kind=kind).delete()
        _bump(removable, **{_COUNTER[kind]: -1})
    return [
        Outcome(str(item_id), True) if item_id in locked else Outcome(str(item_id), False, NOT_FOUND)
        for item_id in item_ids
    ]


# ---------------------------------------------------------------- owner's properties


@transaction.atomic
def item_set_properties(
    *, owner, item_id: uuid.UUID, is_public: bool | None = None, approval_status: str | None = None
) -> Item:
    """The owner's side of "Annex: Public Items Approval Workflow".

    * ``approval_status``: ``pending`` (submit; at most ``MAX_PENDING_PER_USER``
      pending per user, counted under a lock on the user's row) or ``none``
      (withdraw) while the item is ``none``/``pending``; ``approved`` and
      ``rejected`` are Admin decisions (403) and final for the owner (409).
    * ``is_public``: editable once approved (409 before); ``false`` is always allowed.

    Everything is checked before anything is written. Another user's item is
    ``NotFound`` (a publicly visible one is ``Forbidden``).
    """
    if owner is None:
        raise NotFound(NOT_FOUND)
    # Lock order user -> items, as in ``library_migrate``; it also serializes this
    # user's submissions so that the pending cap holds under concurrency.
    User.objects.select_for_update().filter(pk=owner.pk).first()
    item = Item.objects.select_for_update().filter(pk=item_id, deleted_at__isnull=True).first()
    if item is None:
        raise NotFound(NOT_FOUND)
    if item.owner_id != owner.pk:
        if _is_publicly_visible(item):
            raise Forbidden("Only the owner can change this item.")
        raise NotFound(NOT_FOUND)

    current = item.public_approval_status
    final = current in (ApprovalStatus.APPROVED, ApprovalStatus.REJECTED)
    status_after = current
    if approval_status is not None and approval_status != current:
        if approval_status in (ApprovalStatus.APPROVED, ApprovalStatus.REJECTED):
            raise Forbidden("Only an Admin can approve or reject an item.")
        if final:
            raise Conflict(f"The item is already {current}; its approval status cannot change any more.")
        status_after = approval_status
    elif approval_status is not None and final:
        raise Conflict(f"The item is already {current}; its approval status cannot change any more.")
    if is_public and status_after != ApprovalStatus.APPROVED:
        raise Conflict("isPublic can only be set once the item is approved.")

    if status_after == ApprovalStatus.PENDING and current != ApprovalStatus.PENDING:
        pending = Item.objects.filter(
            owner_id=owner.pk, deleted_at__isnull=True, public_approval_status=ApprovalStatus.PENDING
        ).count()
        if pending >= MAX_PENDING_PER_USER:
            raise Conflict(
                f"You already have {MAX_PENDING_PER_USER} items waiting for approval.",
                error_code=ErrorCode.LIBRARY_PENDING_APPROVAL_LIMIT,
            )
    changes: dict = {}
    if status_after != current:
        changes["public_approval_status"] = status_after
    if is_public is not None and is_public != item.is_public:
        changes["is_public"] = is_public
    if changes:
        for field, value in changes.items():
            setattr(item, field, value)
        item.save(update_fields=list(changes))
    return Item.objects.select_related("folder").get(pk=item.pk)


# ---------------------------------------------------------------- deleting and restoring


@transaction.atomic
def items_delete(*, actor, item_ids: list[uuid.UUID], as_admin: bool = False) -> list[Outcome]:
    """Soft-delete each item (out of its folder, untagged). Protected items survive.

    Non-Admins delete only their own items; Admins any item of the domain.
    The folders the items leave get ``updated_at`` = now.
    """
    locked = _lock_folders_then_items(item_ids)
    deletable, outcomes = [], []
    for item_id in item_ids:
        item = locked.get(item_id)
        if item is None or (not as_admin and (actor is None or item.owner_id != actor.pk)):
            visible_public = item is not None and item.deleted_at is None and _is_publicly_visible(item)
            message = "Item belongs to another user." if visible_public else NOT_FOUND
            outcomes.append(Outcome(str(item_id), False, message))
        elif item.deleted_at is not None:
            outcomes.append(Outcome(str(item_id), False, "Item is already deleted."))
        elif item.is_protected:
            outcomes.append(Outcome(str(item_id), False, "Item is protected."))
        else:
            deletable.append(item_id)
            outcomes.append(Outcome(str(item_id), True))
    _soft_delete(Item.objects.filter(pk__in=deletable))
    return outcomes


def _is_publicly_visible(item: Item) -> bool:
    return Item.objects.publicly_visible().filter(pk=item.pk).exists()


#: PRO tier from which a user may delete their whole library in one call.
DELETE_ALL_MIN_TIER = 3


def library_delete_target(*, viewer, user_id, as_admin: bool) -> User:
    """The user whose whole library ``deleteItems?userID=`` deletes, or the error why not.

    Admins may name any existing user (404 otherwise); anyone else only themselves, with
    a PRO tier of ``DELETE_ALL_MIN_TIER`` or above (403 otherwise).
    """
    target = User.objects.filter(pk=user_id).first()
    if as_admin:
        if target is None:
            raise NotFound("User not found.")
        return target
    if viewer is None or target is None or target.pk != viewer.pk:
        raise Forbidden("You can only delete your own library.")
    require_tier(viewer, DELETE_ALL_MIN_TIER, purpose="to delete a whole library")
    return target


@transaction.atomic
def items_delete_for_user(*, user) -> list[Outcome]:
    """Soft-delete every live item of ``user``; protected ones are reported and kept."""
    _lock_owner_items(user)
    rows = list(
        Item.objects.select_for_update()
        .filter(owner_id=user.pk, deleted_at__isnull=True)
        .order_by("pk")
        .values_list("pk", "is_protected")
    )
    _soft_delete(Item.objects.filter(owner_id=user.pk))
    return [
        Outcome(str(pk), False, "Item is protected.") if protected else Outcome(str(pk), True)
        for pk, protected in rows
    ]


def _restore(ids) -> int:
    now = timezone.now()
    ItemTag.objects.filter(item_id__in=list(ids)).delete()
    return Item.objects.filter(pk__in=list(ids), deleted_at__isnull=False).update(
        deleted_at=None, folder=None, folder_added_at=now, completed_at=now, is_public=False
    )


@transaction.atomic
def items_restore(*, item_ids: list[uuid.UUID]) -> list[Outcome]:
    """Restore deleted items (Admins): into the root folder, sorted as just added, untagged,
    not public; the approval status is kept.

    "Sorted as just added": listings page by completion time (front ends derive
    ``paginationIndex`` from ``completedDate``), so both the folder-added time and
    the completion time become the restore time.
    """
    locked = _lock_items(item_ids)
    restorable, outcomes = [], []
    for item_id in item_ids:
        item = locked.get(item_id)
        if item is None:
            outcomes.append(Outcome(str(item_id), False, NOT_FOUND))
        elif item.deleted_at is None:
            outcomes.append(Outcome(str(item_id), False, "Item is not deleted."))
        else:
            restorable.append(item_id)
            outcomes.append(Outcome(str(item_id), True))
    _restore(restorable)
    return outcomes


@transaction.atomic
def items_restore_for_user(*, user) -> list[Outcome]:
    """Restore every deleted item of ``user`` (Admins)."""
    ids = list(
        Item.objects.select_for_update()
        .filter(owner_id=user.pk, deleted_at__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    _restore(ids)
    return [Outcome(str(pk), True) for pk in ids]


# ---------------------------------------------------------------- Admin decisions


@transaction.atomic
def items_set_approval(*, item_ids: list[uuid.UUID], status: str) -> list[Outcome]:
    """Admin decision: ``approved`` (and public) or ``rejected`` (and private), also after approval."""
    if status not in (ApprovalStatus.APPROVED, ApprovalStatus.REJECTED):
        raise ValueError(status)
    locked = _lock_items(item_ids)
    live = [item_id for item_id, item in locked.items() if item.deleted_at is None]
    Item.objects.filter(pk__in=live).update(
        public_approval_status=status, is_public=status == ApprovalStatus.APPROVED
    )
    outcomes = []
    for item_id in item_ids:
        item = locked.get(item_id)
        if item is None:
            outcomes.append(Outcome(str(item_id), False, NOT_FOUND))
        elif item.deleted_at is not None:
            outcomes.append(Outcome(str(item_id), False, "Item is deleted."))
        else:
            outcomes.append(Outcome(str(item_id), True))
    return outcomes


@transaction.atomic
def items_toggle_protected(*, item_ids: list[uuid.UUID]) -> list[Outcome]:
    """Flip ``is_protected`` of each item; the message is the new status (``"true"``/``"false"``)."""
    locked = _lock_items(item_ids)
    Item.objects.filter(pk__in=list(locked)).update(
        is_protected=Case(When(is_protected=True, then=Value(False)), default=Value(True))
    )
    return [
        Outcome(str(item_id), True, "false" if locked[item_id].is_protected else "true")
        if item_id in locked
        else Outcome(str(item_id), False, NOT_FOUND)
        for item_id in item_ids
    ]


@transaction.atomic
def library_migrate(*, source_id: uuid.UUID, destination_id: uuid.UUID) -> dict:
    """``migrateLibrary``: move the live items and folders of one user to another (Admins), with
    the generation jobs behind them: a queued or running job then belongs to the destination
    (its concurrency limit, cancelGeneration, getItemStatus), as when a guest signs in.

    The source may be disabled; the destination must not be (409). Unknown
    users are ``NotFound``.
    """
    # generation imports the library (item_create), so its service is imported here.
    from generation.services import jobs_transfer_user

    users = {
        user.pk: user for user in User.objects.select_for_update().filter(pk__in=[source_id, destination_id])
    }
    source, destination = users.get(source_id), users.get(destination_id)
    if source is None:
        raise NotFound("Source user not found.")
    if destination is None:
        raise NotFound("Destination user not found.")
    if destination.is_disabled or not destination.is_active:
        raise Conflict("The destination user is disabled.")
    jobs_transfer_user(from_user=source, to_user=destination)
    return library_transfer_user_items(from_user=source, to_user=destination)
