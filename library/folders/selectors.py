"""Reads of folders: access checks while fetching, and the listings of getSelfFolders/getPublicFolders.

Two views of a folder exist. The *owner's view* counts and previews every
live item in the folder. The *public view* (anyone looking at a public folder
through ``getPublicFolders`` without naming themselves in ``userID``) counts
and previews only publicly visible items, so an item made private again, or
rejected, after it was placed never shows. ``folders_with_details`` adds what
``FolderOutput`` reads in a constant number of queries per page.
"""

from __future__ import annotations

import json
import uuid

from django.db import connection
from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextField,
    Value,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, RowNumber

from aimg_site.api.exceptions import NotFound
from aimg_site.api.pagination import Page, PageRequest, PreparedListing
from aimg_site.core.scoping import current_domain
from library.models import Folder, FolderTag, FolderThumbnail, Item, PublicFolderCountEntry

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
    queryset = queryset.annotate(public_count=_public_count()).filter(public_count__gt=0)
    return queryset.order_by("-created_at", "-id"), False


def _public_count():
    """A folder's count of publicly visible items: the sum of its ledger entries (kept by triggers,
    ``PublicFolderCountEntry``), so listing public folders does not read their items."""
    sums = (
        PublicFolderCountEntry.objects.filter(folder=OuterRef("pk"))
        .order_by()
        .values("folder")
        .annotate(n=Sum("delta"))
        .values("n")
    )
    return Coalesce(Subquery(sums, output_field=IntegerField()), Value(0))


def folders_with_details(queryset: QuerySet[Folder], *, public_view: bool) -> QuerySet[Folder]:
    """``queryset`` with ``image_count``, ``thumbnail_items`` and ``tag_names`` (``sample_items`` come
    from ``folder_rows_prepare``).

    One query for the rows plus two prefetch queries, whatever the page size. In
    the public view ``image_count`` is the folder's ledger sum, not a count of its items.
    """
    if public_view:
        image_count = _public_count()
    else:
        counts = (
            Item.objects.filter(deleted_at__isnull=True, folder=OuterRef("pk"))
            .order_by()
            .values("folder")
            .annotate(n=Count("pk"))
            .values("n")
        )
        image_count = Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))
    thumbnails = (
        FolderThumbnail.objects.filter(_visible_items_q(public_view=public_view, prefix="item__"))
        .filter(item__folder=F("folder"))
        .select_related("item__folder")
        .order_by("position", "id")
    )
    tags = FolderTag.objects.select_related("tag").order_by("tag__name")
    return queryset.annotate(image_count=image_count).prefetch_related(
        Prefetch("thumbnail_links", queryset=thumbnails, to_attr="thumbnail_link_rows"),
        Prefetch("tag_links", queryset=tags, to_attr="tag_link_rows"),
    )


def folder_details(folder: Folder, *, public_view: bool = False) -> Folder:
    """``folder`` re-read with everything ``FolderOutput`` shows (after a write)."""
    rows = list(folders_with_details(Folder.objects.filter(pk=folder.pk), public_view=public_view))
    return folder_rows_prepare(rows, public_view=public_view)[0]


_SAMPLES_POSTGRESQL = """
    SELECT s.id FROM unnest(%s::uuid[]) AS f(id)
    CROSS JOIN LATERAL (
        SELECT i.id FROM library_item i
        WHERE i.folder_id = f.id AND i.deleted_at IS NULL {public}
        ORDER BY i.folder_added_at DESC, i.id DESC LIMIT %s
    ) AS s
"""


def _samples(folder_ids: list, *, public_view: bool) -> QuerySet[Item]:
    """Each folder's ``SAMPLE_SIZE`` most recently added items (visible ones in the public view), in
    one query. On PostgreSQL each folder is read through its own index range up to the limit
    (``LATERAL … LIMIT``), never in full; SQLite (the embedded default) numbers rows per folder."""
    visible = _visible_items_q(public_view=public_view)
    order = ("-folder_added_at", "-id")
    if connection.vendor == "postgresql":
        public = "AND i.is_public AND i.public_approval_status = 'approved'" if public_view else ""
        # ``public`` is one of two constant strings; the values are parameters.
        newest = RawSQL(_SAMPLES_POSTGRESQL.format(public=public), [folder_ids, SAMPLE_SIZE])  # noqa: S611
        return Item.objects.filter(visible, id__in=newest).order_by(*order)
    rank = Window(RowNumber(), partition_by=[F("folder_id")], order_by=[F(o[1:]).desc() for o in order])
    return (
        Item.objects.filter(visible, folder_id__in=folder_ids)
        .annotate(rank=rank)
        .filter(rank__lte=SAMPLE_SIZE)
    ).order_by(*order)


def folder_rows_prepare(rows: list[Folder], *, public_view: bool) -> list[Folder]:
    """Flatten the prefetched links into the attributes ``FolderOutput`` reads, and add the samples."""
    by_id: dict = {folder.pk: folder for folder in rows}
    samples: dict = {folder.pk: [] for folder in rows}
    for item in _samples(list(by_id), public_view=public_view) if rows else ():
        item.folder = by_id[item.folder_id]
        samples[item.folder_id].append(item)
    for folder in rows:
        # Prefetch(to_attr=...) lists: django-stubs knows them only on the annotated queryset's rows.
        thumbnails: list[FolderThumbnail] = folder.thumbnail_link_rows  # type: ignore[attr-defined]
        tags: list[FolderTag] = folder.tag_link_rows  # type: ignore[attr-defined]
        folder.thumbnail_items = [link.item for link in thumbnails]
        folder.tag_names = [link.tag.name for link in tags]
        folder.sample_items = samples[folder.pk]
    return rows


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


