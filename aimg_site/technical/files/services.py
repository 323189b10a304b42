"""Writes of the file server: store an upload, make a rendition, remove a file.

Storage writes cannot join a database transaction, so each write orders them to leave nothing
half-done: bytes are stored first under a fresh random name and the row inserted after (a
failed insert deletes the bytes); removal deletes the rows, then the bytes, inside one
transaction that a failed storage delete rolls back.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from aimg_site.api.errors import ErrorCode
from aimg_site.api.exceptions import Conflict, NotFound

from ..models import FileRendition, LegacyRendition, StoredFile
from . import imaging, renditions, store
from .ids import new_file_id, new_storage_name
from .selectors import FILE_NOT_FOUND, file_get, rendition_find

logger = logging.getLogger("aimg.technical.files")


def _conflict(file_id: str) -> Conflict:
    return Conflict(
        f"A file with the id '{file_id}' already exists.", error_code=ErrorCode.TECHNICAL_FILE_ID_TAKEN
    )


def file_store(
    *,
    upload: File,
    sha256: str,
    content_type: str,
    file_name: str,
    file_id: str | None,
    custom_metadata: dict | None,
    owner: Any,
) -> StoredFile:
    """Store the uploaded bytes and their metadata; a 409 when ``file_id`` is taken (also when two
    uploads race for it: the unique primary key decides)."""
    file_id = file_id or new_file_id()
    if StoredFile.objects.filter(pk=file_id).exists():
        raise _conflict(file_id)
    size = upload.size or 0
    try:
        name = store.save(new_storage_name("files"), upload)
    finally:
        upload.close()  # a temporary file moved into local storage is gone: close() knows that
    try:
        with transaction.atomic():
            return StoredFile.objects.create(
                id=file_id,
                file_name=file_name[:255],
                content_type=content_type,
                size=size,
                checksum=sha256,
                checksum_algorithm="sha256",
                storage_name=name,
                custom_metadata=custom_metadata,
                owner=owner,
            )
    except IntegrityError:
        store.delete(name)
        raise _conflict(file_id) from None
    except BaseException:
        store.delete(name)
        raise


_INSERT_RENDITION_SQL = (
    "INSERT INTO technical_filerendition "
    "(file_id, width, height, mode, storage_name, content_type, size, checksum, created_at) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (file_id, width, height, mode) DO NOTHING RETURNING id"
)


def resize_stored(*, file: StoredFile, box: imaging.Box) -> bytes:
    """``file`` resized into ``box``, its source read once (in one read from disk). The source's
    checksum is not checked: the reference says resizing does not perform it."""
    return imaging.resize(store.read_all(file.storage_name), file.content_type, box)


def rendition_create(*, file: StoredFile, box: imaging.Box) -> tuple[FileRendition, bytes | None]:
    """Resize ``file`` and store the rendition with its own sha256; returns it and its bytes
    (``None`` when another request stored the same rendition first: its row is returned, read it
    from storage).

    Two requests racing for a new rendition both resize; the unique constraint keeps one row
    (``ON CONFLICT DO NOTHING``) and the loser deletes its copy. The insert is one plain statement
    (no transaction of its own, no ORM work: this runs on every first request of a size).
    """
    width, height = box.width or 0, box.height or 0
    data = resize_stored(file=file, box=box)
    name = store.save(new_storage_name("renditions"), ContentFile(data))
    rendition = FileRendition(
        file=file,
        width=width,
        height=height,
        mode=box.mode,
        storage_name=name,
        content_type=file.content_type,
        size=len(data),
        checksum=hashlib.sha256(data).hexdigest(),
        created_at=timezone.now(),
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                _INSERT_RENDITION_SQL,
                [
                    file.pk,
                    width,
                    height,
                    box.mode,
                    name,
                    rendition.content_type,
                    rendition.size,
                    rendition.checksum,
                    rendition.created_at,
                ],
            )
            inserted = cursor.fetchone()
    except IntegrityError:  # the file was removed meanwhile (its foreign key is gone)
        store.delete(name)
        raise NotFound(FILE_NOT_FOUND) from None
    except BaseException:
        store.delete(name)
        raise
    if inserted is None:  # another request stored this rendition first: keep its copy
        store.delete(name)
        existing = rendition_find(file=file, width=width, height=height, mode=box.mode)
        if existing is None:  # and the file was removed since
            raise NotFound(FILE_NOT_FOUND)
        return existing, None
    rendition.pk = inserted[0]
    return rendition, data


def rendition_discard(*, storage_name: str) -> None:
    """Drop the rendition stored under ``storage_name``, its bytes damaged or gone (made again
    when next asked for); its bytes go only if this call deleted its row."""
    if FileRendition.objects.filter(storage_name=storage_name).delete()[0]:
        store.delete(storage_name)


def rendition_get_or_create(*, file: StoredFile, box: imaging.Box) -> FileRendition:
    """The cached rendition of ``file`` in ``box``, made (and stored) on first use."""
    found = rendition_find(file=file, width=box.width or 0, height=box.height or 0, mode=box.mode)
    return found if found is not None else rendition_create(file=file, box=box)[0]


@transaction.atomic
def file_remove(*, file_id: str) -> StoredFile:
    """Delete the file, its renditions, and their bytes (a 404 for an unknown id)."""
    locked = StoredFile.objects.select_for_update().filter(pk=file_id).first()
    if locked is None:
        file_get(file_id=file_id)  # raises the 404
    assert locked is not None
    names = [
        locked.storage_name,
        *FileRendition.objects.filter(file=locked).values_list("storage_name", flat=True),
    ]
    keys = [
        renditions.cache_key(locked.pk, w, h, m)
        for w, h, m in FileRendition.objects.filter(file=locked).values_list("width", "height", "mode")
    ]
    FileRendition.objects.filter(file=locked).delete()
    StoredFile.objects.filter(pk=locked.pk).delete()
    for name in names:
        store.delete(name)
    renditions.forget(keys)
    return locked


# --- renditions of the legacy file server's images -------------------------------------------------


def _legacy_discard(rows: list[tuple[int, str]]) -> int:
    """Delete these legacy renditions (id, storage name); bytes go only with a row this call deleted,
    so two requests pruning the same rows do not both delete (and no row outlives its bytes)."""
    removed = 0
    for pk, name in rows:
        if LegacyRendition.objects.filter(pk=pk).delete()[0]:
            store.delete(name)
            removed += 1
    return removed


def legacy_rendition_discard(*, rendition: LegacyRendition) -> None:
    _legacy_discard([(rendition.pk, rendition.storage_name)])


def legacy_renditions_prune(*, batch: int = 100) -> int:
    """Delete expired legacy renditions, then the oldest past ``AIMG_LEGACY_RENDITION_MAX``, at most
    ``batch`` of each per call (every new rendition calls this, so the table stays bounded)."""
    now = timezone.now()
    expired = list(
        LegacyRendition.objects.filter(expires_at__lte=now)
        .order_by("expires_at", "pk")
        .values_list("pk", "storage_name")[:batch]
    )
    removed = _legacy_discard(expired)
    excess = LegacyRendition.objects.count() - settings.AIMG_LEGACY_RENDITION_MAX
    if excess > 0:
        oldest = list(
            LegacyRendition.objects.order_by("created_at", "pk").values_list("pk", "storage_name")[
                : min(excess, batch)
            ]
        )
        removed += _legacy_discard(oldest)
    return removed


def legacy_rendition_store(
    *, legacy_id: str, box: imaging.Box, data: bytes, content_type: str
) -> LegacyRendition | None:
    """Keep a resized legacy image in storage for ``AIMG_LEGACY_RENDITION_SECONDS``; ``None`` when
    another request stored the same one first. An expired copy of the same key is replaced."""
    width, height = box.width or 0, box.height or 0
    key = {"legacy_id": legacy_id, "width": width, "height": height, "mode": box.mode}
    now = timezone.now()
    _legacy_discard(
        list(LegacyRendition.objects.filter(expires_at__lte=now, **key).values_list("pk", "storage_name"))
    )
    name = store.save(new_storage_name("legacy"), ContentFile(data))
    try:
        with transaction.atomic():  # a lost race must not break a caller's transaction
            rendition = LegacyRendition.objects.create(
                **key,
                storage_name=name,
                content_type=content_type,
                size=len(data),
                checksum=hashlib.sha256(data).hexdigest(),
                expires_at=now + timedelta(seconds=settings.AIMG_LEGACY_RENDITION_SECONDS),
            )
    except IntegrityError:
        store.delete(name)
        return None
    except BaseException:
        store.delete(name)
        raise
    legacy_renditions_prune()
    return rendition
