"""The Annex's paginator: exactly-once paging even when many rows share a millisecond."""

import datetime as dt
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Session
from aimg_site.api.pagination import PageRequest, paginate
from aimg_site.core.models import AuditLogEntry
from tests.support.assertions import assert_envelope

BASE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def make_entries(offsets_us: list[int]) -> list[AuditLogEntry]:
    rows = AuditLogEntry.objects.bulk_create([AuditLogEntry(action="t") for _ in offsets_us])
    for row, offset in zip(rows, offsets_us, strict=True):
        row.created_at = BASE + dt.timedelta(microseconds=offset)
    AuditLogEntry.objects.bulk_update(rows, ["created_at"])
    return rows


def expected_order(rows, time_attr: str, reverse: bool):
    key = lambda r: (getattr(r, time_attr), r.pk)  # noqa: E731
    return [r.pk for r in sorted(rows, key=key, reverse=not reverse)]


def page_through(queryset, *, limit: int, reverse: bool, time_field: str, first_index=None, max_pages=10_000):
    seen, index, pages = [], first_index, 0
    while True:
        page = paginate(
            queryset, PageRequest(pagination_index=index, reverse=reverse, limit=limit), time_field=time_field
        )
        assert page.metadata["count"] == len(page.rows) <= limit
        seen.extend(row.pk for row in page.rows)
        index = page.metadata["nextPaginationIndex"]
        pages += 1
        assert pages < max_pages
        if index is None:
            return seen
        assert index.isdigit()


