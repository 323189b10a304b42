"""Reads of the file server: a file by id, a cached rendition."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import connection
from django.utils import timezone

from aimg_site.api.exceptions import NotFound

from ..models import FileRendition, LegacyRendition, StoredFile

FILE_NOT_FOUND = "File not found."


def file_get(*, file_id: str) -> StoredFile:
    """The file ``file_id``, or a 404."""
    found = StoredFile.objects.filter(pk=file_id).first()
    if found is None:
        raise NotFound(FILE_NOT_FOUND)
    return found


def file_find(*, file_id: str) -> StoredFile | None:
    return StoredFile.objects.filter(pk=file_id).first()


def rendition_find(*, file: StoredFile, width: int, height: int, mode: str) -> FileRendition | None:
    return FileRendition.objects.filter(file=file, width=width, height=height, mode=mode).first()


_FILE_COLUMNS = ("id", "file_name", "content_type", "size", "checksum", "storage_name", "created_at")
_RENDITION_COLUMNS = ("id", "storage_name", "content_type", "size", "checksum", "created_at")
#: One round trip, no ORM compilation nor model machinery (this runs on every first request of a
#: rendition, and on every request of one whose note is not in the cache).
_FILE_WITH_RENDITION_SQL = (
    "SELECT f.id, f.file_name, f.content_type, f.size, f.checksum, f.storage_name, f.created_at, "
    "r.id, r.storage_name, r.content_type, r.size, r.checksum, r.created_at "
    "FROM technical_storedfile f LEFT JOIN technical_filerendition r "
    "ON r.file_id = f.id AND r.width = %s AND r.height = %s AND r.mode = %s WHERE f.id = %s"
)


def _aware(value):
    """A timestamp as the ORM gives it (SQLite's cursor answers naive UTC datetimes)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value is None or timezone.is_aware(value) else value.replace(tzinfo=UTC)


def file_with_rendition(
    *, file_id: str, width: int, height: int, mode: str
) -> tuple[StoredFile | None, FileRendition | None]:
    """The file and its rendition in ``width``x``height``/``mode`` (either may be missing), in one
    query (the rendition is unique per file, size and mode). The file comes with the columns a
    rendition needs only (the others are deferred: read on access, never overwritten by a save)."""
    with connection.cursor() as cursor:
        cursor.execute(_FILE_WITH_RENDITION_SQL, [width, height, mode, file_id])
        row = cursor.fetchone()
    if row is None:
        return None, None
    file_values = list(row[: len(_FILE_COLUMNS)])
    file_values[-1] = _aware(file_values[-1])
    stored = StoredFile.from_db(connection.alias, _FILE_COLUMNS, file_values)
    values = dict(zip(_RENDITION_COLUMNS, row[len(_FILE_COLUMNS) :], strict=True))
    if values["id"] is None:
        return stored, None
    values["created_at"] = _aware(values["created_at"])
    return stored, FileRendition(file=stored, width=width, height=height, mode=mode, **values)


def legacy_rendition_find(*, legacy_id: str, width: int, height: int, mode: str) -> LegacyRendition | None:
    """The stored, unexpired rendition of the legacy file ``legacy_id`` in this box and mode."""
    return LegacyRendition.objects.filter(
        legacy_id=legacy_id, width=width, height=height, mode=mode, expires_at__gt=timezone.now()
    ).first()
