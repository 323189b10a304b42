"""Reads of the library, already scoped to the bound domain and to what the viewer may see."""

from __future__ import annotations

import base64
import functools
import random
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Literal

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Aggregate,
    CharField,
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.expressions import RawSQL

from accounts.models import ProfilePicture, User
from aimg_site.api.exceptions import NotFound
from aimg_site.api.pagination import Page, PageRequest, PreparedListing, paginate
from aimg_site.core.prepared import PreparedQuery
from aimg_site.core.scoping import current_domain
from library.folders.ids import FolderRef
from library.items.counts import library_counts_fold_quietly
from library.models import (
    PUBLIC_CANDIDATE,
    Folder,
    Item,
    ItemReaction,
    ItemTag,
    LibraryCountEntry,
)

#: Listing totals are exact up to this many rows (see ``_counted``).
EXACT_COUNT_LIMIT = 2_000
#: Seconds a total above ``EXACT_COUNT_LIMIT`` is reused before it is counted again.
COUNT_TTL = 30
SAMPLE_POOL = 500
#: A counts read that finds more entries than this folds them (``library_counts_fold``).
FOLD_AFTER_ENTRIES = 200


_COUNTS = PreparedQuery(
    lambda stand_in: (
        LibraryCountEntry.objects.filter(user_id=stand_in.user)
        .values("user_id")
        .annotate(items=Sum("item_delta"), root=Sum("root_delta"), entries=Count("id"))
        .values_list("items", "root", "entries")
    ),
    {"user": LibraryCountEntry._meta.get_field("user")},
)


def user_item_counts(*, user) -> dict[str, int]:
    """``itemCount`` and ``rootFolderItemCount`` of ``user`` (zeros for ``None``, an anonymous session).

    The sums of the user's ``LibraryCountEntry`` rows, kept by database triggers:
    one indexed read of a handful of rows, whatever the size of the library. A
    read that finds more than ``FOLD_AFTER_ENTRIES`` folds them into one.
    """
    if user is None or user.pk is None:
        return {"itemCount": 0, "rootFolderItemCount": 0}
    rows = _COUNTS.rows(user=user.pk)
    if not rows:
        return {"itemCount": 0, "rootFolderItemCount": 0}
    items, root, entries = rows[0]
    if entries > FOLD_AFTER_ENTRIES:
        library_counts_fold_quietly(user_id=user.pk)
    return {"itemCount": int(items or 0), "rootFolderItemCount": int(root or 0)}


def user_item_counts_counted(*, user_id) -> dict[str, int]:
    """The counts of ``user_item_counts``, counted from the items (what the entries add up to)."""
    # The owner pins the domain (a user belongs to exactly one), so no domain filter is needed.
    counts = Item.all_domains.filter(owner_id=user_id, deleted_at__isnull=True).aggregate(
        itemCount=Count("id"), rootFolderItemCount=Count("id", filter=Q(folder__isnull=True))
    )
    return {key: int(value or 0) for key, value in counts.items()}


def user_library_counts(*, user) -> dict:
    """Exact counts of ``user``'s live items: ``itemCount``, ``rootFolderItemCount``, ``publicItemCount``.

    The first two are ``user_item_counts``; ``publicItemCount`` (the publicly
    visible ones: approved, public, in a public folder) is counted.
    """
    counts: dict = user_item_counts(user=user)
    if user is None or user.pk is None:
        return {**counts, "publicItemCount": 0}
    counts["publicItemCount"] = (
        Item.all_domains.filter(owner_id=user.pk).filter(PUBLIC_CANDIDATE, folder__is_public=True).count()
    )
    return counts


# ---------------------------------------------------------------- single items


def item_get_for_viewer(*, item_id, viewer) -> Item:
    """The live item ``item_id`` if ``viewer`` may see it, else ``NotFound``.

    Owners see their items, everyone (guests included) sees publicly visible
    items. Another user's private item is indistinguishable from a missing one.
    """
    qs = Item.objects.visible_to(viewer).select_related("folder", "owner").filter(pk=item_id)
    item = qs.first()
    if item is None:
        raise NotFound("Item not found.")
    return item


