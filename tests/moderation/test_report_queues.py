"""getReportQueues (users: user-visible queues; Admins: system ones too) and the queue seeding."""

from __future__ import annotations

from django.core.management import call_command

from aimg_site.core.models import Domain
from moderation.models import ReportQueue
from tests.support.assertions import assert_envelope
from tests.support.factories.moderation import queue

USER_QUEUES = [
    "Not Specified",
    "Underage",
    "Non-Consensual",
    "Real Person",
    "Violence",
    "Illegal Content",
    "Copyright",
    "Spam",
    "Other",
]


def test_users_guests_and_other_users_see_the_user_queues_in_order(api, owner, other_user, guest):
    for persona in (owner, other_user, guest):
        assert assert_envelope(api.get("/getReportQueues", persona=persona)).payload == USER_QUEUES


def test_admins_also_see_the_system_queues(api, admin):
    payload = assert_envelope(api.get("/getReportQueues", persona=admin)).payload
    assert payload == [*USER_QUEUES, "Prompt Filter", "High Heat"]


def test_a_wrong_admin_key_is_refused(api, owner):
    owner.admin_key = "not-a-key"
    assert_envelope(api.get("/getReportQueues", persona=owner), 403)


def test_inactive_user_queues_are_not_listed_for_users_but_are_for_admins(api, owner, admin):
    spam = queue("Spam")
    spam.is_active = False
    spam.save()
    assert "Spam" not in assert_envelope(api.get("/getReportQueues", persona=owner)).payload
    assert "Spam" in assert_envelope(api.get("/getReportQueues", persona=admin)).payload


def test_queues_live_in_the_database_per_domain(api, owner):
    ReportQueue.objects.create(name="Deepfake", position=50)
    assert assert_envelope(api.get("/getReportQueues", persona=owner)).payload[-1] == "Deepfake"
    from tests.support.client import ApiClient

    other_site = ApiClient(host="api.sexy.ai")
    assert "Deepfake" not in assert_envelope(other_site.get("/getReportQueues", persona=owner)).payload


def test_a_new_domain_gets_the_default_queues_and_loading_is_idempotent():
    domain = Domain.objects.create(
        name="example.test", display_name="Example", frontend_url="https://example.test"
    )
    assert ReportQueue.all_domains.filter(domain=domain).count() == len(USER_QUEUES) + 2
    ReportQueue.all_domains.filter(domain=domain, name="Spam").delete()
    renamed = ReportQueue.all_domains.get(domain=domain, kind="high_heat")
    renamed.name = "Hot"
    renamed.save()
    call_command("load_report_queues", "--all-domains")
    names = set(ReportQueue.all_domains.filter(domain=domain).values_list("name", flat=True))
    assert "Spam" in names and "Hot" in names and "High Heat" not in names
