"""Reads of the file server: a file by id, a cached rendition."""

from __future__ import annotations

from django.db.models import OuterRef, Subquery

from aimg_site.api.exceptions import NotFound

from ..models import FileRendition, StoredFile

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


_RENDITION_COLUMNS = ("id", "storage_name", "content_type", "size", "created_at")


def file_with_rendition(
    *, file_id: str, width: int, height: int, mode: str
) -> tuple[StoredFile | None, FileRendition | None]:
    """The file and its rendition in ``width``x``height``/``mode`` (either may be missing), in one
    query: the rendition's columns come as subqueries on the unique (file, width, height, mode)."""
    renditions = FileRendition.objects.filter(file_id=OuterRef("pk"), width=width, height=height, mode=mode)
    annotations = {f"r_{column}": Subquery(renditions.values(column)[:1]) for column in _RENDITION_COLUMNS}
    stored = StoredFile.objects.filter(pk=file_id).annotate(**annotations).first()
    if stored is None:
        return None, None
    values = {column: getattr(stored, f"r_{column}") for column in _RENDITION_COLUMNS}
    if values["id"] is None:
        return stored, None
    return stored, FileRendition(file=stored, width=width, height=height, mode=mode, **values)
