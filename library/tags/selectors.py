"""Reads of tags: the ranking of getTagsList and the target of the tag endpoints."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import Count, Q

from aimg_site.api.exceptions import NotFound
from aimg_site.api.pagination import Page, PageRequest
from library.folders.ids import FolderRef
from library.folders.selectors import folder_get_owned
from library.models import Folder, FolderTag, Item, ItemTag, Tag

#: getTagsList lists at most this many tags (the reference's "up to 100").
RANKING_SIZE = 100


def tags_ranked(*, names: list[str] | None = None, viewer=None) -> list[Tag]:
    """The most used tags (at most ``RANKING_SIZE``), each with ``usage``: most used first.

    Usage is the number of publicly visible items carrying the tag, plus, for
    ``viewer``, their own live items that are not (private, pending, rejected,
    in a private folder). Nobody learns of another's private tags, not even by
    the ``names`` filter. Tags on no counted item are not listed. Ties: by name.
    """
    counted = Item.publicly_visible_q("item_links__item__")
    if viewer is not None and viewer.pk is not None:
        counted |= Q(item_links__item__owner=viewer, item_links__item__deleted_at__isnull=True)
    queryset = Tag.objects.annotate(usage=Count("item_links", filter=counted)).filter(usage__gt=0)
    if names is not None:
        queryset = queryset.filter(name__in=names)
    return list(queryset.order_by("-usage", "name")[:RANKING_SIZE])


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
