"""Writes of tags: add, remove or set the tags of an item or a folder.

Tag names follow CONTRACT.md: lower-cased, 1 to 32 characters from
``a-z 0-9 $ - _ . + ! * ' ( )`` taken literally. A target holds at most
``MAX_TAGS_PER_TARGET``; the target row is locked while its tags change, so
concurrent calls cannot exceed the cap. ``Tag`` rows are shared per domain and
created on first use (``INSERT … ON CONFLICT DO NOTHING``, so two first uses
at once do not collide).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.db import transaction
from django.db.models import Manager
from django.utils import timezone

from aimg_site.core.scoping import current_domain
from library.folders.ids import FolderRef
from library.folders.services import ChangeResult, Mode, change_plan
from library.models import Folder, Tag

from .selectors import tag_names_of, tag_target_get

MAX_TAGS_PER_TARGET = 10
TAG_PATTERN = re.compile(r"[a-z0-9$\-_.+!*'()]{1,32}")
TAG_RULE = "1 to 32 characters from a-z 0-9 $ - _ . + ! * ' ( ) (upper case is lower-cased)"


def tag_names_normalize(values: list[str]) -> list[str]:
    """Lower-cased, distinct names in the order given; raises ``ValueError`` naming a bad one."""
    names: list[str] = []
    for value in values:
        name = value.lower() if value.isascii() else value
        if not TAG_PATTERN.fullmatch(name):
            shown = value if len(value) <= 40 else value[:40] + "…"
            raise ValueError(f"the tag '{shown}' is invalid: a tag is {TAG_RULE}")
        if name not in names:
            names.append(name)
    return names


def _tags_ensure(names: list[str]) -> list[Tag]:
    if not names:
        return []
    domain = current_domain()
    Tag.objects.bulk_create([Tag(domain=domain, name=name) for name in names], ignore_conflicts=True)
    return list(Tag.objects.filter(name__in=names))


@transaction.atomic
def tags_change(
    *, owner, image_id: uuid.UUID | None, folder_ref: FolderRef | None, names: list[str], mode: Mode
) -> ChangeResult:
    """Add, remove or set (``mode``) the tags of the caller's item or folder (``folder_ref`` wins).

    ``names`` are normalized (``tag_names_normalize``). Adding stops at the
    cap (``modified`` lists what was added); setting more than the cap is a
    400. A folder whose tags change gets ``updated_at`` = now.
    """
    target = tag_target_get(owner=owner, image_id=image_id, folder_ref=folder_ref, for_update=True)
    current = tag_names_of(target)
    plan = change_plan(mode, current, names, asked=len(names), cap=MAX_TAGS_PER_TARGET, parameter="tags")
    added = [name for name in plan.new if name not in current]
    removed = [name for name in current if name not in plan.new]
    # ItemTag or FolderTag rows, the same shape (``field`` names the target)
    links: Manager[Any] = target.link_model.objects
    if removed:
        links.filter(**{target.field: target.obj, "tag__name__in": removed}).delete()
    if added:
        links.bulk_create(
            target.link_model(**{target.field: target.obj}, tag=tag) for tag in _tags_ensure(added)
        )
    if (added or removed) and target.is_folder:
        Folder.objects.filter(pk=target.obj.pk).update(updated_at=timezone.now())
    return ChangeResult(success=plan.success, modified=plan.modified, actual=sorted(plan.new))
