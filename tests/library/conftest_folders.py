"""Helpers of the folder, move and tag tests (plain functions, imported by those modules)."""

from __future__ import annotations

from dataclasses import dataclass

from library.models import Folder, FolderTag, FolderThumbnail, Item, ItemTag
from tests.support.concurrency import race  # noqa: F401 (re-exported for the folder tests)
from tests.support.factories.library import FolderFactory, ItemFactory, TagFactory
from tests.support.time import (  # noqa: F401 (re-exported for the folder tests)
    CLOCK_SLACK,
    FOLDER_UPDATED_LONG_AGO,
    stamped_since,
    when,
)


@dataclass(frozen=True)
class Kind:
    """Private (``Self``) or public folder endpoints: ``kind.op("create{kind}Folder")``."""

    name: str
    is_public: bool

    def op(self, template: str) -> str:
        return "/" + template.format(kind=self.name)

    def __str__(self) -> str:
        return self.name


PRIVATE = Kind("Self", False)
PUBLIC = Kind("Public", True)
KINDS = [PRIVATE, PUBLIC]


def wire_id(folder: Folder) -> str:
    return f"p-{folder.id}" if folder.is_public else str(folder.id)


def make_folder(owner, *, is_public: bool = False, **fields) -> Folder:
    """A folder of ``owner`` (a Persona or a User), last updated long ago (``FOLDER_UPDATED_LONG_AGO``).

    A test that checks a write bumps ``updatedDate`` then compares against a date days old, not
    against a reading of the clock a few microseconds earlier.
    """
    fields.setdefault("updated_at", FOLDER_UPDATED_LONG_AGO)
    return FolderFactory(owner=getattr(owner, "user", owner), is_public=is_public, **fields)


def make_item(owner, *, public: bool = False, folder: Folder | None = None, **fields) -> Item:
    """A live item of ``owner``; ``public`` makes it approved and marked public (no folder is made)."""
    return ItemFactory(owner=getattr(owner, "user", owner), folder=folder, approved=public, **fields)


def folder_item_ids(folder: Folder) -> set:
    return set(Item.objects.filter(folder=folder).values_list("id", flat=True))


def thumbnail_ids(folder: Folder) -> list[str]:
    rows = FolderThumbnail.objects.filter(folder=folder).order_by("position")
    return [str(item_id) for item_id in rows.values_list("item_id", flat=True)]


def tag_item(item: Item, *names: str) -> None:
    for name in names:
        ItemTag.objects.create(item=item, tag=TagFactory(name=name))


def tag_folder(folder: Folder, *names: str) -> None:
    for name in names:
        FolderTag.objects.create(folder=folder, tag=TagFactory(name=name))


def live_count(folder: Folder) -> int:
    """The COUNT query every ``imageCount`` must agree with."""
    return Item.objects.filter(folder=folder, deleted_at__isnull=True).count()
