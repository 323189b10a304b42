"""The library: items (images, videos), folders, tags, reactions, views.

Every listing is ordered by a reference timestamp with the id as tie-breaker
(see ``aimg_site.api.pagination``); the partial indexes below are the ones
those listings and counts walk. "Live" means ``deleted_at IS NULL``.
"""

from __future__ import annotations

import os
import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from aimg_site.core.scoping import DomainScopedManager, DomainScopedModel, DomainScopedQuerySet
from library.folders.ids import folder_wire_id


def item_media_name(instance: Item, filename: str) -> str:
    """A random, unguessable storage name: ``items/<2 hex>/<uuid4 hex>.<ext>``.

    Private media must not be guessable from an item id or from another file's name.
    """
    ext = os.path.splitext(filename or "")[1].lower()[:10] or ".bin"
    token = uuid.uuid4().hex
    return f"items/{token[:2]}/{token}{ext}"


class MediaKind(models.TextChoices):
    """``mtype`` of the wire format."""

    IMAGE = "image", "Image"
    VIDEO = "video", "Video"


class MediaType(models.TextChoices):
    """``mediaType``: the media type of the Model that generated the item."""

    STATIC_IMAGE = "StaticImage", "Static image"
    ANIMATED_IMAGE = "AnimatedImage", "Animated image"
    VIDEO = "Video", "Video"
    TEXT = "Text", "Text"
    MUSIC = "Music", "Music"
    OTHER = "Other", "Other"
    UNKNOWN = "Unknown", "Unknown"


class ApprovalStatus(models.TextChoices):
    """``publicApprovalStatus`` ("Annex: Public Items Approval Workflow")."""

    NONE = "none", "None"
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class GeneratorVersion(models.TextChoices):
    LEGACY = "1", "Legacy generator"
    WORKFLOWS = "2", "Workflows"


# Approved, marked public by its owner, in a folder, live. The folder must
# also be public (a join): ``Item.publicly_visible_q()`` is the full rule.
PUBLIC_CANDIDATE = Q(
    deleted_at__isnull=True,
    is_public=True,
    public_approval_status=ApprovalStatus.APPROVED,
    folder__isnull=False,
)
LIVE = Q(deleted_at__isnull=True)


class Folder(DomainScopedModel):
    """A user's folder: private (id shown as a UUID) or public (shown as ``"p-" + id``).

    A folder is public or private from its creation on. A public folder shows
    only the items in it that are publicly visible (see ``Item``); tags and
    thumbnails hang off ``FolderTag`` and ``FolderThumbnail``.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="folders")
    is_public = models.BooleanField(default=False)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    # Not columns: set on listed rows by ``library.folders.selectors`` for ``FolderOutput``.
    sample_items: list  # of library.folders.selectors.Preview
    thumbnail_items: list  # of library.folders.selectors.Preview
    tag_names: list[str]

    class Meta:
        indexes = [
            models.Index(fields=["owner", "is_public", "created_at", "id"], name="library_folder_owner_idx"),
            models.Index(
                fields=["domain", "created_at", "id"],
                condition=Q(is_public=True),
                name="library_folder_public_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({'public' if self.is_public else 'private'})"

    @property
    def public_id(self) -> str:
        """The id the API shows: ``p-<uuid>`` for a public folder, the bare UUID otherwise."""
        return folder_wire_id(self.id, is_public=self.is_public)


class ItemQuerySet(DomainScopedQuerySet):
    """The one place the visibility rules of items are written as queries."""

    def live(self):
        """Items not (soft-)deleted."""
        return self.filter(deleted_at__isnull=True)

    def deleted(self):
        return self.filter(deleted_at__isnull=False)

    def publicly_visible(self):
        """Approved, public, live and in a public folder: what anyone may see."""
        return self.filter(Item.publicly_visible_q())

    def visible_to(self, viewer):
        """Live items ``viewer`` may see: their own and the publicly visible ones (``None``: the latter)."""
        visible = Item.publicly_visible_q()
        if viewer is not None:
            visible |= Q(owner_id=viewer.pk, deleted_at__isnull=True)
        return self.filter(visible)

    def owned_live(self, owner):
        """``owner``'s live items."""
        return self.filter(owner_id=owner.pk, deleted_at__isnull=True)


class ItemManager(DomainScopedManager.from_queryset(ItemQuerySet)):  # type: ignore[misc]
    """The bound domain's items, with ``ItemQuerySet``'s visibility methods."""


