"""Reads of the file server: a file by id, a cached rendition."""

from __future__ import annotations

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


_RENDITION_COLUMNS = ("id", "storage_name", "content_type", "size", "checksum", "created_at")
#: One round trip, no ORM compilation (this runs on every first request of a rendition).
_FILE_WITH_RENDITION_SQL = (
    "SELECT f.*, r.id AS r_id, r.storage_name AS r_storage_name, r.content_type AS r_content_type, "
    "r.size AS r_size, r.checksum AS r_checksum, r.created_at AS r_created_at "
    "FROM technical_storedfile f LEFT JOIN technical_filerendition r "
    "ON r.file_id = f.id AND r.width = %s AND r.height = %s AND r.mode = %s WHERE f.id = %s"
)


def file_with_rendition(
    *, file_id: str, width: int, height: int, mode: str
) -> tuple[StoredFile | None, FileRendition | None]:
    """The file and its rendition in ``width``x``height``/``mode`` (either may be missing), in one
    query (the rendition is unique per file, size and mode)."""
    found = list(StoredFile.objects.raw(_FILE_WITH_RENDITION_SQL, [width, height, mode, file_id]))
    if not found:
        return None, None
    stored = found[0]
    values = {column: getattr(stored, f"r_{column}") for column in _RENDITION_COLUMNS}
    if values["id"] is None:
        return stored, None
    return stored, FileRendition(file=stored, width=width, height=height, mode=mode, **values)


def legacy_rendition_find(*, legacy_id: str, width: int, height: int, mode: str) -> LegacyRendition | None:
    """The stored, unexpired rendition of the legacy file ``legacy_id`` in this box and mode."""
    return LegacyRendition.objects.filter(
        legacy_id=legacy_id, width=width, height=height, mode=mode, expires_at__gt=timezone.now()
    ).first()
