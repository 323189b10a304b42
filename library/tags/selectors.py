"""Reads of tags: the ranking of getTagsList and the target of the tag endpoints."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Sum, Value, When

from aimg_site.api.exceptions import NotFound
from aimg_site.api.pagination import Page, PageRequest
from library.folders.ids import FolderRef
from library.folders.selectors import folder_get_owned
from library.models import Folder, FolderTag, Item, ItemTag, PublicTagUsageEntry, Tag

#: getTagsList lists at most this many tags (the reference's "up to 100").
RANKING_SIZE = 100


def _public_usage(*, names: list[str] | None, first: set | frozenset = frozenset()) -> dict:
    """``{tag_id: (name, usage)}``: tags' usage by publicly visible items, from the ledger the
    triggers keep (``PublicTagUsageEntry``), so independent of the number of items.

    The ``RANKING_SIZE`` most used tags, and every tag of ``first`` (the viewer's own tags, which
    their own uses may lift into the ranking), in one query.
    """
    entries = PublicTagUsageEntry.objects.filter(tag__in=Tag.objects.all())
    if names is not None:
        entries = entries.filter(tag__name__in=names)
    rows = entries.values("tag_id", "tag__name").annotate(usage=Sum("delta")).filter(usage__gt=0)
    if first:
        rows = rows.annotate(
            own=Case(
                When(tag_id__in=list(first), then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        ).order_by("own", "-usage", "tag__name")
    else:
        rows = rows.order_by("-usage", "tag__name")
    return {row["tag_id"]: (row["tag__name"], row["usage"]) for row in rows[: RANKING_SIZE + len(first)]}


def tags_ranked(*, names: list[str] | None = None, viewer=None) -> list[Tag]:
    """The most used tags (at most ``RANKING_SIZE``), each with ``usage``: most used first.

    Usage is the number of publicly visible items carrying the tag (kept by
    triggers, so the ranking costs the same at any number of items), plus, for
    ``viewer``, their own live items that are not publicly visible (private,
    pending, rejected, in a private folder; counted from their own items).
    Nobody learns of another's private tags, not even by the ``names`` filter.
    Tags on no counted item are not listed. Ties: by name.
    """
    own_counts: dict = {}
    if viewer is not None and viewer.pk is not None:
        own = ItemTag.objects.filter(item__owner=viewer, item__deleted_at__isnull=True).exclude(
            Item.publicly_visible_q("item__")
        )
        if names is not None:
            own = own.filter(tag__name__in=names)
        own_counts = {
            row["tag_id"]: (row["tag__name"], row["n"])
            for row in own.order_by().values("tag_id", "tag__name").annotate(n=Count("pk"))
        }
    usage = _public_usage(names=names, first=set(own_counts))
    for tag_id, (name, n) in own_counts.items():
        usage[tag_id] = (name, usage.get(tag_id, (name, 0))[1] + n)
    ranked = sorted(usage.items(), key=lambda row: (-row[1][1], row[1][0]))[:RANKING_SIZE]
    tags = []
    for tag_id, (name, n) in ranked:
        tag = Tag(id=tag_id, name=name)
        tag.usage = n  # type: ignore[attr-defined]
        tags.append(tag)
    return tags


def tags_page(*, names: list[str] | None, page: PageRequest, viewer=None) -> Page:
    """One page of the ranking: ``paginationIndex`` is a rank offset, not a time.

    The ranking is ordered by usage, so the time-keyed paginator does not
    apply. ``nextPaginationIndex`` is the offset just past this page (null on
    the last page); passing it back returns the following rows exactly once
    while usage does not change. ``reversePagination`` walks the ranking from
    its least used end; ``skipCount`` skips rows after the offset.
    """
    ranking = tags_ranked(names=names, viewer=viewer)
    if page.reverse:
        ranking.reverse()
    offset = int(page.pagination_index or 0)
    start = min(offset, len(ranking)) + page.skip
    rows = ranking[start : start + page.limit]
    end = start + len(rows)
    metadata = {
        "paginationIndex": page.pagination_index or "0",
        "nextPaginationIndex": str(end) if rows and end < len(ranking) else None,
        "reversePagination": page.reverse,
        "skipCount": page.skip,
        "limit": page.limit,
        "count": len(rows),
        "totalCount": len(ranking),
    }
    return Page(rows=rows, metadata=metadata)


@dataclass(frozen=True)
class TagTarget:
    """What a tag endpoint tags: an item or a folder, with its link table."""

    obj: Item | Folder
    link_model: type[ItemTag] | type[FolderTag]
    field: str

    @property
    def is_folder(self) -> bool:
        return isinstance(self.obj, Folder)


def tag_target_get(
    *, owner, image_id: uuid.UUID | None, folder_ref: FolderRef | None, for_update: bool = False
) -> TagTarget:
    """The caller's live item or folder to tag (``folder_ref`` wins); anyone else's is a 404."""
    if folder_ref is not None:
        folder = folder_get_owned(user=owner, ref=folder_ref, for_update=for_update)
        return TagTarget(obj=folder, link_model=FolderTag, field="folder")
    item = None
    if owner is not None:
        queryset = Item.objects.filter(id=image_id, owner=owner, deleted_at__isnull=True)
        item = (queryset.select_for_update() if for_update else queryset).first()
    if item is None:
        raise NotFound("The item was not found.")
    return TagTarget(obj=item, link_model=ItemTag, field="item")


def tag_names_of(target: TagTarget) -> list[str]:
    """The target's tags, by name."""
    links = target.link_model.objects.filter(**{target.field: target.obj})
    return sorted(links.values_list("tag__name", flat=True))
