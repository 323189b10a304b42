"""Byte access to the configured storage (django-storages), streamed in chunks.

``storages["default"]`` is local files (``FileSystemStorage``) or any S3-compatible store
(``storages.backends.s3.S3Storage``: SeaweedFS in the compose stack). Reads stream: from disk with
``seek``/``read``, from S3 with a ranged ``GetObject`` read in chunks (django-storages' own S3 file
would first copy the whole object into memory).
"""

from __future__ import annotations

from collections.abc import Iterator

from django.core.files.storage import FileSystemStorage, Storage, storages

CHUNK = 256 * 1024


def is_missing(exc: BaseException) -> bool:
    """Is ``exc`` what opening a missing object raises (a file error, or the S3 client's)?"""
    return isinstance(exc, OSError) or type(exc).__module__.startswith("botocore")


def file_storage() -> Storage:
    return storages["default"]


def _s3_key(storage, name: str) -> str:
    from storages.utils import clean_name

    return storage._normalize_name(clean_name(name))


def _is_s3(storage) -> bool:
    return hasattr(storage, "bucket_name") and hasattr(storage, "connection")


def read_chunks(name: str, *, first: int = 0, last: int | None = None) -> Iterator[bytes]:
    """The bytes ``first``..``last`` (inclusive; ``None``: to the end) of ``name``, in chunks.

    The object is opened before this returns, so a missing one raises here (``FileNotFoundError``
    or the S3 client's error), not halfway through a response.
    """
    storage = file_storage()
    if isinstance(storage, FileSystemStorage):
        handle = open(storage.path(name), "rb")  # noqa: SIM115 - closed by the generator
        return _file_chunks(handle, first, last)
    if _is_s3(storage):
        client = storage.connection.meta.client  # type: ignore[attr-defined]
        kwargs = {"Bucket": storage.bucket_name, "Key": _s3_key(storage, name)}  # type: ignore[attr-defined]
        if first or last is not None:
            kwargs["Range"] = f"bytes={first}-{'' if last is None else last}"
        return _s3_chunks(client.get_object(**kwargs)["Body"])
    return _file_chunks(storage.open(name, "rb"), first, last)  # pragma: no cover - another backend


def _file_chunks(handle, first: int, last: int | None) -> Iterator[bytes]:
    with handle:
        handle.seek(first)
        remaining = None if last is None else last - first + 1
        while remaining is None or remaining > 0:
            chunk = handle.read(CHUNK if remaining is None else min(CHUNK, remaining))
            if not chunk:
                return
            if remaining is not None:
                remaining -= len(chunk)
            yield chunk


def _s3_chunks(body) -> Iterator[bytes]:
    try:
        yield from body.iter_chunks(CHUNK)
    finally:
        body.close()


def read_all(name: str) -> bytes:
    """The whole of ``name``: from disk in one read (no chunks to join), from S3 in one body read."""
    storage = file_storage()
    if isinstance(storage, FileSystemStorage):
        with open(storage.path(name), "rb") as handle:
            return handle.read()
    if _is_s3(storage):
        client = storage.connection.meta.client  # type: ignore[attr-defined]
        body = client.get_object(Bucket=storage.bucket_name, Key=_s3_key(storage, name))["Body"]  # type: ignore[attr-defined]
        try:
            return body.read()
        finally:
            body.close()
    return b"".join(read_chunks(name))  # pragma: no cover - another backend


def save(name: str, content) -> str:
    """Store ``content`` (a Django ``File``) under exactly ``name`` (names are random: no clash)."""
    return file_storage().save(name, content)


def delete(name: str) -> None:
    file_storage().delete(name)


def exists(name: str) -> bool:
    return file_storage().exists(name)
