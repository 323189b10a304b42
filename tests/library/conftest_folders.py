"""Helpers of the folder, move and tag tests (plain functions, imported by those modules)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from library.models import ApprovalStatus, Folder, FolderTag, FolderThumbnail, Item, ItemTag, Tag
from tests.concurrency import race  # noqa: F401 (re-exported for the folder tests)
from tests.library.factories import FolderFactory, ItemFactory


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


#: When ``make_folder``'s folders were last updated: long before any test runs.
FOLDER_UPDATED_LONG_AGO = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
#: How far two wall-clock readings (test code, then a request) may disagree: the wall clock of a
#: virtual machine can be stepped back by time synchronisation, so "after" is checked with slack.
CLOCK_SLACK = dt.timedelta(seconds=2)


def make_folder(owner, *, is_public: bool = False, **fields) -> Folder:
    """A folder of ``owner`` (a Persona or a User), last updated long ago (``FOLDER_UPDATED_LONG_AGO``).

    A test that checks a write bumps ``updatedDate`` then compares against a date days old, not
    against a reading of the clock a few microseconds earlier.
    """
    fields.setdefault("updated_at", FOLDER_UPDATED_LONG_AGO)
    return FolderFactory(owner=getattr(owner, "user", owner), is_public=is_public, **fields)


def stamped_since(value: dt.datetime, started: dt.datetime) -> bool:
    """``value`` was stamped by a write that ran after ``started`` (see ``CLOCK_SLACK``)."""
    return started - CLOCK_SLACK <= value <= timezone.now() + CLOCK_SLACK


def make_item(owner, *, public: bool = False, folder: Folder | None = None, **fields) -> Item:
    """A live item of ``owner``; ``public`` makes it approved and marked public (no folder is made)."""
    if public:
        fields.setdefault("is_public", True)
        fields.setdefault("public_approval_status", ApprovalStatus.APPROVED)
    return ItemFactory(owner=getattr(owner, "user", owner), folder=folder, **fields)


def folder_item_ids(folder: Folder) -> set:
    return set(Item.objects.filter(folder=folder).values_list("id", flat=True))


def thumbnail_ids(folder: Folder) -> list[str]:
    rows = FolderThumbnail.objects.filter(folder=folder).order_by("position")
    return [str(item_id) for item_id in rows.values_list("item_id", flat=True)]


def tag_item(item: Item, *names: str) -> None:
    for name in names:
        ItemTag.objects.create(item=item, tag=Tag.objects.get_or_create(name=name)[0])


def tag_folder(folder: Folder, *names: str) -> None:
    for name in names:
        FolderTag.objects.create(folder=folder, tag=Tag.objects.get_or_create(name=name)[0])


def live_count(folder: Folder) -> int:
    """The COUNT query every ``imageCount`` must agree with."""
    return Item.objects.filter(folder=folder, deleted_at__isnull=True).count()


def when(text: str) -> dt.datetime:
    """A wire date (ISO 8601, ``Z`` for UTC) as an aware datetime."""
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
