"""downloadReportsForEpoch (Admins): a CSV attachment; downloads counted."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from django.test import Client

from moderation.models import ItemReport
from moderation.reports.epoch_csv import COLUMNS
from tests.support.assertions import assert_envelope
from tests.support.factories.library import ItemFactory
from tests.support.factories.moderation import ReportFactory


def download(persona, ids):
    headers = {"X-Session-ID": persona.session_id}
    if persona.admin_key:
        headers["X-Administration-Key"] = persona.admin_key
    return Client(HTTP_HOST="api.freejourney.ai").get(
        "/downloadReportsForEpoch", {"reportIds": ",".join(str(i) for i in ids)}, headers=headers
    )


def test_users_guests_and_other_users_are_refused(api, owner, other_user, guest):
    report = ReportFactory(item=ItemFactory(owner=owner.user), reporter=owner.user)
    for persona in (owner, other_user, guest):
        assert_envelope(api.get("/downloadReportsForEpoch", persona=persona, reportIds=str(report.pk)), 403)
    assert ItemReport.objects.get(pk=report.pk).download_count == 0


def test_the_csv_has_one_row_per_report_and_counts_the_download(admin, owner, audits):
    item = ItemFactory(owner=owner.user, prompt="=HYPERLINK(evil)")
    first = ReportFactory(item=item, additional_information="reason, with comma")
    second = ReportFactory()
    response = download(admin, [second.pk, first.pk])
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="reports-for-epoch-')
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0]) == COLUMNS
    assert [row["report_id"] for row in rows] == [str(first.pk), str(second.pk)]  # oldest first
    row = rows[0]
    assert row["item_id"] == str(item.pk) and row["author_email"] == "owner@example.com"
    assert row["report_additional_information"] == "reason, with comma"
    assert row["raw_positive_prompt"] == "'=HYPERLINK(evil)"  # no formula for spreadsheets
    assert row["download_count"] == "1" and row["report_status"] == "pending"
    assert "/media/items/" in row["item_url"]
    download(admin, [first.pk])
    first.refresh_from_db()
    assert first.download_count == 2 and first.download_last_at is not None
    assert audits("downloadReportsForEpoch") == 2


def test_unknown_reports_are_a_404_and_nothing_is_counted(api, admin):
    report = ReportFactory()
    resp = assert_envelope(
        api.get("/downloadReportsForEpoch", persona=admin, reportIds=f"{report.pk},{uuid.uuid4()}"), 404
    )
    assert "Report not found" in resp.error
    assert ItemReport.objects.get(pk=report.pk).download_count == 0


@pytest.mark.parametrize("ids", ["", "nope"])
def test_bad_report_ids_are_a_400_naming_the_parameter(api, admin, ids):
    assert (
        "reportIds"
        in assert_envelope(api.get("/downloadReportsForEpoch", persona=admin, reportIds=ids), 400).error
    )


def test_missing_report_ids_is_a_400(api, admin):
    assert "reportIds" in assert_envelope(api.get("/downloadReportsForEpoch", persona=admin), 400).error