# ---------------------------------------------------------------- the owner's listing, prepared
#
# getSelfFolders (and getPublicFolders naming the caller) in one query compiled once: each folder row
# carries its live-item count, its tag names, its sample images and thumbnails as JSON arrays of
# ``[id, media name, is_public, approval status]`` (what the media URL rule needs besides the
# folder's own kind), and the listing's total (an InitPlan PostgreSQL runs once).

_TOTAL_SQL = """(SELECT count(*) FROM library_folder t
    WHERE t.domain_id = %s AND t.owner_id = %s AND t.is_public = {is_public})"""
_COUNT_SQL = """(SELECT count(*) FROM library_item i
    WHERE i.folder_id = library_folder.id AND i.deleted_at IS NULL)"""
_TAGS_SQL = """(SELECT string_agg(g.name, ',' ORDER BY g.name) FROM library_foldertag ft
    JOIN library_tag g ON g.id = ft.tag_id WHERE ft.folder_id = library_folder.id)"""
# SAMPLE_SIZE is a constant integer.
_SAMPLES_SQL = f"""(SELECT json_agg(json_build_array(s.id, s.media, s.is_public, s.public_approval_status)
        ORDER BY s.folder_added_at DESC, s.id DESC)::text
    FROM (SELECT i.id, i.media, i.is_public, i.public_approval_status, i.folder_added_at FROM library_item i
          WHERE i.folder_id = library_folder.id AND i.deleted_at IS NULL
          ORDER BY i.folder_added_at DESC, i.id DESC LIMIT {SAMPLE_SIZE}) AS s)"""  # noqa: S608
_THUMBNAILS_SQL = """(SELECT json_agg(json_build_array(i.id, i.media, i.is_public, i.public_approval_status)
        ORDER BY th.position, th.id)::text
    FROM library_folderthumbnail th JOIN library_item i ON i.id = th.item_id
    WHERE th.folder_id = library_folder.id AND i.folder_id = library_folder.id AND i.deleted_at IS NULL)"""

#: What a prepared row of the owner's listing holds, in order (read back by ``OwnedFolderRow``).
OWNED_COLUMNS = (
    "id",
    "name",
    "description",
    "owner_id",
    "is_public",
    "created_at",
    "updated_at",
    "listed_total",
    "listed_count",
    "listed_tags",
    "listed_samples",
    "listed_thumbnails",
)


class OwnedFolderRow:
    """One folder of the owner's listing as the prepared query returned it (``pk`` and ``created_at``
    for the paginator; ``folder_payload_fast`` writes the payload)."""

    __slots__ = (
        "created_at",
        "description",
        "image_count",
        "is_public",
        "name",
        "owner_id",
        "pk",
        "samples",
        "tag_names",
        "thumbnails",
        "total",
        "updated_at",
    )

    def __init__(self, row: tuple):
        (
            self.pk,
            self.name,
            self.description,
            self.owner_id,
            self.is_public,
            self.created_at,
            self.updated_at,
            self.total,
            self.image_count,
            tags,
            samples,
            thumbnails,
        ) = row
        self.tag_names = tags.split(",") if tags else []
        self.samples = json.loads(samples) if samples else []
        self.thumbnails = json.loads(thumbnails) if thumbnails else []


def _owned_listing(stand_in, shape: tuple) -> QuerySet[Folder]:
    (is_public,) = shape
    return Folder.all_domains.filter(
        domain_id=stand_in.domain, owner_id=stand_in.owner, is_public=is_public
    ).annotate(
        # Raw SQL of constant text; the values are parameters.
        listed_total=RawSQL(  # noqa: S611
            _TOTAL_SQL.format(is_public="true" if is_public else "false"),
            [stand_in.domain, stand_in.owner],
            output_field=IntegerField(),
        ),
        listed_count=RawSQL(_COUNT_SQL, [], output_field=IntegerField()),  # noqa: S611
        listed_tags=RawSQL(_TAGS_SQL, [], output_field=TextField()),  # noqa: S611
        listed_samples=RawSQL(_SAMPLES_SQL, [], output_field=TextField()),  # noqa: S611
        listed_thumbnails=RawSQL(_THUMBNAILS_SQL, [], output_field=TextField()),  # noqa: S611
    )


_OWNED_LISTING = PreparedListing(
    _owned_listing,
    model=Folder,
    columns=OWNED_COLUMNS,
    row=OwnedFolderRow,
    time_field="created_at",
    fields=lambda shape: {
        "domain": Folder._meta.get_field("domain"),
        "owner": Folder._meta.get_field("owner"),
    },
)


def owned_folders_page_fast(*, owner, is_public: bool, page: PageRequest) -> Page | None:
    """A page of ``owner``'s folders of one kind in the owner's view, as ``OwnedFolderRow`` rows with
    ``totalCount``, in one prepared query (a second, the count, only for a page with no rows);
    ``None`` where that query does not apply (not PostgreSQL, or no owner)."""
    if connection.vendor != "postgresql" or owner is None:
        return None
    values = {"domain": current_domain().pk, "owner": owner.pk}
    found = _OWNED_LISTING.page(page, shape=(is_public,), **values)
    if found.rows:
        found.metadata["totalCount"] = found.rows[0].total
    else:
        found.metadata["totalCount"] = folders_owned(user=owner, is_public=is_public).count()
    return found