class Item(DomainScopedModel):
    """One generated (or uploaded) image or video and its generation parameters.

    A new item is private: ``is_public`` false, ``public_approval_status``
    none (CONTRACT.md). It is *publicly visible* only when approved, marked
    public, in a public folder and not deleted. Deleting is soft
    (``deleted_at``); ``completed_at`` (``completedDate``) is the listings'
    reference timestamp, because front ends derive ``paginationIndex`` from
    it; a restore sets it (and ``folder_added_at``) to the restore time so the
    item sorts as just added. ``folder_added_at`` is set at creation and
    whenever the item changes folder. Counters are changed only by conditional ``F()`` updates in
    ``library.items.services``.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="items")
    batch_id = models.UUIDField(null=True, blank=True)
    media = models.FileField(upload_to=item_media_name, max_length=255)
    mtype = models.CharField(max_length=10, choices=MediaKind.choices, default=MediaKind.IMAGE)
    media_type = models.CharField(max_length=20, choices=MediaType.choices, default=MediaType.STATIC_IMAGE)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)

    prompt = models.TextField(blank=True, default="")
    negprompt = models.TextField(blank=True, default="")
    model_id = models.CharField(max_length=100, blank=True, default="")
    model_name = models.CharField(max_length=200, blank=True, default="")
    steps = models.PositiveIntegerField(default=20)
    seed = models.BigIntegerField(default=0)
    subseed = models.BigIntegerField(default=0)
    subseed_strength = models.FloatField(default=0)
    lora = models.JSONField(default=list, blank=True)
    lora_strength = models.JSONField(default=list, blank=True)
    sampler = models.CharField(max_length=100, blank=True, default="")
    cfgscale = models.FloatField(default=7)
    restore_faces = models.BooleanField(default=False)
    generator_version = models.CharField(
        max_length=1, choices=GeneratorVersion.choices, default=GeneratorVersion.LEGACY
    )
    workflow_template_name = models.CharField(max_length=200, blank=True, default="")
    workflow_run_parameters = models.JSONField(null=True, blank=True)

    view_count = models.PositiveIntegerField(default=0)
    like_count = models.PositiveIntegerField(default=0)
    dislike_count = models.PositiveIntegerField(default=0)

    is_public = models.BooleanField(default=False)
    public_approval_status = models.CharField(
        max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.NONE
    )
    is_protected = models.BooleanField(default=False, help_text="Set by an Admin: survives every delete.")
    deleted_at = models.DateTimeField(null=True, blank=True)

    folder = models.ForeignKey(Folder, null=True, blank=True, on_delete=models.SET_NULL, related_name="items")
    folder_added_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)

    # Not columns: set on listed rows by ``library.items.selectors`` for the serializers.
    tag_names: list[str]
    viewer_reaction: str | None

    objects: ClassVar[ItemManager] = ItemManager()
    all_domains: ClassVar[models.Manager] = models.Manager.from_queryset(ItemQuerySet)()

    class Meta:
        indexes = [
            # Listings page by completion time (the Annex: front ends derive paginationIndex from
            # completedDate). getMyCreations (all items / root folder), getLastCompletedItem,
            # user_library_counts
            models.Index(
                fields=["owner", "completed_at", "id"], condition=LIVE, name="library_item_owner_done_idx"
            ),
            models.Index(
                fields=["owner", "completed_at", "id"],
                condition=Q(deleted_at__isnull=True, folder__isnull=True),
                name="library_item_owner_root_idx",
            ),
            # getMyCreations?folderID=…, getPublicCreations?folderID=…, folder counts
            models.Index(
                fields=["folder", "completed_at", "id"], condition=LIVE, name="library_item_folder_idx"
            ),
            # a folder's sample images (latest added first: one probe per sample)
            models.Index(
                fields=["folder", "folder_added_at", "id"],
                condition=LIVE,
                name="library_item_folder_added_idx",
            ),
            # getItems (Admin, all users)
            models.Index(
                fields=["domain", "completed_at", "id"], condition=LIVE, name="library_item_domain_idx"
            ),
            # getPublicCreations (all users / one user), getLatestItems, getSampleItems
            models.Index(
                fields=["domain", "completed_at", "id"],
                condition=PUBLIC_CANDIDATE,
                name="library_item_public_done_idx",
            ),
            models.Index(
                fields=["owner", "completed_at", "id"],
                condition=PUBLIC_CANDIDATE,
                name="library_item_public_owner_idx",
            ),
            # counting the site's publicly visible items (index-only, joined to public folders)
            models.Index(
                fields=["domain", "folder"], condition=PUBLIC_CANDIDATE, name="library_item_public_count_idx"
            ),
            # the moderators' queue and the 50-pending cap per user
            models.Index(
                fields=["owner"],
                condition=Q(deleted_at__isnull=True, public_approval_status=ApprovalStatus.PENDING),
                name="library_item_pending_idx",
            ),
            # getBatchItems
            models.Index(
                fields=["batch_id"], condition=Q(batch_id__isnull=False), name="library_item_batch_idx"
            ),
            # restoreItems?userID=…
            models.Index(
                fields=["owner"], condition=Q(deleted_at__isnull=False), name="library_item_deleted_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mtype} {self.id}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_publicly_visible(self) -> bool:
        """Approved, public, live and in a public folder (reads ``folder``: select it with the item)."""
        return (
            self.deleted_at is None
            and self.is_public
            and self.public_approval_status == ApprovalStatus.APPROVED
            and self.folder is not None
            and self.folder.is_public
        )

    @staticmethod
    def publicly_visible_q(prefix: str = "") -> Q:
        """The filter of publicly visible items (``prefix`` e.g. ``"item__"`` from a related model)."""
        return Q(
            **{
                f"{prefix}deleted_at__isnull": True,
                f"{prefix}is_public": True,
                f"{prefix}public_approval_status": ApprovalStatus.APPROVED,
                f"{prefix}folder__is_public": True,
            }
        )


class FolderThumbnail(models.Model):
    """An item the owner picked as one of a folder's (at most 4, enforced in services) thumbnails.

    Reached only through its (domain-scoped) folder.
    """

    folder = models.ForeignKey(Folder, on_delete=models.CASCADE, related_name="thumbnail_links")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="thumbnail_links")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["folder", "item"], name="library_thumbnail_unique"),
        ]
        ordering = ["folder", "position", "id"]

    def __str__(self) -> str:
        return f"thumbnail {self.position} of {self.folder_id}"


class Tag(DomainScopedModel):
    """A tag name (lower-case, 1 to 32 characters of ``a-z 0-9 $ - _ . + ! * ' ( )``), unique per domain."""

    name = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["domain", "name"], name="library_tag_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class ItemTag(models.Model):
    """A tag applied to an item (reached through the domain-scoped item or tag)."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="tag_links")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="item_links")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "tag"], name="library_itemtag_unique"),
        ]
        indexes = [models.Index(fields=["tag", "item"], name="library_itemtag_tag_idx")]

    def __str__(self) -> str:
        return f"{self.tag_id} on {self.item_id}"


class FolderTag(models.Model):
    """A tag applied to a folder (reached through the domain-scoped folder or tag)."""

    folder = models.ForeignKey(Folder, on_delete=models.CASCADE, related_name="tag_links")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="folder_links")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["folder", "tag"], name="library_foldertag_unique"),
        ]
        indexes = [models.Index(fields=["tag", "folder"], name="library_foldertag_tag_idx")]

    def __str__(self) -> str:
        return f"{self.tag_id} on folder {self.folder_id}"


class ItemReaction(models.Model):
    """A user's like or dislike of an item: one row per (item, user), so the two exclude each other.

    Written only by ``library.items.services`` together with the item's counters,
    in one transaction. Reached through the domain-scoped item.
    """

    class Kind(models.TextChoices):
        LIKE = "like", "Like"
        DISLIKE = "dislike", "Dislike"

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=7, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "user"], name="library_reaction_unique"),
        ]
        indexes = [models.Index(fields=["user", "item"], name="library_reaction_user_idx")]

    def __str__(self) -> str:
        return f"{self.kind} of {self.item_id} by {self.user_id}"


class ItemView(models.Model):
    """One session has viewed an item (``getItemDetails``): ``viewCount`` grows once per pair.

    ``session_digest`` is the SHA-256 of the ``X-Session-ID`` (anonymous
    sessions count too). Reached through the domain-scoped item.
    """

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="views")
    session_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "session_digest"], name="library_itemview_unique"),
        ]

    def __str__(self) -> str:
        return f"view of {self.item_id}"


class LibraryCountEntry(models.Model):
    """One change to a user's live-item counts; the counts (``itemCount``, ``rootFolderItemCount``) are
    the sums of the user's entries.

    Written by the database, not by Python: triggers made by migration
    ``0004_library_counts`` add an entry, in the transaction of every
    statement that inserts, updates or deletes items, with what that statement
    changed in each owner's live (and root-folder) items. So every path
    (services, ``QuerySet.update``, bulk inserts, cascades, the console) keeps
    the sums exact. Entries are only ever inserted, so concurrent writers
    neither wait for one another nor deadlock on a counter row;
    ``library.items.services.library_counts_fold`` replaces a user's entries
    by their sum (when a read finds many, and periodically for everyone). A
    user without entries has no live items. Read the counts with
    ``library.items.selectors.user_item_counts``.
    """

    # Indexed, with no constraint in the database: an entry may be written while its user is being
    # deleted (the cascade deletes items after the user's entries); folding drops such orphans.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, db_constraint=False, related_name="+"
    )
    item_delta = models.BigIntegerField()
    root_delta = models.BigIntegerField()

    class Meta:
        verbose_name_plural = "library count entries"

    def __str__(self) -> str:
        return f"{self.item_delta:+} items ({self.root_delta:+} in the root) of {self.user_id}"