def item_last_completed(*, owner, mtype: str | None = None) -> Item:
    """``owner``'s most recently completed live item (of ``mtype``), else ``NotFound``."""
    if owner is None:
        raise NotFound("No completed item yet.")
    qs = Item.objects.owned_live(owner).select_related("folder")
    if mtype:
        qs = qs.filter(mtype=mtype)
    item = qs.order_by("-completed_at", "-id").first()
    if item is None:
        raise NotFound("No completed item yet.")
    return item


#: The fields ``ImageOutput``/``SampleImageOutput`` read of an item (listings load only these).
LISTED_FIELDS = (
    "id",
    "domain_id",
    "owner_id",
    "batch_id",
    "media",
    "mtype",
    "media_type",
    "view_count",
    "like_count",
    "dislike_count",
    "is_public",
    "public_approval_status",
    "deleted_at",
    "folder_id",
    "folder_added_at",
    "completed_at",
)
#: ``LISTED_FIELDS`` and the folder's, for ``QuerySet.only`` (with ``select_related("folder")``).
LIST_COLUMNS = (*LISTED_FIELDS, "folder__id", "folder__is_public")


def _listing(qs: QuerySet) -> QuerySet:
    return qs.select_related("folder").only(*LIST_COLUMNS)


def _reaction_of(viewer_id) -> Subquery:
    return Subquery(ItemReaction.objects.filter(item_id=OuterRef("pk"), user_id=viewer_id).values("kind")[:1])


def with_viewer_reaction(qs: QuerySet, *, viewer) -> QuerySet:
    """Annotate ``viewer_reaction`` (the viewer's like/dislike) in the listing's own query."""
    if viewer is None:
        return qs
    return qs.annotate(viewer_reaction=_reaction_of(viewer.pk))


class TagNames(Aggregate):
    """Tag names joined by commas (which no tag name holds); in name order on PostgreSQL, in any
    order on SQLite (``tag_names_split`` sorts them there)."""

    function = "GROUP_CONCAT"
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            function="STRING_AGG",
            template="%(function)s(%(expressions)s, ',' ORDER BY %(expressions)s)",
            **extra_context,
        )


def with_tag_names(qs: QuerySet) -> QuerySet:
    """Annotate ``tag_csv`` (the item's tag names, see ``tag_names_split``) in the query's own SQL."""
    names = (
        ItemTag.objects.filter(item_id=OuterRef("pk"))
        .order_by()
        .values("item_id")
        .annotate(names=TagNames("tag__name"))
        .values("names")
    )
    return qs.annotate(tag_csv=Subquery(names, output_field=CharField()))


def tag_names_split(tag_csv: str | None) -> list[str]:
    """The list of tag names in ``tag_csv``, in the database's name order."""
    if not tag_csv:
        return []
    names = tag_csv.split(",")
    return names if connection.vendor == "postgresql" else sorted(names)


def _item_listed(stand_in, *, viewer: bool) -> QuerySet:
    """The shape of ``item_get_listed``'s one query (see ``PreparedQuery``)."""
    visible = Item.publicly_visible_q()
    if viewer:
        visible |= Q(owner_id=stand_in.viewer)
    qs = Item.all_domains.filter(
        visible, domain_id=stand_in.domain, pk=stand_in.item, deleted_at__isnull=True
    )
    return _for_output(qs, stand_in.viewer if viewer else None).values_list(*OUTPUT_COLUMNS)[:1]


#: ``LISTED_FIELDS`` in the model's field order, the order ``Model.from_db`` takes values in.
_LISTED_ATTNAMES = tuple(
    field.attname for field in Item._meta.concrete_fields if field.attname in LISTED_FIELDS
)
#: What prepared reads load for ``ImageOutput`` (``_for_output``), read back by ``_item_from_row``.
OUTPUT_COLUMNS = (*_LISTED_ATTNAMES, "folder__is_public", "viewer_reaction", "tag_csv")
_ITEM_KEYS = {"domain": Item._meta.get_field("domain"), "item": Item._meta.pk}
_ITEM_FOR_VIEWER = PreparedQuery(
    lambda stand_in: _item_listed(stand_in, viewer=True),
    {"viewer": Item._meta.get_field("owner"), **_ITEM_KEYS},
)
_ITEM_FOR_ANYONE = PreparedQuery(lambda stand_in: _item_listed(stand_in, viewer=False), _ITEM_KEYS)


