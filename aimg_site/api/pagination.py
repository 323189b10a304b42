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
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Q, QuerySet
from rest_framework import serializers

from aimg_site.core.prepared import PreparedQuery

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
    keyset = _keyset(page, is_uuid=_is_uuid_field(queryset.model, tiebreak_field))
    window = (
        [] if keyset.kind == "none" else list(_window(queryset, keyset, page, time_field, tiebreak_field))
    )
    return _page(window, page, time_field, tiebreak_field, total_count, extra_metadata)


class PreparedListing:
    """``paginate`` for listings of a few fixed shapes, run as SQL compiled once per shape.

    ``build(stand_in, shape)`` returns the listing's queryset (filters and
    annotations, no ordering) for a hashable ``shape`` (what changes the SQL:
    which filters apply), reading values from ``stand_in`` by the names that
    ``fields(shape)`` gives with their model fields (``aimg_site.core.prepared.PreparedQuery``);
    ``page()`` takes those values by name. ``columns`` are what
    ``values_list`` loads and ``row`` turns one loaded tuple into the object the
    page holds (with ``time_field`` and ``tiebreak_field`` attributes). Pages and
    their metadata are exactly ``paginate``'s.
    """

    def __init__(
        self,
        build: Callable[[Any, Any], QuerySet],
        *,
        model: type[models.Model],
        columns: tuple[str, ...],
        row: Callable[[tuple], Any],
        time_field: str,
        tiebreak_field: str = "pk",
        fields: Callable[[Any], dict[str, Any]],
    ):
        self.build, self.model, self.columns, self.row = build, model, columns, row
        self.time_field, self.tiebreak_field, self.fields = time_field, tiebreak_field, fields
        self.is_uuid = _is_uuid_field(model, tiebreak_field)
        self._queries: dict[tuple, PreparedQuery] = {}

    def _query(self, shape: Hashable, kind: str, reverse: bool, skips: bool) -> PreparedQuery:
        key = (shape, kind, reverse, skips)
        query = self._queries.get(key)
        if query is not None:
            return query
        time_field = self.model._meta.get_field(self.time_field)
        tiebreak = (
            self.model._meta.pk
            if self.tiebreak_field == "pk"
            else self.model._meta.get_field(self.tiebreak_field)
        )
        keys: dict[str, dict[str, Any]] = {"before": {"bound": time_field}, "after": {"bound": time_field}}
        keys["beyond"] = {"moment": time_field, "pivot": tiebreak}
        stand_in_page = PageRequest(reverse=reverse, limit=1, skip=1 if skips else 0)

        def build(stand_in):
            keyset = _Keyset(
                kind,
                bound=getattr(stand_in, "bound", None),
                moment=getattr(stand_in, "moment", None),
                pivot=getattr(stand_in, "pivot", None),
            )
            ordered = _ordered(
                self.build(stand_in, shape), keyset, stand_in_page, self.time_field, self.tiebreak_field
            )
            low = stand_in.offset if skips else 0
            return ordered[low : low + stand_in.limit].values_list(*self.columns)

        query = PreparedQuery(
            build,
            {**self.fields(shape), **keys.get(kind, {})},
            inline=("limit", "offset") if skips else ("limit",),
        )
        self._queries[key] = query
        return query

    def page(
        self,
        page: PageRequest,
        *,
        shape: Hashable = (),
        total_count: int | Callable[[list], int] | None = None,
        extra_metadata: dict | None = None,
        **values,
    ) -> Page:
        """The page; ``total_count`` may be a function of the loaded rows (one row more than the
        page when there is a next page), for a total the rows carry themselves."""
        keyset = _keyset(page, is_uuid=self.is_uuid)
        window: list = []
        if keyset.kind != "none":
            query = self._query(shape, keyset.kind, page.reverse, page.skip > 0)
            bounds: dict[str, dict[str, Any]] = {
                "before": {"bound": keyset.bound},
                "after": {"bound": keyset.bound},
            }
            bounds["beyond"] = {"moment": keyset.moment, "pivot": keyset.pivot}
            slicing: dict[str, Any] = {
                "limit": page.limit + 1,
                **({"offset": page.skip} if page.skip > 0 else {}),
            }
            rows = query.rows(**values, **bounds.get(keyset.kind, {}), **slicing)
            window = [self.row(row) for row in rows]
        if callable(total_count):
            total_count = total_count(window)
        return _page(window, page, self.time_field, self.tiebreak_field, total_count, extra_metadata)


@dataclass(frozen=True)
class _Keyset:
    """Where a page starts: ``all`` rows, ``none``, ``before``/``after`` a bound (a plain index),
    or ``beyond`` (moment, pivot) (a composite index)."""

    kind: str
    bound: Any = None
    moment: Any = None
    pivot: Any = None


def _keyset(page: PageRequest, *, is_uuid: bool) -> _Keyset:
    if not page.pagination_index or page.pagination_index == "0":
        return _Keyset("all")
    us, tiebreak = _decode(page.pagination_index)
    if tiebreak is None:
        # Plain milliseconds: newest-first keeps rows whose millisecond is < index,
        # reverse keeps rows whose millisecond is > index (stored times have microseconds).
        bound = us + 1000 if page.reverse else us
        if bound > MAX_US:
            return _Keyset("none" if page.reverse else "all")
        return _Keyset("after" if page.reverse else "before", bound=_from_us(bound))
    if us > MAX_US:
        return _Keyset("none" if page.reverse else "all")
    # Every index of the schema's form is a position: a tie-breaker beyond any id (the server never
    # issues one) stands for the largest id, after which nothing at that moment follows.
    pivot = uuid.UUID(int=min(tiebreak, MAX_UUID_INT)) if is_uuid else min(tiebreak, MAX_BIGINT)
    return _Keyset("beyond", moment=_from_us(us), pivot=pivot)


def _ordered(queryset: QuerySet, keyset: _Keyset, page: PageRequest, time_field: str, tiebreak_field: str):
    """``queryset`` in the listing's order, from where ``keyset`` starts (not ``none``)."""
    order = (time_field, tiebreak_field) if page.reverse else (f"-{time_field}", f"-{tiebreak_field}")
    qs = queryset.order_by(*order)
    if keyset.kind == "before":
        return qs.filter(**{f"{time_field}__lt": keyset.bound})
    if keyset.kind == "after":
        return qs.filter(**{f"{time_field}__gte": keyset.bound})
    if keyset.kind == "beyond":
        side = "gt" if page.reverse else "lt"
        # (time, id) beyond (moment, pivot) in the listing's order; the first
        # condition lets an index on (..., time, id) bound the scan.
        return qs.filter(**{f"{time_field}__{side}e": keyset.moment}).filter(
            Q(**{f"{time_field}__{side}": keyset.moment}) | Q(**{f"{tiebreak_field}__{side}": keyset.pivot})
        )
    return qs


def _window(queryset: QuerySet, keyset: _Keyset, page: PageRequest, time_field: str, tiebreak_field: str):
    """The page's rows and one more (which says whether a next page exists)."""
    return _ordered(queryset, keyset, page, time_field, tiebreak_field)[
        page.skip : page.skip + page.limit + 1
    ]


def _page(
    window: list,
    page: PageRequest,
    time_field: str,
    tiebreak_field: str,
    total_count: int | None,
    extra_metadata: dict | None,
) -> Page:
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


def _is_uuid_field(model: type[models.Model], name: str) -> bool:
    field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    return isinstance(field, models.UUIDField)
