"""Concurrent reports, closures and downloads on PostgreSQL: each settles once, none deadlocks."""

from __future__ import annotations

import pytest
from django.db import connection

from library.items.services import items_delete
from library.models import Item
from moderation.models import ItemReport, ReportStatus
from moderation.reports.services import reports_close, reports_download
from tests.support.client import ApiClient
from tests.support.concurrency import race, race_calls
from tests.support.factories.library import ItemFactory
from tests.support.factories.moderation import ReportFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL row locks and real concurrent transactions",
    ),
]


def test_simultaneous_identical_reports_by_one_user_file_one(owner):
    item = ItemFactory(owner=owner.user)
    results = race_calls(
        [lambda: ApiClient().post("/reportItems", persona=owner, itemIds=[str(item.pk)]) for _ in range(6)]
    )
    assert all(r.status == 200 for r in results), results
    assert sum(r.payload[0]["success"] for r in results) == 1
    assert ItemReport.objects.filter(item=item, reporter=owner.user).count() == 1


def test_concurrent_closures_of_one_report_settle_once(admin):
    item = ItemFactory()
    report = ReportFactory(item=item)
    statuses = [ReportStatus.ACCEPTED, ReportStatus.DECLINED] * 3
    results = race(
        len(statuses),
        lambda i: reports_close(
            report_ids=[report.pk], status=statuses[i], approver=admin.user, close_related=True
        ),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    winners = [i for i, r in enumerate(results) if r[0].success]
    assert len(winners) == 1
    report.refresh_from_db()
    assert report.status == statuses[winners[0]]
    assert all("already closed" in r[0].message for i, r in enumerate(results) if i not in winners)


def test_closing_while_the_owner_deletes_never_deadlocks_and_ends_closed(admin):
    pairs = []
    for _ in range(4):
        item = ItemFactory()
        pairs.append((item, ReportFactory(item=item), ReportFactory(item=item)))
    calls = []
    for item, first, second in pairs:
        calls.append(lambda f=first: reports_close(report_ids=[f.pk], status="accepted", approver=admin.user))
        calls.append(lambda i=item: items_delete(actor=None, item_ids=[i.pk], as_admin=True))
        calls.append(
            lambda s=second: reports_close(
                report_ids=[s.pk], status="declined", approver=admin.user, close_related=True
            )
        )
    race_calls(calls)
    for item, _first, _second in pairs:
        assert Item.all_domains.get(pk=item.pk).deleted_at is not None
        assert not ItemReport.objects.filter(item=item, status=ReportStatus.PENDING).exists()


def test_two_concurrent_downloads_count_two(admin):
    reports = [ReportFactory() for _ in range(3)]
    ids = [r.pk for r in reports]
    race_calls([lambda: reports_download(report_ids=ids) for _ in range(8)])
    assert set(ItemReport.objects.filter(pk__in=ids).values_list("download_count", flat=True)) == {8}
