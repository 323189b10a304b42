"""Reads of folders: access checks while fetching, and the listings of getSelfFolders/getPublicFolders.

Two views of a folder exist. The *owner's view* counts and previews every
live item in the folder. The *public view* (anyone looking at a public folder
through ``getPublicFolders`` without naming themselves in ``userID``) counts
and previews only publicly visible items, so an item made private again, or
rejected, after it was placed never shows. ``folders_with_details`` adds what
``FolderOutput`` reads in a constant number of queries per page.
"""

from __future__ import annotations

import functools
import uuid
from typing import Any

from django.db import DEFAULT_DB_ALIAS
from django.db.models import (
    CharField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    UUIDField,
    Value,
)
from django.db.models.functions import Coalesce

from aimg_site.api.exceptions import NotFound
from aimg_site.api.pagination import Page, PageRequest, PreparedListing, paginate
from aimg_site.core.prepared import PreparedQuery
from aimg_site.core.scoping import current_domain
from library.items.selectors import TagNames, tag_names_split
from library.models import Folder, FolderTag, FolderThumbnail, Item

from .ids import FolderRef

SAMPLE_SIZE = 4


def _visible_items_q(*, public_view: bool, prefix: str = "") -> Q:
    if public_view:
        return Item.publicly_visible_q(prefix)
    return Q(**{f"{prefix}deleted_at__isnull": True})


def folder_get_owned(*, user, ref: FolderRef, for_update: bool = False) -> Folder:
    """The folder ``ref`` names, if ``user`` owns it and it is of the kind the id's form says.

    Anyone else's folder, a missing one and one of the other kind are the same 404.
    ``for_update`` locks the row (callers hold a transaction).
    """
    if user is None:
        raise NotFound("Folder not found.")
    queryset = Folder.objects.filter(id=ref.id, owner=user, is_public=ref.is_public)
    if for_update:
        queryset = queryset.select_for_update()
    folder = queryset.first()
    if folder is None:
        raise NotFound("Folder not found.")
    return folder


def folders_owned(*, user, is_public: bool, refs: list[FolderRef] | None = None) -> QuerySet[Folder]:
    """``user``'s folders of one kind (none for an anonymous session), newest first."""
    if user is None:
        return Folder.objects.none()
    queryset = Folder.objects.filter(owner=user, is_public=is_public)
    if refs is not None:
        queryset = queryset.filter(id__in=[ref.id for ref in refs])
    return queryset.order_by("-created_at", "-id")


def folders_public(
    *, viewer, user_id: uuid.UUID | None, refs: list[FolderRef] | None = None
) -> tuple[QuerySet[Folder], bool]:
    """The public folders ``getPublicFolders`` lists, and whether they are seen in the owner's view.

    Named by their owner (``user_id`` is the viewer's id): all of the viewer's
    public folders, empty ones too. Otherwise only folders holding at least
    one publicly visible item (the rule of getPublicCreations).
    """
    queryset = Folder.objects.filter(is_public=True)
    if refs is not None:
        queryset = queryset.filter(id__in=[ref.id for ref in refs])
    if viewer is not None and user_id == viewer.id:
        return queryset.filter(owner=viewer).order_by("-created_at", "-id"), True
    if user_id is not None:
        queryset = queryset.filter(owner_id=user_id)
    visible = Item.objects.filter(Item.publicly_visible_q(), folder=OuterRef("pk"))
    queryset = queryset.filter(Exists(visible))
    return queryset.order_by("-created_at", "-id"), False


def _previews(items: QuerySet, order: tuple[str, ...], prefix: str = "") -> dict:
    """``<prefix><k>_id``/``<prefix><k>_media`` subqueries of the first ``MAX_PREVIEWS`` rows of
    ``items`` (correlated to the folder) in ``order``: one index probe each."""
    ordered = items.order_by(*order)
    annotations: dict[str, Any] = {}
    for k in range(MAX_PREVIEWS):
        annotations[f"{prefix}{k}_id"] = Subquery(
            ordered.values(f"{ITEM_PATH[prefix]}id")[k : k + 1], output_field=UUIDField()
        )
        annotations[f"{prefix}{k}_media"] = Subquery(
            ordered.values(f"{ITEM_PATH[prefix]}media")[k : k + 1], output_field=CharField()
        )
    return annotations


