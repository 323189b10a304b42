"""The moderators' console in a real browser (headless Chromium, Selenium, a live server):
a moderator signs in with email and password, approves and rejects items, takes back an
approval, closes a report with its related reports, and is refused the billing and admin-key
pages. Each screen is saved as a PNG under var/test-artifacts/console/."""

from __future__ import annotations

import pytest
from django.test import override_settings
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from library.models import ApprovalStatus, Item
from moderation.models import ItemReport, ReportStatus
from tests.support.browser import (
    artifacts_dir,
    chromium_driver,
    require_browser,
    start_live_server,
    stop_live_server,
)
from tests.support.factories.library import ItemFactory
from tests.support.factories.moderation import ReportFactory

PASSWORD = "Moderat0r-Console!"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def server(worker_id, django_db_blocker):
    require_browser()
    with django_db_blocker.unblock():
        live = start_live_server(worker_id)
    yield live
    stop_live_server(live)


@pytest.fixture(scope="module")
def browser(server):
    driver = chromium_driver()
    yield driver
    driver.quit()


@pytest.fixture(autouse=True)
def _plain_http_cookies():
    # The live server speaks plain HTTP; production cookies are Secure.
    with override_settings(SESSION_COOKIE_SECURE=False, CSRF_COOKIE_SECURE=False):
        yield


@pytest.fixture
def moderator(make_user):
    return make_user("moderator@example.com", password=PASSWORD, is_staff=True, roles=["moderator"]).user


class Console:
    def __init__(self, driver, base: str):
        self.driver, self.base = driver, base

    def open(self, path: str) -> None:
        self.driver.get(self.base + path)

    def wait_for(self, css: str):
        return WebDriverWait(self.driver, 30).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))

    def shot(self, name: str) -> None:
        path = artifacts_dir() / f"{name}.png"
        assert self.driver.save_screenshot(str(path)), path
        assert path.stat().st_size > 1000

    def sign_in(self, email: str, password: str) -> None:
        self.driver.delete_all_cookies()
        self.open("/console/login/?next=/console/")
        self.wait_for("#id_username").send_keys(email)
        self.driver.find_element(By.ID, "id_password").send_keys(password)
        self.shot("01-sign-in")
        self.driver.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
        self.wait_for("#site-name")
        assert "Approval queue" in self.driver.page_source, self.driver.page_source[:2000]

    def select_rows(self, ids) -> None:
        for item_id in ids:
            self.driver.find_element(By.CSS_SELECTOR, f"input.action-select[value='{item_id}']").click()

    def run_action(self, action: str, **fields) -> str:
        Select(self.driver.find_element(By.NAME, "action")).select_by_value(action)
        for name, value in fields.items():
            box = self.driver.find_element(By.NAME, name)
            box.clear()
            box.send_keys(value)
        page = self.driver.find_element(By.TAG_NAME, "html")
        self.driver.find_element(By.CSS_SELECTOR, "button[name=index]").click()
        # The page before the click may already show an earlier action's message: wait for the
        # answer page to replace it, then read the new message.
        WebDriverWait(self.driver, 30).until(ec.staleness_of(page))
        return self.wait_for("ul.messagelist").text

    def images_loaded(self) -> int:
        return self.driver.execute_script(
            "return [...document.querySelectorAll('img.moderation-thumb')]"
            ".filter(i => i.complete && i.naturalWidth > 0).length"
        )


@pytest.fixture
def console(server, browser, moderator):
    ui = Console(browser, server.url)
    ui.sign_in("moderator@example.com", PASSWORD)
    return ui


def test_a_moderator_approves_and_rejects_pending_items(console):
    keep = ItemFactory(public_approval_status=ApprovalStatus.PENDING, width=64, height=64)
    drop = ItemFactory(public_approval_status=ApprovalStatus.PENDING)
    console.open("/console/moderation/pendingitem/")
    console.wait_for("#result_list")
    WebDriverWait(console.driver, 30).until(lambda _: console.images_loaded() == 2)
    console.shot("02-approval-queue")
    console.select_rows([keep.pk])
    assert "Approved 1 item(s)." in console.run_action("approve_items")
    console.select_rows([drop.pk])
    assert "Rejected 1 item(s)." in console.run_action("reject_items")
    console.shot("03-approval-queue-after-decisions")
    keep, drop = Item.objects.get(pk=keep.pk), Item.objects.get(pk=drop.pk)
    assert (keep.public_approval_status, keep.is_public) == ("approved", True)
    assert (drop.public_approval_status, drop.is_public) == ("rejected", False)

    console.open("/console/moderation/approveditem/")
    console.wait_for("#result_list")
    console.shot("04-approved-items")
    console.select_rows([keep.pk])
    assert "Rejected 1 item(s)." in console.run_action("reject_items")
    keep.refresh_from_db()
    assert (keep.public_approval_status, keep.is_public) == ("rejected", False)


def test_a_moderator_accepts_a_report_with_its_related_reports(console, moderator):
    item = ItemFactory()
    target = ReportFactory(item=item, additional_information="not allowed here")
    related = ReportFactory(item=item)
    other = ReportFactory()
    console.open("/console/moderation/itemreport/")
    console.wait_for("#result_list")
    console.shot("05-reports-pending")
    console.select_rows([target.pk])
    message = console.run_action("accept_with_related", note="breaks the rules")
    assert "Accepted 2 report(s)." in message
    console.shot("06-reports-after-accepting")
    for report in (target, related):
        report = ItemReport.objects.get(pk=report.pk)
        assert report.status == ReportStatus.ACCEPTED and report.approver_id == moderator.pk
        assert report.approval_additional_information == "breaks the rules"
    assert ItemReport.objects.get(pk=other.pk).status == ReportStatus.PENDING
    assert Item.all_domains.get(pk=item.pk).deleted_at is not None

    console.open("/console/moderation/itemreport/?status=accepted")
    console.wait_for("#result_list")
    assert str(target.pk) in console.driver.page_source and str(other.pk) not in console.driver.page_source
    console.shot("07-reports-accepted")


def test_a_moderator_is_refused_billing_and_admin_keys(console):
    console.open("/console/")
    console.wait_for("#content")
    assert "Billing" not in console.driver.page_source and "Admin keys" not in console.driver.page_source
    for path, name in (
        ("/console/billing/", "08-billing-refused"),
        ("/console/accounts/adminkey/", "09-admin-keys-refused"),
    ):
        console.open(path)
        body = console.wait_for("body").text
        # Billing has no console page a moderator may open (a 404), admin keys are Admins' (a 403).
        assert "No endpoint at /console/billing/" in body or "You are not allowed to do this." in body, body[
            :500
        ]
        assert "Add admin key" not in console.driver.page_source
        console.shot(name)