def item_get_listed(*, item_id, viewer) -> ListedItem:
    """``item_get_for_viewer`` with what ``ImageOutput`` shows (``LISTED_FIELDS``, the folder's kind,
    ``tag_names``, ``viewer_reaction``), in one prepared query."""
    keys = {"domain": current_domain().pk, "item": item_id}
    if viewer is not None:
        rows = _ITEM_FOR_VIEWER.rows(viewer=viewer.pk, **keys)
    else:
        rows = _ITEM_FOR_ANYONE.rows(**keys)
    if not rows:
        raise NotFound("Item not found.")
    return _item_from_row(rows[0])


def _for_output(qs: QuerySet, viewer_id) -> QuerySet:
    """``qs`` annotated with what ``ImageOutput`` shows beyond the item's columns (``OUTPUT_COLUMNS``);
    ``viewer_id`` ``None``: no viewer (an anonymous session)."""
    qs = with_tag_names(qs)
    if viewer_id is None:
        return qs.annotate(viewer_reaction=Value(None, output_field=CharField()))
    return qs.annotate(viewer_reaction=_reaction_of(viewer_id))


_MEDIA_AT = _LISTED_ATTNAMES.index("media")


class ListedMedia:
    """An item's stored media as listings read it: its name (``FieldFile.name``), false when empty."""

    __slots__ = ("name",)

    def __init__(self, name: str | None):
        self.name = name or ""

    def __bool__(self) -> bool:
        return bool(self.name)


class ListedFolder:
    """An item's folder as listings read it: its id and kind."""

    __slots__ = ("id", "is_public", "pk")

    def __init__(self, folder_id, is_public: bool):
        self.id = self.pk = folder_id
        self.is_public = is_public


class ListedItem:
    """An item as prepared reads load it (``OUTPUT_COLUMNS``): what ``ImageOutput`` and the media URL
    rule read, as plain attributes. Not a model instance: building two (item and folder) per listed
    row cost more than the rest of the row's work; nothing saves these."""

    __slots__ = (
        *_LISTED_ATTNAMES,
        "capped_count",
        "folder",
        "library_counts",
        "pk",
        "tag_names",
        "viewer_reaction",
    )
    #: ``_MY_CREATIONS_COUNTED`` rows only: the owner's (items, root items, count entries) sums.
    library_counts: tuple
    #: ``_PUBLIC_CREATIONS`` rows only: the listing's count, capped (``_counted``).
    capped_count: int

    def __init__(self, row: tuple):
        for name, value in zip(_LISTED_ATTNAMES, row, strict=False):
            setattr(self, name, value)
        self.pk = self.id  # type: ignore[attr-defined]
        self.media = ListedMedia(row[_MEDIA_AT])
        folder_is_public, self.viewer_reaction, tag_csv = row[len(_LISTED_ATTNAMES) :]
        folder_id = self.folder_id  # type: ignore[attr-defined]
        self.folder = ListedFolder(folder_id, folder_is_public) if folder_id is not None else None
        self.tag_names = tag_names_split(tag_csv)

    is_publicly_visible = Item.is_publicly_visible


def _item_from_row(row: tuple) -> ListedItem:
    """An item (with its folder's kind, ``viewer_reaction`` and ``tag_names``) from ``OUTPUT_COLUMNS``."""
    return ListedItem(row)


def items_decorate(items: list[Item], *, viewer) -> list[Item]:
    """Put ``tag_names`` and ``viewer_reaction`` on each item: at most two queries whatever the count,
    none for what the listing's own query annotated (``with_tag_names``, ``with_viewer_reaction``)."""
    if not items:
        return items
    with_tags = all(hasattr(item, "tag_csv") or hasattr(item, "tag_names") for item in items)
    tags: dict = {}
    if not with_tags:
        for item_id, name in (
            ItemTag.objects.filter(item_id__in=[item.pk for item in items])
            .order_by("tag__name")
            .values_list("item_id", "tag__name")
        ):
            tags.setdefault(item_id, []).append(name)
    annotated = all(hasattr(item, "viewer_reaction") for item in items)
    reactions: dict = {}
    if viewer is not None and not annotated:
        reactions = dict(
            ItemReaction.objects.filter(
                user_id=viewer.pk, item_id__in=[item.pk for item in items]
            ).values_list("item_id", "kind")
        )
    for item in items:
        if hasattr(item, "tag_csv"):
            item.tag_names = tag_names_split(item.tag_csv)
        elif not with_tags:
            item.tag_names = tags.get(item.pk, [])
        if not annotated:
            item.viewer_reaction = reactions.get(item.pk)
    return items