# Timestamps from a handful of milliseconds, with or without microseconds, so that
# pages often end inside a group of equal timestamps.
offsets = st.lists(
    st.tuples(st.integers(0, 6), st.sampled_from([0, 0, 0, 1, 499, 999])).map(lambda t: t[0] * 1000 + t[1]),
    min_size=0,
    max_size=120,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(offsets=offsets, limit=st.integers(1, 17), reverse=st.booleans())
@pytest.mark.django_db
def test_paging_returns_every_row_exactly_once_in_order(offsets, limit, reverse):
    AuditLogEntry.objects.all().delete()
    rows = make_entries(offsets)
    rows = list(AuditLogEntry.objects.all())
    seen = page_through(AuditLogEntry.objects.all(), limit=limit, reverse=reverse, time_field="created_at")
    assert seen == expected_order(rows, "created_at", reverse)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(offsets=offsets, limit=st.integers(1, 17), reverse=st.booleans())
@pytest.mark.django_db
def test_exactly_once_also_holds_with_integer_ids(owner, offsets, limit, reverse):
    Session.objects.all().delete()
    sessions = Session.objects.bulk_create(
        [
            Session(key_digest=uuid.uuid4().hex * 2, last_seen_at=BASE + dt.timedelta(microseconds=o))
            for o in offsets
        ]
    )
    sessions = list(Session.objects.all())
    seen = page_through(Session.objects.all(), limit=limit, reverse=reverse, time_field="last_seen_at")
    assert seen == expected_order(sessions, "last_seen_at", reverse)


@pytest.mark.django_db
def test_hundreds_of_rows_in_one_millisecond_page_exactly_once():
    make_entries([5000 + (i % 3) for i in range(450)])
    seen = page_through(AuditLogEntry.objects.all(), limit=100, reverse=False, time_field="created_at")
    assert len(seen) == len(set(seen)) == 450


@pytest.mark.django_db
def test_a_plain_index_keeps_rows_older_than_that_millisecond():
    rows = make_entries([1000, 1999, 2000, 2500, 3000])
    index = str(int(BASE.timestamp() * 1000) + 2)  # the millisecond at offset 2000-2999 us
    page = paginate(AuditLogEntry.objects.all(), PageRequest(pagination_index=index), time_field="created_at")
    assert [r.pk for r in page.rows] == [rows[1].pk, rows[0].pk]
    page = paginate(
        AuditLogEntry.objects.all(),
        PageRequest(pagination_index=index, reverse=True),
        time_field="created_at",
    )
    assert [r.pk for r in page.rows] == [rows[4].pk]


@pytest.mark.django_db
def test_a_page_ending_on_a_millisecond_boundary_returns_the_plain_index():
    make_entries([1000, 2000, 3000])
    page = paginate(AuditLogEntry.objects.all(), PageRequest(limit=1), time_field="created_at")
    assert page.metadata["nextPaginationIndex"] == str(int(BASE.timestamp() * 1000) + 3)


@pytest.mark.django_db
def test_metadata_follows_the_annex():
    make_entries([1000, 2000, 3000])
    page = paginate(
        AuditLogEntry.objects.all(), PageRequest(limit=2, skip=1), time_field="created_at", total_count=3
    )
    assert page.metadata == {
        "paginationIndex": "0",
        "nextPaginationIndex": None,
        "reversePagination": False,
        "skipCount": 1,
        "limit": 2,
        "count": 2,
        "totalCount": 3,
    }


@pytest.mark.django_db
def test_reverse_without_an_index_starts_from_the_oldest():
    rows = make_entries([3000, 1000, 2000])
    page = paginate(AuditLogEntry.objects.all(), PageRequest(limit=1, reverse=True), time_field="created_at")
    assert page.rows[0].pk == rows[1].pk


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(index=st.from_regex(r"[0-9]{1,60}", fullmatch=True), reverse=st.booleans())
@pytest.mark.django_db
def test_every_index_the_schema_allows_is_a_position(index, reverse):
    """The schema's ``^[0-9]{1,60}$``, on UUID and on integer tie-breakers: never a 400 or a crash
    (a 39-digit tie-breaker beyond any id used to be a 400 the schema did not announce)."""
    if not AuditLogEntry.objects.exists():
        make_entries([1000])
        Session.objects.create(key_digest=uuid.uuid4().hex * 2, last_seen_at=BASE)
    for queryset, time_field in (
        (AuditLogEntry.objects.all(), "created_at"),
        (Session.objects.all(), "last_seen_at"),
    ):
        page = paginate(queryset, PageRequest(pagination_index=index, reverse=reverse), time_field=time_field)
        assert page.metadata["paginationIndex"] == index


@pytest.mark.django_db
def test_a_tiebreak_beyond_any_id_keeps_every_row_of_that_moment():
    rows = make_entries([1000, 1000])
    moment_us = int((BASE + dt.timedelta(microseconds=1000)).timestamp() * 1_000_000)
    index = f"{moment_us}{'9' * 39}"
    page = paginate(AuditLogEntry.objects.all(), PageRequest(pagination_index=index), time_field="created_at")
    assert {r.pk for r in page.rows} == {r.pk for r in rows}
    page = paginate(
        AuditLogEntry.objects.all(),
        PageRequest(pagination_index=index, reverse=True),
        time_field="created_at",
    )
    assert page.rows == []


@pytest.mark.urls("tests.platform.urls_pagination")
@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"limit": 1001}, "limit"),
        ({"limit": 0}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"skipCount": -1}, "skipCount"),
        ({"paginationIndex": "12abc"}, "paginationIndex"),
        ({"reversePagination": "sideways"}, "reversePagination"),
    ],
)
def test_bad_pagination_parameters_are_400s_naming_them(api, guest, params, problem):
    response = assert_envelope(api.get("/testList", persona=guest, **params), 400)
    assert f"'{problem}'" in response.error


@pytest.mark.urls("tests.platform.urls_pagination")
def test_a_listing_endpoint_returns_metadata(api, guest):
    make_entries([1000, 2000])
    response = assert_envelope(api.get("/testList", persona=guest, limit=1))
    assert response.metadata["count"] == 1 and response.metadata["totalCount"] == 2
    assert response.metadata["nextPaginationIndex"]
