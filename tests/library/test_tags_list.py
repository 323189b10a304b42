"""getTagsList: the 100 most used tags (usage = live items carrying them), with pagination metadata."""

from __future__ import annotations

import pytest
from django.utils import timezone

from aimg_site.core.scoping import domain_context
from library.models import ApprovalStatus, Item
from tests.library.conftest_folders import make_folder, make_item, tag_folder, tag_item
from tests.support.assertions import assert_envelope
from tests.support.client import ApiClient
from tests.support.factories.accounts import UserFactory
from tests.support.factories.library import ItemFactory


def _ranking(resp) -> list[tuple[str, int]]:
    return [(tag["name"], tag["usageCount"]) for tag in assert_envelope(resp).payload]


def _use(owner, name: str, times: int) -> None:
    """Tag ``times`` publicly visible items of ``owner`` with ``name``."""
    for _ in range(times):
        tag_item(ItemFactory(owner=getattr(owner, "user", owner), public=True), name)


def test_tags_are_ranked_by_usage_then_name(api, owner, other_user):
    _use(owner, "fox", 3)
    _use(other_user, "fox", 1)
    _use(owner, "sky", 2)
    _use(owner, "ant", 2)
    _use(owner, "zen", 1)
    resp = api.get("/getTagsList", persona=owner)
    assert _ranking(resp) == [("fox", 4), ("ant", 2), ("sky", 2), ("zen", 1)]
    assert resp.metadata["totalCount"] == 4 and resp.metadata["count"] == 4
    assert resp.metadata["nextPaginationIndex"] is None


def test_usage_counts_only_live_items_and_ignores_folders(api, owner):
    live = make_item(owner)
    tag_item(live, "kept")
    gone = make_item(owner)
    tag_item(gone, "kept", "lost")
    Item.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
    tag_folder(make_folder(owner), "folder-only")
    assert _ranking(api.get("/getTagsList", persona=owner)) == [("kept", 1)]


def test_at_most_the_top_100_tags_are_listed(api, owner):
    item_sets = [make_item(owner) for _ in range(2)]
    for i in range(105):
        for item in item_sets[: 2 if i < 3 else 1]:
            tag_item(item, f"tag{i:03d}")
    # 105 tags on item 0 alone is allowed here: the 10-tag cap is the endpoints' rule, not the table's.
    resp = api.get("/getTagsList", persona=owner, limit=1000)
    ranking = _ranking(resp)
    assert len(ranking) == 100 and resp.metadata["totalCount"] == 100
    assert ranking[:3] == [("tag000", 2), ("tag001", 2), ("tag002", 2)]
    assert ("tag104", 1) not in ranking


def test_the_tags_filter_keeps_only_the_named_tags_lower_cased(api, owner):
    _use(owner, "fox", 2)
    _use(owner, "sky", 1)
    _use(owner, "sea", 1)
    resp = api.get("/getTagsList", persona=owner, tags="SKY,fox,never")
    assert _ranking(resp) == [("fox", 2), ("sky", 1)] and resp.metadata["totalCount"] == 2


def test_an_empty_filter_is_a_400_naming_it(api, owner):
    # Wire strictness (docs/decisions.md): an empty query value is not read as an absent one.
    _use(owner, "fox", 1)
    resp = assert_envelope(api.get("/getTagsList", persona=owner, tags=""), 400)
    assert "'tags'" in resp.error and "empty" in resp.error


def test_a_bad_tag_in_the_filter_is_a_400(api, owner):
    resp = assert_envelope(api.get("/getTagsList", persona=owner, tags="ok,b%d"), 400)
    assert "'tags'" in resp.error and "b%d" in resp.error


def test_following_next_pagination_index_walks_the_ranking_exactly_once(api, owner):
    for i in range(7):
        _use(owner, f"t{i}", 1 + i % 3)
    full = _ranking(api.get("/getTagsList", persona=owner))
    seen, index = [], None
    for _ in range(10):
        resp = api.get("/getTagsList", persona=owner, limit=3, paginationIndex=index)
        seen += _ranking(resp)
        assert resp.metadata["totalCount"] == 7 and resp.metadata["limit"] == 3
        index = resp.metadata["nextPaginationIndex"]
        if index is None:
            break
    assert seen == full


def test_reverse_pagination_starts_from_the_least_used_and_skip_count_skips(api, owner):
    _use(owner, "a", 3)
    _use(owner, "b", 2)
    _use(owner, "c", 1)
    resp = api.get("/getTagsList", persona=owner, reversePagination=True)
    assert _ranking(resp) == [("c", 1), ("b", 2), ("a", 3)]
    resp = api.get("/getTagsList", persona=owner, skipCount=1, limit=1)
    assert _ranking(resp) == [("b", 2)]
    assert resp.metadata["skipCount"] == 1 and resp.metadata["nextPaginationIndex"] == "2"


def test_anyone_with_a_session_sees_the_domains_tags_and_only_those(api, guest, owner, other_domain):
    _use(owner, "here", 1)
    with domain_context(other_domain):
        stranger = UserFactory()
        tag_item(ItemFactory(owner=stranger, public=True), "there")
    assert _ranking(api.get("/getTagsList", persona=guest)) == [("here", 1)]
    sexy = ApiClient("api.sexy.ai")
    assert _ranking(sexy.get("/getTagsList", persona=guest)) == [("there", 1)]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 1001}, {"paginationIndex": "-1"}])
def test_bad_pagination_parameters_are_a_400(api, owner, params):
    assert_envelope(api.get("/getTagsList", persona=owner, **params), 400)


def test_the_listing_costs_a_constant_number_of_queries(api, owner, django_assert_max_num_queries):
    for i in range(30):
        _use(owner, f"t{i}", 1)
    for limit in (2, 30):
        with django_assert_max_num_queries(3):  # session, the owner's own tags, the public ranking
            assert len(assert_envelope(api.get("/getTagsList", persona=owner, limit=limit)).payload) == limit


def test_a_tag_only_on_private_items_is_listed_to_its_owner_alone(api, guest, owner, other_user):
    _use(owner, "open", 1)
    tag_item(make_item(owner), "secret", "open")  # private: counts for its owner only
    assert _ranking(api.get("/getTagsList", persona=guest)) == [("open", 1)]
    assert _ranking(api.get("/getTagsList", persona=other_user)) == [("open", 1)]
    assert _ranking(api.get("/getTagsList", persona=guest, tags="secret")) == []
    assert _ranking(api.get("/getTagsList", persona=owner)) == [("open", 2), ("secret", 1)]


def test_rejected_pending_and_private_folder_items_count_for_their_owner_only(api, guest, owner):
    rejected = make_item(
        owner,
        public=True,
        folder=make_folder(owner, is_public=True),
        public_approval_status=ApprovalStatus.REJECTED,
    )
    tag_item(rejected, "rejected")
    tag_item(make_item(owner, public=True, folder=make_folder(owner)), "hidden-folder")
    assert _ranking(api.get("/getTagsList", persona=guest)) == []
    assert _ranking(api.get("/getTagsList", persona=owner)) == [("hidden-folder", 1), ("rejected", 1)]
