"""The paginator of "Annex: Pagination" (keyset by ``paginationIndex``, or ``skipCount``).

Listings are ordered by a reference timestamp, newest first (oldest first
with ``reversePagination``), with the row's id as tie-breaker, so the order
is total. ``paginationIndex`` is a stringified integer in one of two forms:

* **epoch milliseconds** (what front ends derive from ``completedDate``):
  rows strictly older (newer, in reverse) than that millisecond;
* **composite** (more than 39 digits): epoch *microseconds* followed by the
  39-digit tie-breaker of the last row returned. The server emits it only
  when a page ends inside a group of rows sharing one millisecond, so that
  paging with ``nextPaginationIndex`` returns every row exactly once however
  many rows share a timestamp. It is opaque to clients.

``nextPaginationIndex`` is ``null`` on the last page. Both forms are keyset
conditions on ``(timestamp, id)``, which an index on
``(<scope columns>, timestamp, id)`` serves at any depth; ``skipCount`` is an
OFFSET and costs what it skips.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from rest_framework import serializers

from .fields import BoolParam, PaginationIndexField

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
TIEBREAK_DIGITS = 39  # a UUID is a 128-bit integer: at most 39 decimal digits
MAX_UUID_INT = (1 << 128) - 1
MAX_BIGINT = (1 << 63) - 1
MAX_US = (dt.datetime(9999, 12, 31, tzinfo=dt.UTC) - EPOCH) // dt.timedelta(microseconds=1)
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_SKIP = 10_000_000


class PaginationQuery(serializers.Serializer):
    """Mix into a listing's query serializer to accept the Annex's parameters."""

    paginationIndex = PaginationIndexField(
        required=False,
        help_text="Stringified epoch milliseconds (or the opaque value of nextPaginationIndex).",
    )
    reversePagination = BoolParam(required=False, help_text="Oldest first.")
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_LIMIT, help_text="1 to 1000, default 100."
    )
    skipCount = serializers.IntegerField(
        required=False, min_value=0, max_value=MAX_SKIP, help_text="Rows to skip (slow at depth)."
    )


class PaginationMetadataOutput(serializers.Serializer):
    """PaginationMetadata."""

    paginationIndex = serializers.CharField()
    nextPaginationIndex = serializers.CharField(allow_null=True)
    reversePagination = serializers.BooleanField()
    skipCount = serializers.IntegerField()
    limit = serializers.IntegerField()
    count = serializers.IntegerField()
    totalCount = serializers.IntegerField(required=False)
    proLimitHit = serializers.BooleanField(required=False)


@dataclass(frozen=True)
class PageRequest:
    pagination_index: str | None = None
    reverse: bool = False
    limit: int = DEFAULT_LIMIT
    skip: int = 0

    @classmethod
    def from_input(cls, data: dict) -> PageRequest:
        """From the validated data of a ``PaginationQuery``."""
        return cls(
            pagination_index=data.get("paginationIndex") or None,
            reverse=bool(data.get("reversePagination") or False),
            limit=data.get("limit") or DEFAULT_LIMIT,
            skip=data.get("skipCount") or 0,
        )


@dataclass
class Page:
    rows: list
    metadata: dict


def _to_us(value: dt.datetime) -> int:
    return (value - EPOCH) // dt.timedelta(microseconds=1)


def _from_us(us: int) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=us)


def _decode(index: str) -> tuple[int, int | None]:
    """``(microseconds, tiebreak or None)``; a plain index is milliseconds."""
    if len(index) > TIEBREAK_DIGITS:
        return int(index[:-TIEBREAK_DIGITS]), int(index[-TIEBREAK_DIGITS:])
    return int(index) * 1000, None


def _tiebreak_int(value: Any) -> int:
    return value.int if isinstance(value, uuid.UUID) else int(value)


def paginate(
    queryset: QuerySet,
    page: PageRequest,
    *,
    time_field: str,
    tiebreak_field: str = "pk",
    total_count: int | None = None,
    extra_metadata: dict | None = None,
) -> Page:
    """One page of ``queryset`` (already filtered and scoped), with its metadata.

    ``time_field`` is the reference timestamp (a non-null DateTimeField);
    ``tiebreak_field`` a unique UUID or integer field. The queryset's own
    ordering is replaced.
    """
    tiebreak_is_uuid = _is_uuid_field(queryset, tiebreak_field)
    order = (time_field, tiebreak_field) if page.reverse else (f"-{time_field}", f"-{tiebreak_field}")
    qs = queryset.order_by(*order)

    if page.pagination_index and page.pagination_index != "0":
        qs = _apply_index(qs, page, time_field, tiebreak_field, tiebreak_is_uuid)

    window = list(qs[page.skip : page.skip + page.limit + 1])
    rows, following = window[: page.limit], window[page.limit :]
    next_index = None
    if rows and following:
        last, nxt = rows[-1], following[0]
        last_us, next_us = _to_us(getattr(last, time_field)), _to_us(getattr(nxt, time_field))
        if last_us // 1000 != next_us // 1000:
            # The page ends on a millisecond boundary: the plain form is exact.
            next_index = str(last_us // 1000)
        else:
            last_tb = last.pk if tiebreak_field == "pk" else getattr(last, tiebreak_field)
            next_index = f"{last_us}{_tiebreak_int(last_tb):0{TIEBREAK_DIGITS}d}"

    metadata = {
        "paginationIndex": page.pagination_index or "0",
        "nextPaginationIndex": next_index,
        "reversePagination": page.reverse,
        "skipCount": page.skip,
        "limit": page.limit,
        "count": len(rows),
    }
    if total_count is not None:
        metadata["totalCount"] = total_count
    if extra_metadata:
        metadata.update(extra_metadata)
    return Page(rows=rows, metadata=metadata)


def _apply_index(qs: QuerySet, page: PageRequest, time_field: str, tiebreak_field: str, is_uuid: bool):
    us, tiebreak = _decode(page.pagination_index or "0")
    if tiebreak is None:
        # Plain milliseconds: newest-first keeps rows whose millisecond is < index,
        # reverse keeps rows whose millisecond is > index (stored times have microseconds).
        bound = us + 1000 if page.reverse else us
        if bound > MAX_US:
            return qs.none() if page.reverse else qs
        lookup = f"{time_field}__gte" if page.reverse else f"{time_field}__lt"
        return qs.filter(**{lookup: _from_us(bound)})
    if us > MAX_US:
        return qs.none() if page.reverse else qs
    moment = _from_us(us)
    # Every index of the schema's form is a position: a tie-breaker beyond any id (the server never
    # issues one) stands for the largest id, after which nothing at that moment follows.
    pivot = uuid.UUID(int=min(tiebreak, MAX_UUID_INT)) if is_uuid else min(tiebreak, MAX_BIGINT)
    side = "gt" if page.reverse else "lt"
    # (time, id) beyond (moment, pivot) in the listing's order; the first
    # condition lets an index on (..., time, id) bound the scan.
    return qs.filter(**{f"{time_field}__{side}e": moment}).filter(
        Q(**{f"{time_field}__{side}": moment}) | Q(**{f"{tiebreak_field}__{side}": pivot})
    )


def _is_uuid_field(queryset: QuerySet, name: str) -> bool:
    from django.db import models

    field = queryset.model._meta.pk if name == "pk" else queryset.model._meta.get_field(name)
    return isinstance(field, models.UUIDField)
