"""Prepared reads (``PreparedQuery``, ``PreparedListing``) answer exactly what the ORM does: the same
rows for other values, the same pages and metadata as ``paginate`` for every kind of page request."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from aimg_site.api.pagination import PageRequest, paginate
from aimg_site.core.prepared import PreparedQuery, _constants_inlined
from aimg_site.core.scoping import current_domain
from library.items import selectors
from library.items.selectors import FolderFilter
from library.models import ApprovalStatus, Item
from tests.support.factories.library import FolderFactory, ItemFactory, TagFactory, UserFactory

ITEM_FIELDS = {"owner": Item._meta.get_field("owner"), "since": Item._meta.get_field("completed_at")}


def _owned_since(stand_in):
    return (
        Item.all_domains.filter(owner_id=stand_in.owner, completed_at__gte=stand_in.since)
        .order_by("-completed_at", "-id")
        .values_list("id", "completed_at", "folder_id", "width")[: stand_in.limit]
    )


OWNED_SINCE = PreparedQuery(_owned_since, ITEM_FIELDS, inline=("limit",))


def test_a_prepared_query_returns_what_the_orm_returns_for_any_values():
    now = timezone.now()
    owners = [UserFactory(), UserFactory()]
    for n in range(6):
        ItemFactory(owner=owners[n % 2], completed_at=now - dt.timedelta(minutes=n), width=n)
    for owner in owners:
        for minutes, limit in ((10, 5), (2, 1), (0, 3)):
            since = now - dt.timedelta(minutes=minutes)
            expected = list(
                Item.objects.filter(owner=owner, completed_at__gte=since)
                .order_by("-completed_at", "-id")
                .values_list("id", "completed_at", "folder_id", "width")[:limit]
            )
            assert OWNED_SINCE.rows(owner=owner.pk, since=since, limit=limit) == expected


def test_a_prepared_query_refuses_values_it_cannot_place():
    unused = PreparedQuery(lambda stand_in: Item.all_domains.filter(width=3).values_list("id"), ITEM_FIELDS)
    with pytest.raises(ValueError, match="did not reach the SQL"):
        unused.rows(owner=uuid.uuid4(), since=timezone.now())
    with pytest.raises(TypeError):
        OWNED_SINCE.rows(owner=uuid.uuid4())


def _walk(read, first: PageRequest) -> list:
    """Every page from ``first`` on, following ``nextPaginationIndex``."""
    pages, request = [], first
    for _ in range(50):
        page = read(request)
        pages.append((page.metadata, [item.pk for item in page.rows]))
        following = page.metadata["nextPaginationIndex"]
        if following is None:
            return pages
        request = PageRequest(pagination_index=following, reverse=request.reverse, limit=request.limit)
    raise AssertionError("paging did not end")


@pytest.fixture
def library():
    """An owner whose items share milliseconds (composite indexes), in and out of a folder, tagged."""
    owner = UserFactory()
    folder = FolderFactory(owner=owner)
    moment = timezone.now().replace(microsecond=0)
    tag = TagFactory(name="fox")
    items = []
    for n in range(23):
        at = moment - dt.timedelta(milliseconds=(n // 4) * 7, microseconds=n % 4)
        items.append(ItemFactory(owner=owner, folder=folder if n % 3 else None, completed_at=at))
    items[4].tag_links.create(tag=tag)
    return owner, folder, items


REQUESTS = [
    PageRequest(limit=5),
    PageRequest(limit=5, reverse=True),
    PageRequest(limit=4, skip=3),
    PageRequest(limit=100),
    PageRequest(limit=1),
]


@pytest.mark.parametrize("request_", REQUESTS, ids=lambda r: f"limit{r.limit}-rev{r.reverse}-skip{r.skip}")
@pytest.mark.parametrize("scope", ["all", "root", "folder"])
def test_my_creations_pages_are_paginates_pages(library, request_, scope):
    owner, folder, _items = library
    folder_filter = {"all": None, "root": FolderFilter(root=True), "folder": FolderFilter(folder=folder)}[
        scope
    ]
    orm = Item.objects.filter(owner=owner, deleted_at__isnull=True)
    if scope == "root":
        orm = orm.filter(folder__isnull=True)
    elif scope == "folder":
        orm = orm.filter(folder=folder)
    total = orm.count()

    def prepared(page):
        return selectors.my_creations_page(owner=owner, folder_filter=folder_filter, page=page)

    def by_orm(page):
        return paginate(orm, page, time_field="completed_at", total_count=total)

    assert _walk(prepared, request_) == _walk(by_orm, request_)


@pytest.mark.parametrize(
    "index", ["0", "1", "99999999999999999999", f"{10**15}{2**127:039d}", f"{10**20}{2**127:039d}", "1" * 60]
)
@pytest.mark.parametrize("reverse", [False, True])
def test_any_pagination_index_pages_like_paginate(library, index, reverse):
    owner, _folder, items = library
    request_ = PageRequest(pagination_index=index, reverse=reverse, limit=7)
    orm = Item.objects.filter(owner=owner, deleted_at__isnull=True)
    expected = paginate(orm, request_, time_field="completed_at", total_count=len(items))
    page = selectors.my_creations_page(owner=owner, folder_filter=None, page=request_)
    assert page.metadata == expected.metadata
    assert [item.pk for item in page.rows] == [item.pk for item in expected.rows]


def test_prepared_rows_carry_what_image_output_reads(library):
    owner, folder, items = library
    page = selectors.my_creations_page(owner=owner, folder_filter=None, page=PageRequest(limit=100))
    by_id = {item.pk: item for item in page.rows}
    tagged = by_id[items[4].pk]
    assert tagged.tag_names == ["fox"] and tagged.viewer_reaction is None
    in_folder = by_id[items[1].pk]
    assert in_folder.folder.pk == folder.pk and in_folder.folder.is_public is False
    assert in_folder.media.name == items[1].media.name and in_folder.completed_at == items[1].completed_at


def test_public_creations_pages_are_paginates_pages():
    viewer = UserFactory()
    owner = UserFactory()
    public = FolderFactory(owner=owner, is_public=True)
    moment = timezone.now()
    for n in range(9):
        ItemFactory(owner=owner, public=True, folder=public, completed_at=moment - dt.timedelta(seconds=n))
    ItemFactory(owner=owner)  # private: never listed
    orm = Item.objects.filter(Item.publicly_visible_q())
    for who in (viewer, None):
        for request_ in (PageRequest(limit=4), PageRequest(limit=4, reverse=True)):

            def prepared(page, who=who):
                return selectors.public_creations_page(page=page, viewer=who)

            def by_orm(page):
                return paginate(orm, page, time_field="completed_at", total_count=9)

            assert _walk(prepared, request_) == _walk(by_orm, request_)
    mine = selectors.public_creations_page(page=PageRequest(limit=100), viewer=viewer, user_id=owner.pk)
    assert len(mine.rows) == 9 and mine.metadata["totalCount"] == 9
    assert not Item.objects.filter(Q(pk__in=[i.pk for i in mine.rows]), ~Item.publicly_visible_q()).exists()
    assert current_domain().pk == mine.rows[0].domain_id


def test_a_prepared_query_cannot_write_a_domain_into_its_sql():
    from aimg_site.core.scoping import DomainNotBound

    scoped = PreparedQuery(
        lambda stand_in: Item.objects.filter(owner_id=stand_in.owner).values_list("id"), ITEM_FIELDS
    )
    with pytest.raises(DomainNotBound):
        scoped.rows(owner=uuid.uuid4(), since=timezone.now())


def test_prepared_reads_serve_every_domain_alike(other_domain):
    from aimg_site.core.scoping import domain_context

    def listing():
        owner = UserFactory()
        folder = FolderFactory(owner=owner)
        ItemFactory.create_batch(3, owner=owner, folder=folder)
        mine = selectors.my_creations_page(owner=owner, folder_filter=None, page=PageRequest(limit=10))
        return len(mine.rows), mine.metadata["totalCount"]

    assert listing() == (3, 3)
    with domain_context(other_domain):
        assert listing() == (3, 3)


def test_public_totals_are_counted_prepared_and_capped():
    owner = UserFactory()
    public = FolderFactory(owner=owner, is_public=True)
    for _ in range(5):
        ItemFactory(owner=owner, public=True, folder=public)
    ItemFactory(owner=owner, folder=public)  # private: not counted
    domain = current_domain().pk
    everyone = selectors._PUBLIC_CAPPED[(False, False)]
    assert everyone.count(domain=domain, limit=100) == selectors.public_items().count() >= 5
    assert everyone.count(domain=domain, limit=2) == 2
    by_both = selectors._PUBLIC_CAPPED[(True, True)]
    assert by_both.count(domain=domain, user=owner.pk, folder=public.pk, limit=100) == 5
    assert by_both.count(domain=domain, user=UserFactory().pk, folder=public.pk, limit=100) == 0


def test_constants_of_a_prepared_query_are_written_into_its_sql_and_values_stay_parameters():
    sql, slots, constants = _constants_inlined(
        "a = %s AND b = %s AND c LIKE '50%%' AND d = %s AND e = %s",
        ["owner", None, None, None],
        [None, "it's 100%", 7, uuid.UUID(int=1)],
    )
    assert sql == "a = %s AND b = 'it''s 100%%' AND c LIKE '50%%' AND d = 7 AND e = %s"
    assert slots == ["owner", None]
    assert constants == [None, uuid.UUID(int=1)]
    # Choices' members are strings (or numbers) too.
    assert _constants_inlined("s = %s", [None], [ApprovalStatus.APPROVED]) == ("s = 'approved'", [], [])


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements and plans are PostgreSQL's"
)


def _prepared_statements() -> dict[str, tuple[int, int]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
        return {statement: (generic, custom) for statement, generic, custom in cursor.fetchall()}


@postgres_only
def test_prepared_reads_run_one_generic_plan_and_orm_queries_are_not_prepared():
    """What keeps PostgreSQL from planning the hot reads on every request (bench/http.py):
    a ``PreparedQuery`` is a prepared statement with a generic plan, and its constants are in the
    text (so partial indexes such as the public listing's still apply); the ORM's own queries are
    never prepared, so no generic plan reaches them."""
    owner = UserFactory()
    ItemFactory(owner=owner, public_approval_status="approved")
    page = PageRequest(limit=5)
    for _ in range(3):
        selectors.public_creations_page(page=page, viewer=owner)
        selectors.my_creations_page(owner=owner, folder_filter=None, page=page)
        list(Item.objects.filter(owner=owner, public_approval_status="approved"))
    statements = _prepared_statements()
    listings = {text: plans for text, plans in statements.items() if "library_item" in text}
    assert listings, statements
    for text, (generic, custom) in listings.items():
        assert custom == 0 and generic >= 3, (text, generic, custom)
    public = [text for text in listings if '"public_approval_status" =' in text]
    assert public and all("\"public_approval_status\" = 'approved'" in text for text in public), public
    assert not [text for text in listings if "IN (" in text or "$" not in text], listings
