"""Reads of the file server: a file by id, a cached rendition."""

from __future__ import annotations

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