#: The annotations' prefixes and the path from their rows to the item.
ITEM_PATH = {"sample_": "", "thumbnail_": "item__"}
#: At most this many sample images and thumbnails per folder (``folder_thumbnails_change`` keeps 4).
MAX_PREVIEWS = 4


def folders_with_details(queryset: QuerySet[Folder], *, public_view: bool) -> QuerySet[Folder]:
    """``queryset`` annotated with what ``FolderOutput`` shows (``folder_rows_prepare`` reads it):
    the count of visible items, the first ``SAMPLE_SIZE`` of them (latest added first), the
    thumbnails (in their order, while visible and still in the folder) and the tag names, in the
    rows' own query. (The subqueries are correlated to the folder, which pins the domain: they use
    the managers of every domain, so that prepared reads can run them for any domain.)
    """
    visible = _visible_items_q(public_view=public_view)
    counts = (
        Item.all_domains.filter(visible, folder=OuterRef("pk"))
        .order_by()
        .values("folder")
        .annotate(n=Count("pk"))
        .values("n")
    )
    samples = Item.all_domains.filter(visible, folder=OuterRef("pk"))
    thumbnails = FolderThumbnail.objects.filter(
        _visible_items_q(public_view=public_view, prefix="item__"),
        folder=OuterRef("pk"),
        item__folder=OuterRef("pk"),
    )
    tags = (
        FolderTag.objects.filter(folder=OuterRef("pk"))
        .order_by()
        .values("folder")
        .annotate(names=TagNames("tag__name"))
        .values("names")
    )
    return queryset.annotate(
        image_count=Coalesce(Subquery(counts, output_field=IntegerField()), Value(0)),
        tag_csv=Subquery(tags, output_field=CharField()),
        **_previews(samples, ("-folder_added_at", "-id"), "sample_"),
        **_previews(thumbnails, ("position", "id"), "thumbnail_"),
    )


#: What ``folder_rows_prepare`` needs of a folder row, for prepared reads (``values_list``).
DETAIL_COLUMNS = (
    *(field.attname for field in Folder._meta.concrete_fields),
    "image_count",
    "tag_csv",
    *(f"{prefix}{k}_{part}" for prefix in ITEM_PATH for k in range(MAX_PREVIEWS) for part in ("id", "media")),
)
_FOLDER_ATTNAMES = tuple(field.attname for field in Folder._meta.concrete_fields)


class Preview:
    """An item as a folder shows it (``FolderImageThumbnailOutput``): its id and media name."""

    __slots__ = ("id", "media_name")

    def __init__(self, item_id, media_name: str):
        self.id, self.media_name = item_id, media_name


def _preview_list(values: dict, prefix: str) -> list[Preview]:
    previews = []
    for k in range(MAX_PREVIEWS):
        item_id = values.get(f"{prefix}{k}_id")
        if item_id is None:
            break
        previews.append(Preview(item_id, values.get(f"{prefix}{k}_media") or ""))
    return previews


def folder_rows_prepare(rows: list[Folder]) -> list[Folder]:
    """Turn the annotations of ``folders_with_details`` into the attributes ``FolderOutput`` reads."""
    for folder in rows:
        values = folder.__dict__
        folder.sample_items = _preview_list(values, "sample_")
        folder.thumbnail_items = _preview_list(values, "thumbnail_")
        folder.tag_names = tag_names_split(values.get("tag_csv"))
    return rows


def folder_from_row(row: tuple) -> Folder:
    """A folder with ``FolderOutput``'s attributes from a ``DETAIL_COLUMNS`` row."""
    count = len(_FOLDER_ATTNAMES)
    folder = Folder.from_db(DEFAULT_DB_ALIAS, _FOLDER_ATTNAMES, row[:count])
    folder.__dict__.update(zip(DETAIL_COLUMNS[count:], row[count:], strict=True))
    return folder_rows_prepare([folder])[0]


def folder_details(folder: Folder, *, public_view: bool = False) -> Folder:
    """``folder`` re-read with everything ``FolderOutput`` shows (after a write)."""
    rows = list(folders_with_details(Folder.objects.filter(pk=folder.pk), public_view=public_view))
    return folder_rows_prepare(rows)[0]