def item_owner_picture_uri(*, item: Item) -> str | None:
    """The owner's profile picture as a ``data:image/webp;base64,...`` URI (none when banned)."""
    webp = (
        ProfilePicture.objects.filter(user_id=item.owner_id, user__profile_picture_banned=False)
        .values_list("webp", flat=True)
        .first()
    )
    if not webp:
        return None
    return "data:image/webp;base64," + base64.b64encode(bytes(webp)).decode()


# ---------------------------------------------------------------- listings


@dataclass
class FolderFilter:
    """A resolved ``folderID``: ``root`` (no folder) or one folder."""

    root: bool = False
    folder: Folder | None = None


def owner_folder_filter(
    *, owner, ref: FolderRef | Literal["root"] | None, any_owner: bool = False
) -> FolderFilter | None:
    """Resolve a listing's ``folderID`` (``ROOT`` or a ``FolderRef``) among ``owner``'s folders
    (every folder of the domain with ``any_owner``).

    Another user's folder, a ``p-`` id of a private folder or a bare id of a
    public one is ``NotFound``.
    """
    if ref is None:
        return None
    if not isinstance(ref, FolderRef):  # ROOT
        return FolderFilter(root=True)
    if owner is None and not any_owner:
        raise NotFound("Folder not found.")
    qs = Folder.objects.filter(pk=ref.id)
    if not any_owner:
        qs = qs.filter(owner_id=owner.pk)
    # The form says the kind: a bare UUID names a private folder, ``p-<uuid>`` a public one.
    folder = qs.filter(is_public=ref.is_public).first()
    if folder is None:
        raise NotFound("Folder not found.")
    return FolderFilter(folder=folder)


def _public_capped(stand_in, shape: tuple) -> QuerySet:
    by_user, in_folder = shape
    qs = Item.all_domains.filter(PUBLIC_CANDIDATE, folder__is_public=True, domain_id=stand_in.domain)
    if by_user:
        qs = qs.filter(owner_id=stand_in.user)
    if in_folder:
        qs = qs.filter(folder_id=stand_in.folder)
    return qs.order_by().values_list("pk")[: stand_in.limit]


#: ``public_items()`` of one user and/or folder, at most ``limit`` rows: counted by ``_counted``.
_PUBLIC_CAPPED = {
    (by_user, in_folder): PreparedQuery(
        functools.partial(_public_capped, shape=(by_user, in_folder)),
        {
            "domain": Item._meta.get_field("domain"),
            **({"user": Item._meta.get_field("owner")} if by_user else {}),
            **({"folder": Item._meta.get_field("folder")} if in_folder else {}),
        },
        inline=("limit",),
    )
    for by_user in (False, True)
    for in_folder in (False, True)
}


def _counted(
    qs: QuerySet | Callable[[], QuerySet], *, cache_key: str, capped: Callable[[int], int] | None = None
) -> int:
    """The number of rows of ``qs``: exact up to ``EXACT_COUNT_LIMIT``; above it, an exact count
    taken at most ``COUNT_TTL`` seconds ago. With ``capped`` (a prepared count of at most that
    many rows), ``qs`` may be a function that builds the queryset: it is built only for a total
    beyond the cap (building it costs more CPU than the capped count).

    Counting a million rows on every page would cost more than the page
    itself; the reference calls these totals conveniences ("Annex:
    Pagination"). Small totals (every ordinary library) are always current.
    """
    if capped is not None:
        found = capped(EXACT_COUNT_LIMIT + 1)
    else:
        assert isinstance(qs, QuerySet), "a queryset to build later needs a capped count"
        found = qs.order_by()[: EXACT_COUNT_LIMIT + 1].count()
    if found <= EXACT_COUNT_LIMIT:
        return found
    cached = cache.get(cache_key)
    if isinstance(cached, int) and cached > EXACT_COUNT_LIMIT:
        return cached
    total = (qs if isinstance(qs, QuerySet) else qs()).order_by().count()
    cache.set(cache_key, total, COUNT_TTL)
    return total


