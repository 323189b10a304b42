"""Where a cached rendition lies, remembered in the cache so that serving one needs no SQL.

A rendition never changes once made, so what getFile needs to serve it (storage name, size, type,
ETag, date) is kept under its file id, box and mode for ``TTL`` seconds, in the shared cache
(Redis in production: every process sees it). ``removeFile`` forgets the entries of the file's
renditions; an entry that still outlived its bytes (a removal racing a request) fails to open,
is forgotten, and the request goes on through the database.

In front of the shared cache, each process keeps a small memo of the same notes (``LOCAL_TTL``
seconds, ``LOCAL_MAX`` entries): not shared state but a copy of immutable facts, each one proven
at every use by opening its bytes, whose random storage name is never reused. A removed file's
note fails to open in every process exactly as a shared one does.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from django.core.cache import cache

from ..models import FileRendition

TTL = 3600
LOCAL_TTL = 300
LOCAL_MAX = 10_000
_local: dict[str, tuple[float, RenditionRef]] = {}


@dataclass(frozen=True)
class RenditionRef:
    storage_name: str
    size: int
    content_type: str
    file_name: str
    etag: str
    created_ts: float
    checksum: str = ""  # the rendition's sha256, checked when it is served (empty: made before it was kept)

    @property
    def created_at(self) -> datetime:
        return datetime.fromtimestamp(self.created_ts, tz=UTC)


def cache_key(file_id: str, width: int, height: int, mode: str) -> str:
    return f"technical:rendition:v2:{file_id}:{width}:{height}:{mode}"


def rendition_ref(rendition: FileRendition, *, file_name: str, checksum: str) -> RenditionRef:
    return RenditionRef(
        storage_name=rendition.storage_name,
        size=rendition.size,
        content_type=rendition.content_type,
        file_name=file_name,
        etag=f'"{checksum[:40]}-{rendition.width}x{rendition.height}-{rendition.mode}"',
        created_ts=rendition.created_at.timestamp(),
        checksum=rendition.checksum,
    )


def _memo(key: str, ref: RenditionRef) -> None:
    if len(_local) >= LOCAL_MAX:
        _local.clear()
    _local[key] = (time.monotonic() + LOCAL_TTL, ref)


def remembered(file_id: str, width: int, height: int, mode: str) -> RenditionRef | None:
    key = cache_key(file_id, width, height, mode)
    memo = _local.get(key)
    if memo is not None and memo[0] > time.monotonic():
        return memo[1]
    value = cache.get(key)
    if not isinstance(value, dict):
        return None
    try:
        ref = RenditionRef(**value)
    except TypeError:
        return None
    _memo(key, ref)
    return ref


def remember(file_id: str, width: int, height: int, mode: str, ref: RenditionRef) -> None:
    key = cache_key(file_id, width, height, mode)
    cache.set(key, asdict(ref), TTL)
    _memo(key, ref)


def forget(keys: list[str]) -> None:
    for key in keys:
        _local.pop(key, None)
    if keys:
        cache.delete_many(keys)
