"""System reports: the prompt filter (a real generateImage with filtered words) and high heat;
the authors' flagged and high-heat counts."""

from __future__ import annotations

from generation.catalog import catalog_load
from generation.models import FilteredWord
from moderation.checks.selectors import user_flag_counts
from moderation.models import ItemReport, QueueKind, ReportStatus
from moderation.reports.services import high_heat_check
from tests.support.assertions import assert_envelope
from tests.support.factories.library import ItemFactory
from tests.support.factories.moderation import ReportFactory, queue


def test_a_prompt_with_filtered_words_files_a_prompt_filter_report(api, owner, admin, domain):
    catalog_load(domain=domain)
    FilteredWord.objects.create(word="teen")
    payload = assert_envelope(
        api.post("/generateImage", persona=owner, body={"prompt": "a teen fox"})
    ).payload
    [report] = ItemReport.objects.filter(item_id=payload["imageID"])
    assert report.reporter_id is None and report.queue.kind == QueueKind.PROMPT_FILTER
    assert "teen" in report.additional_information
    [row] = assert_envelope(api.get("/getReports", persona=admin, reportQueues="Prompt Filter")).payload
    assert row["itemId"] == payload["imageID"] and "reporterId" not in row
    assert row["itemMetadata"]["rawPositivePrompt"] == "a teen fox"
    assert row["itemMetadata"]["filteredPositivePrompt"] == "a fox"


def test_a_clean_prompt_files_nothing(api, owner, domain):
    catalog_load(domain=domain)
    FilteredWord.objects.create(word="teen")
    assert_envelope(api.post("/generateImage", persona=owner, body={"prompt": "a fox"}))
    assert not ItemReport.objects.exists()


def test_reaching_the_high_heat_threshold_files_one_high_heat_report(api, owner):
    hot = queue("High Heat")
    hot.threshold = 3
    hot.save()
    cool, item = ItemFactory(owner=owner.user), ItemFactory(owner=owner.user)
    ReportFactory(item=cool)  # 1 + the owner's = 2: below the threshold
    for _ in range(2):
        ReportFactory(item=item)  # 2 + the owner's = 3: the threshold
    ReportFactory(item=item, status=ReportStatus.DECLINED)  # closed reports do not count
    resp = assert_envelope(api.post("/reportItems", persona=owner, itemIds=[str(cool.pk), str(item.pk)]))
    assert all(row["success"] for row in resp.payload)
    assert not ItemReport.objects.filter(item=cool, queue=hot).exists()
    [heat] = ItemReport.objects.filter(item=item, queue=hot)
    assert heat.reporter_id is None and heat.status == ReportStatus.PENDING
    assert heat.additional_information == "3 open user reports (threshold 3)."
    # Past the threshold again (another user's report): still one open high-heat report.
    high_heat_check(item_ids=[ReportFactory(item=item).item_id])
    assert ItemReport.objects.filter(item=item, queue=hot).count() == 1
    assert user_flag_counts(user=owner.user) == {"flaggedImagesCount": 0, "highHeatImagesCount": 1}


def test_flagged_count_counts_each_item_once_and_high_heat_only_live_pending(owner):
    one, two = ItemFactory(owner=owner.user), ItemFactory(owner=owner.user)
    for _ in range(2):
        ReportFactory(item=one, status=ReportStatus.ACCEPTED)
    ReportFactory(item=two, status=ReportStatus.ACCEPTED)
    ReportFactory(item=two, status=ReportStatus.DECLINED)
    ReportFactory(item=ItemFactory(owner=owner.user), reporter=None, queue=queue("High Heat"))
    ReportFactory(item=ItemFactory(owner=owner.user, deleted=True), reporter=None, queue=queue("High Heat"))
    assert user_flag_counts(user=owner.user) == {"flaggedImagesCount": 2, "highHeatImagesCount": 1}
    assert user_flag_counts(user=None) == {"flaggedImagesCount": 0, "highHeatImagesCount": 0}