def _count_key(*parts) -> str:
    return "library:count:" + ":".join(str(part) for part in parts)


def _my_creations(stand_in, shape: tuple) -> QuerySet:
    scope, mtype, is_public, status = shape
    qs = Item.all_domains.filter(domain_id=stand_in.domain, owner_id=stand_in.owner, deleted_at__isnull=True)
    if scope == "root":
        qs = qs.filter(folder__isnull=True)
    elif scope == "folder":
        qs = qs.filter(folder_id=stand_in.folder)
    if mtype:
        qs = qs.filter(mtype=stand_in.mtype)
    if is_public is not None:
        qs = qs.filter(is_public=is_public)
    if status:
        qs = qs.filter(public_approval_status=stand_in.status)
    return _for_output(qs, stand_in.owner)


def _my_creations_fields(shape: tuple) -> dict:
    scope, mtype, _is_public, status = shape
    fields: dict = {"domain": Item._meta.get_field("domain"), "owner": Item._meta.get_field("owner")}
    if scope == "folder":
        fields["folder"] = Item._meta.get_field("folder")
    if mtype:
        fields["mtype"] = Item._meta.get_field("mtype")
    if status:
        fields["status"] = Item._meta.get_field("public_approval_status")
    return fields


_MY_CREATIONS = PreparedListing(
    _my_creations,
    model=Item,
    columns=OUTPUT_COLUMNS,
    row=_item_from_row,
    time_field="completed_at",
    fields=_my_creations_fields,
)

#: The sums ``user_item_counts`` reads, as columns of each listed row (one InitPlan each).
_COUNT_COLUMNS = ("counted_items", "counted_root", "counted_entries")


def _owner_counts(owner_id, **aggregate) -> Subquery:
    ((name, expression),) = aggregate.items()
    entries = LibraryCountEntry.objects.filter(user_id=owner_id).order_by().values("user_id")
    return Subquery(entries.annotate(**{name: expression}).values(name))


def _my_creations_counted(stand_in, shape: tuple) -> QuerySet:
    """``_my_creations`` (the whole library or its root) with the owner's ``user_item_counts`` sums
    on every row: the page and its ``totalCount`` in one query."""
    return _my_creations(stand_in, shape).annotate(
        counted_items=_owner_counts(stand_in.owner, s=Sum("item_delta")),
        counted_root=_owner_counts(stand_in.owner, s=Sum("root_delta")),
        counted_entries=_owner_counts(stand_in.owner, n=Count("id")),
    )


def _counted_item_from_row(row: tuple) -> ListedItem:
    item = ListedItem(row[: -len(_COUNT_COLUMNS)])
    item.library_counts = row[-len(_COUNT_COLUMNS) :]
    return item


_MY_CREATIONS_COUNTED = PreparedListing(
    _my_creations_counted,
    model=Item,
    columns=(*OUTPUT_COLUMNS, *_COUNT_COLUMNS),
    row=_counted_item_from_row,
    time_field="completed_at",
    fields=_my_creations_fields,
)