def thumbnail_item_ids(folder: Folder) -> list[uuid.UUID]:
    """The folder's thumbnails as they stand (live items still in the folder), in order."""
    return list(
        FolderThumbnail.objects.filter(folder=folder, item__folder=folder, item__deleted_at__isnull=True)
        .order_by("position", "id")
        .values_list("item_id", flat=True)
    )


def folders_listing(
    *, viewer, is_public: bool, user_id: uuid.UUID | None = None, refs: list[FolderRef] | None = None
) -> tuple[QuerySet[Folder], bool]:
    """What getSelfFolders (``is_public`` false) or getPublicFolders lists, and whether in the owner's view."""
    if is_public:
        return folders_public(viewer=viewer, user_id=user_id, refs=refs)
    return folders_owned(user=viewer, is_public=False, refs=refs), True


# ---------------------------------------------------------------- the listings, prepared


def _listed(stand_in, shape: tuple) -> QuerySet[Folder]:
    """The folders of a listing shape: ``("owned", is_public)`` (the owner's view) or
    ``("public", by_user)`` (folders holding a publicly visible item, in the public view)."""
    kind, flag = shape
    queryset = Folder.all_domains.filter(domain_id=stand_in.domain)
    if kind == "owned":
        return queryset.filter(owner_id=stand_in.owner, is_public=flag)
    queryset = queryset.filter(is_public=True)
    if flag:
        queryset = queryset.filter(owner_id=stand_in.owner)
    return queryset.filter(Exists(Item.all_domains.filter(Item.publicly_visible_q(), folder=OuterRef("pk"))))


def _listed_fields(shape: tuple) -> dict[str, Any]:
    kind, flag = shape
    fields: dict[str, Any] = {"domain": Folder._meta.get_field("domain")}
    if kind == "owned" or flag:
        fields["owner"] = Folder._meta.get_field("owner")
    return fields


def _listed_with_details(stand_in, shape: tuple) -> QuerySet[Folder]:
    return folders_with_details(_listed(stand_in, shape), public_view=shape[0] == "public")


_LISTINGS = PreparedListing(
    _listed_with_details,
    model=Folder,
    columns=DETAIL_COLUMNS,
    row=folder_from_row,
    time_field="created_at",
    fields=_listed_fields,
)


def _listed_count(stand_in, shape: tuple) -> QuerySet:
    # Grouped by a column every listed row shares (the domain): one row holding the count, or none.
    return _listed(stand_in, shape).order_by().values("domain_id").annotate(n=Count("pk")).values_list("n")


_COUNTS = {
    shape: PreparedQuery(functools.partial(_listed_count, shape=shape), _listed_fields(shape))
    for shape in (("owned", False), ("owned", True), ("public", False), ("public", True))
}


def folders_page(
    *, viewer, is_public: bool, page: PageRequest, user_id: uuid.UUID | None = None, refs=None
) -> Page:
    """A page of what getSelfFolders (``is_public`` false) or getPublicFolders lists, ready for
    ``FolderOutput``, with ``totalCount`` (the folders the listing holds): two prepared queries
    (one with ``refs``, which the ORM runs)."""
    if refs is not None or (not is_public and viewer is None):
        queryset, owner_view = folders_listing(viewer=viewer, is_public=is_public, user_id=user_id, refs=refs)
        found = paginate(
            folders_with_details(queryset, public_view=not owner_view),
            page,
            time_field="created_at",
            total_count=queryset.count(),
        )
        folder_rows_prepare(found.rows)
        return found
    values: dict[str, Any] = {"domain": current_domain().pk}
    if not is_public:
        shape: tuple = ("owned", False)
        values["owner"] = viewer.pk
    elif viewer is not None and user_id == viewer.id:
        shape = ("owned", True)
        values["owner"] = viewer.pk
    elif user_id is not None:
        shape = ("public", True)
        values["owner"] = user_id
    else:
        shape = ("public", False)
    counted = _COUNTS[shape].rows(**values)
    total = counted[0][0] if counted else 0
    return _LISTINGS.page(page, shape=shape, total_count=total, **values)