def my_creations_page(
    *,
    owner,
    folder_filter: FolderFilter | None,
    page: PageRequest,
    mtype: str | None = None,
    is_public: bool | None = None,
    approval_status: str | None = None,
) -> Page:
    """A page of ``owner``'s live items, newest first, ready for ``ImageOutput`` (tags, the owner's
    reactions), with the documented ``totalCount``: one prepared query, whose rows carry the
    owner's counts (a folder's total, and an empty page's, are one more query).

    ``totalCount`` ignores ``mtype``, ``isPublic`` and ``publicApprovalStatus``:
    it is the user's ``itemCount`` or ``rootFolderItemCount`` (``user_item_counts``:
    exact, whatever the size of the library), or the folder's item count (see ``_counted``).
    """
    if owner is None:
        return paginate(Item.objects.none(), page, time_field="completed_at", total_count=0)
    values: dict = {"domain": current_domain().pk, "owner": owner.pk}
    scope = "all"
    if folder_filter is not None and folder_filter.folder is not None:
        scope, values["folder"] = "folder", folder_filter.folder.pk
        in_folder = Item.objects.filter(
            owner_id=owner.pk, deleted_at__isnull=True, folder_id=folder_filter.folder.pk
        )
        total = _counted(
            in_folder, cache_key=_count_key("mine", owner.pk, f"folder:{folder_filter.folder.pk}")
        )
    if mtype:
        values["mtype"] = mtype
    if approval_status:
        values["status"] = approval_status
    if scope == "folder":
        shape = (scope, bool(mtype), is_public, bool(approval_status))
        return _MY_CREATIONS.page(page, shape=shape, total_count=total, **values)
    root = folder_filter is not None and folder_filter.root
    count_name = "rootFolderItemCount" if root else "itemCount"

    def counted_total(window: list) -> int:
        # The rows carry the sums; a page with no rows reads them itself.
        if not window:
            return user_item_counts(user=owner)[count_name]
        items, root_items, entries = window[0].library_counts
        if (entries or 0) > FOLD_AFTER_ENTRIES:
            library_counts_fold_quietly(user_id=owner.pk)
        return int((root_items if root else items) or 0)

    shape = ("root" if root else "all", bool(mtype), is_public, bool(approval_status))
    return _MY_CREATIONS_COUNTED.page(page, shape=shape, total_count=counted_total, **values)


def public_items() -> QuerySet:
    """Every publicly visible item of the bound domain (unordered)."""
    return Item.objects.filter(PUBLIC_CANDIDATE, folder__is_public=True)


def public_folder_get(*, ref: FolderRef) -> Folder:
    """The public folder of the domain ``ref`` names (a public folder's id), else ``NotFound``."""
    folder = Folder.objects.filter(pk=ref.id, is_public=True).first()
    if folder is None:
        raise NotFound("Folder not found.")
    return folder


def _public_creations(stand_in, shape: tuple) -> QuerySet:
    by_user, in_folder, mtype, viewer = shape
    qs = Item.all_domains.filter(PUBLIC_CANDIDATE, folder__is_public=True, domain_id=stand_in.domain)
    if by_user:
        qs = qs.filter(owner_id=stand_in.user)
    if in_folder:
        qs = qs.filter(folder_id=stand_in.folder)
    if mtype:
        qs = qs.filter(mtype=stand_in.mtype)
    return _for_output(qs, stand_in.viewer if viewer else None)


def _public_creations_fields(shape: tuple) -> dict:
    by_user, in_folder, mtype, viewer = shape
    fields: dict = {"domain": Item._meta.get_field("domain")}
    if by_user:
        fields["user"] = Item._meta.get_field("owner")
    if in_folder:
        fields["folder"] = Item._meta.get_field("folder")
    if mtype:
        fields["mtype"] = Item._meta.get_field("mtype")
    if viewer:
        fields["viewer"] = Item._meta.get_field("owner")
    return fields


#: The cap compiled into ``_PUBLIC_CREATIONS``' SQL, fixed at import (``_counted`` reads any count
#: above its limit as "count it all", so a test that lowers ``EXACT_COUNT_LIMIT`` still gets totals right).
_PUBLIC_COUNT_CAP = EXACT_COUNT_LIMIT + 1


def _public_creations_counted(stand_in, shape: tuple) -> QuerySet:
    """``_public_creations`` with the capped count of ``_PUBLIC_CAPPED`` on every row (an InitPlan):
    the page and what ``_counted`` needs in one query."""
    by_user, in_folder, _mtype, _viewer = shape
    capped = _public_capped(
        SimpleNamespace(**{**vars(stand_in), "limit": _PUBLIC_COUNT_CAP}), (by_user, in_folder)
    )
    sql, params = capped.query.sql_with_params()
    # ``sql`` is the ORM's own compilation of a queryset: every value in it is a parameter.
    counted = RawSQL(f"SELECT count(*) FROM ({sql}) AS capped", params, output_field=IntegerField())  # noqa: S608, S611
    return _public_creations(stand_in, shape).annotate(capped_count=counted)


def _public_counted_from_row(row: tuple) -> ListedItem:
    item = ListedItem(row[:-1])
    item.capped_count = row[-1]
    return item


_PUBLIC_CREATIONS = PreparedListing(
    _public_creations_counted,
    model=Item,
    columns=(*OUTPUT_COLUMNS, "capped_count"),
    row=_public_counted_from_row,
    time_field="completed_at",
    fields=_public_creations_fields,
)


def public_creations_page(
    *, page: PageRequest, viewer, user_id=None, folder: Folder | None = None, mtype: str | None = None
) -> Page:
    """A page of publicly visible items (of one user, of one public folder), newest first, ready for
    ``ImageOutput`` (tags, the viewer's reactions), with the documented ``totalCount``.

    The total counts the publicly visible items of the folder and/or user,
    or of the whole site (see ``_counted``); ``mtype`` never changes it.
    """
    domain_id = current_domain().pk
    values: dict = {"domain": domain_id}
    if user_id is not None:
        values["user"] = user_id
    if folder is not None:
        values["folder"] = folder.pk

    def counted_items() -> QuerySet:
        qs = public_items()
        if user_id is not None:
            qs = qs.filter(owner_id=user_id)
        return qs.filter(folder_id=folder.pk) if folder is not None else qs

    if mtype:
        values["mtype"] = mtype
    if viewer is not None:
        values["viewer"] = viewer.pk
    scope = folder.pk if folder is not None else "all"
    keys = {name: values[name] for name in ("domain", "user", "folder") if name in values}
    capped_query = _PUBLIC_CAPPED[(user_id is not None, folder is not None)]

    def total(window: list) -> int:
        # The rows carry the capped count; a page with no rows counts itself.
        return _counted(
            counted_items,
            cache_key=_count_key("public", domain_id, scope, user_id),
            capped=lambda limit: (
                window[0].capped_count if window else capped_query.count(**keys, limit=limit)
            ),
        )

    shape = (user_id is not None, folder is not None, bool(mtype), viewer is not None)
    return _PUBLIC_CREATIONS.page(page, shape=shape, total_count=total, **values)


def admin_items(
    *,
    user_id=None,
    folder_filter: FolderFilter | None = None,
    mtype: str | None = None,
    is_public: bool | None = None,
    approval_status: str | None = None,
) -> QuerySet:
    """Every live item of the domain, filtered (``getItems``, Admins only; unordered)."""
    qs = Item.objects.filter(deleted_at__isnull=True)
    if user_id is not None:
        qs = qs.filter(owner_id=user_id)
    if folder_filter is not None and folder_filter.root:
        qs = qs.filter(folder__isnull=True)
    elif folder_filter is not None and folder_filter.folder is not None:
        qs = qs.filter(folder_id=folder_filter.folder.pk)
    if mtype:
        qs = qs.filter(mtype=mtype)
    if is_public is not None:
        qs = qs.filter(is_public=is_public)
    if approval_status:
        qs = qs.filter(public_approval_status=approval_status)
    return _listing(qs)


def sample_items(*, limit: int) -> list[Item]:
    """Up to ``limit`` publicly visible items picked at random among the most recent ones.

    Draws from the newest ``max(limit * 5, SAMPLE_POOL)`` (at most 5,000) by
    completion time, which one index serves, instead of ``ORDER BY random()``
    over the whole table.
    """
    pool_size = min(max(limit * 5, SAMPLE_POOL), 5000)
    pool = list(_listing(public_items()).order_by("-completed_at", "-id")[:pool_size])
    if len(pool) <= limit:
        random.shuffle(pool)
        return pool
    return random.sample(pool, limit)


def batch_items(*, owner, batch_id) -> list[Item]:
    """``owner``'s live items of one batch, oldest first (at most 1,000)."""
    if owner is None:
        return []
    return list(
        Item.objects.select_related("folder", "owner")
        .filter(owner_id=owner.pk, batch_id=batch_id, deleted_at__isnull=True)
        .order_by("completed_at", "id")[:1000]
    )


def latest_items() -> QuerySet:
    """Publicly visible items for ``getLatestItems`` (unordered; paged by completion time)."""
    return _listing(public_items())


def user_get_existing(*, user_id) -> User:
    """The user ``user_id`` names, deleted (disabled) ones included; 404 when there is none."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound("User not found.")
    return user
