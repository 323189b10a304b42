"""The studio page in a real browser (headless Chromium through Selenium) against a live server.

A guest generates an image, signs in with the code read from the test's own SMTP server, finds
that image in the library beside more than a page of items, tags it, moves it to a new folder,
likes it, submits it for approval, deletes and restores it; then the public gallery and a phone
screen. A screenshot of each screen is kept under var/test-artifacts/studio/.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from accounts.admin_keys.services import admin_key_create
from accounts.models import User
from library.models import Item
from tests.accounts.conftest import code_and_link_from
from tests.support.factories.accounts import UserFactory
from tests.support.factories.library import ItemFactory

EMAIL = "studio.person@example.com"
PAGE_SIZE = 24  # studio.js
SESSION_KEY = "aimg.studio.sessionID"

pytestmark = pytest.mark.django_db(transaction=True)


def wait(driver, condition, timeout: float = 30, message: str = ""):
    def attempt(d):
        try:
            return condition(d)
        except (NoSuchElementException, StaleElementReferenceException):
            return False

    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(attempt, message)


def css(driver, selector: str):
    return driver.find_element(By.CSS_SELECTOR, selector)


def css_all(driver, selector: str):
    return driver.find_elements(By.CSS_SELECTOR, selector)


def open_screen(driver, name: str) -> None:
    css(driver, f'[data-nav="{name}"]').click()
    wait(driver, lambda d: d.execute_script("return document.body.dataset.view") == name)
    # Library and gallery load when opened (folders, then the first page).
    wait(driver, lambda d: css(d, f'section[data-screen="{name}"]').get_attribute("data-loaded") != "false")


def wait_ready(driver) -> None:
    wait(
        driver,
        lambda d: d.execute_script("return document.body.dataset.ready") == "true",
        message="page start",
    )


def stored_session(driver) -> str:
    return driver.execute_script("return localStorage.getItem(arguments[0])", SESSION_KEY)


def alert_text(driver) -> str:
    return css(driver, "#alerts").text


def unlabelled_controls(driver) -> list[str]:
    """Visible inputs, selects, textareas and buttons with no accessible name."""
    return driver.execute_script(
        """
        return [...document.querySelectorAll('input, select, textarea, button')]
          .filter((el) => el.offsetParent !== null)
          .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                          && !el.getAttribute('aria-labelledby') && !(el.tagName === 'BUTTON' && el.textContent.trim()))
          .map((el) => el.outerHTML.slice(0, 120));
        """
    )


def card(driver, item_id: str, grid: str = "#library-grid"):
    return css(driver, f'{grid} [data-item-id="{item_id}"]')


def image_loaded(driver, element) -> bool:
    return driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", element)


def no_script_errors(driver) -> list[str]:
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if entry["level"] == "SEVERE" and ("Uncaught" in entry["message"] or "TypeError" in entry["message"])
    ]


def test_a_guest_generates_signs_in_and_manages_the_library(studio, smtp_inbox, browser, screenshot):
    d = browser
    d.get(studio + "/")
    wait_ready(d)
    assert css(d, "#who").text == "Guest (not signed in)"
    guest_session = stored_session(d)
    assert guest_session

    # --- Generate as a guest: only the models a guest may use, in getModels' order.
    models = Select(css(d, "#model"))
    assert [o.get_attribute("value") for o in models.options] == ["f222"]
    assert "Sign in for 2 more models" in css(d, "#model-hint").text
    steps = css(d, "#steps")
    assert (steps.get_attribute("min"), steps.get_attribute("max"), steps.get_attribute("value")) == (
        "1",
        "50",
        "20",
    )
    assert [o.text for o in Select(css(d, "#width")).options] == ["512", "640", "768"]
    assert unlabelled_controls(d) == []
    css(d, "#prompt").send_keys("a lighthouse on a cliff at dusk")
    Select(css(d, "#width")).select_by_visible_text("640")
    css(d, "#generate-button").click()
    job = wait(d, lambda d: css(d, '#jobs .job[data-status="completed"]'), message="generation completes")
    image = job.find_element(By.CSS_SELECTOR, ".media img")
    wait(d, lambda d: image_loaded(d, image), message="the generated image loads")
    guest_item_id = job.get_attribute("data-item-id")
    guest_item = Item.objects.get(id=guest_item_id)
    assert guest_item.owner.is_guest and guest_item.width == 640
    assert job.find_element(By.CSS_SELECTOR, ".status").text == "Done"
    screenshot(d, "1-generate")

    # --- Sign in with the emailed code (a wrong one first: the envelope's message is shown).
    open_screen(d, "account")
    assert unlabelled_controls(d) == []
    css(d, "#otp-email").send_keys(EMAIL)
    css(d, "#otp-send").click()
    wait(d, lambda d: css(d, "#otp-code").is_displayed())
    message = smtp_inbox.wait_for(EMAIL)
    code, _link = code_and_link_from(message.get_body(preferencelist=("plain",)).get_content())
    css(d, "#otp-code").send_keys(f"{(int(code) + 1) % 1_000_000:06d}", Keys.ENTER)
    error = wait(d, lambda d: css(d, "#otp-error").text, message="a wrong code is reported")
    assert error and stored_session(d) == guest_session
    screenshot(d, "2-sign-in")
    css(d, "#otp-code").clear()
    css(d, "#otp-code").send_keys(code, Keys.ENTER)
    wait(d, lambda d: css(d, "#signed-in").is_displayed(), message="signed in")
    assert css(d, "#who").text == f"Signed in as {User.objects.get(email=EMAIL).username or EMAIL}"
    assert css(d, "#me-email").text == EMAIL
    signed_in_session = stored_session(d)
    assert signed_in_session and signed_in_session != guest_session  # rotated, and kept
    user = User.objects.get(email=EMAIL)
    guest_item.refresh_from_db()
    assert guest_item.owner_id == user.id  # what the guest made is the account's now
    # A signed-in user may use the video model too (registrationWall); SDXL needs a higher tier.
    wait(
        d,
        lambda d: [o.get_attribute("value") for o in Select(css(d, "#model")).options] == ["f222", "model3"],
        message="the signed-in user's models",
    )
    assert css(d, "#model-hint").get_attribute("textContent") == "1 more model needs a higher tier."
    screenshot(d, "3-account")

    # --- More than a page of items; the session survives a reload.
    now = timezone.now()
    older = [
        ItemFactory(owner=user, folder_added_at=now - timedelta(minutes=5 + n), prompt=f"older {n}")
        for n in range(PAGE_SIZE + 6)
    ]
    d.refresh()
    wait_ready(d)
    assert stored_session(d) == signed_in_session
    assert css(d, "#who").text.startswith("Signed in as")
    open_screen(d, "library")
    wait(d, lambda d: len(css_all(d, "#library-grid > li")) >= PAGE_SIZE, message="the first page")
    assert card(d, guest_item_id)  # the guest's image is in the account's library
    assert unlabelled_controls(d) == []
    d.execute_script("document.getElementById('library-more').scrollIntoView()")
    wait(d, lambda d: css(d, "#library-grid").get_attribute("data-done") == "true", message="the last page")
    shown = [li.get_attribute("data-item-id") for li in css_all(d, "#library-grid > li")]
    assert len(shown) == len(set(shown)) == len(older) + 1
    assert set(shown) == {guest_item_id, *(str(i.id) for i in older)}
    assert css(d, "#library-count").text.startswith(f"{len(shown)} ")
    d.execute_script("window.scrollTo(0, 0)")
    screenshot(d, "4-library-pages")

    # --- Tags: add two, remove one.
    d.execute_script("window.scrollTo(0, 0)")
    for tag in ("sunset", "draft"):
        field = card(d, guest_item_id).find_element(By.CSS_SELECTOR, ".tag-input")
        field.send_keys(tag, Keys.ENTER)
        wait(
            d,
            lambda d, tag=tag: card(d, guest_item_id).find_element(
                By.CSS_SELECTOR, f'.tag[data-tag="{tag}"]'
            ),
        )
    card(d, guest_item_id).find_element(By.CSS_SELECTOR, '.tag[data-tag="draft"] .tag-remove').click()
    wait(d, lambda d: not card(d, guest_item_id).find_elements(By.CSS_SELECTOR, '.tag[data-tag="draft"]'))
    assert sorted(Item.objects.get(id=guest_item_id).tag_links.values_list("tag__name", flat=True)) == [
        "sunset"
    ]

    # --- A new folder; move the item into it; the folder filter shows it alone; rename the folder.
    css(d, "#folders-panel summary").click()
    css(d, "#folder-name").send_keys("Trips")
    css(d, "#folder-create-button").click()
    wait(d, lambda d: "Trips" in [o.text for o in Select(css(d, "#move-target")).options])
    card(d, guest_item_id).find_element(By.CSS_SELECTOR, "input.select").click()
    assert css(d, "#selected-count").text == "1 item selected."
    Select(css(d, "#move-target")).select_by_visible_text("Trips")
    css(d, "#move-button").click()
    wait(d, lambda d: Item.objects.get(id=guest_item_id).folder is not None, message="moved")
    assert Item.objects.get(id=guest_item_id).folder.name == "Trips"
    wait(d, lambda d: card(d, guest_item_id).find_element(By.CSS_SELECTOR, ".folder").text == "Trips")
    Select(css(d, "#library-folder")).select_by_visible_text("Trips")
    wait(
        d,
        lambda d: (
            css(d, "#library-grid").get_attribute("data-done") == "true"
            and [li.get_attribute("data-item-id") for li in css_all(d, "#library-grid > li")]
            == [guest_item_id]
        ),
        message="the folder filter",
    )
    css(d, '#folder-list li button[aria-label="Rename folder Trips"]').click()
    rename = css(d, "#folder-list form input")
    rename.clear()
    rename.send_keys("Trips 2026", Keys.ENTER)
    wait(d, lambda d: Item.objects.get(id=guest_item_id).folder.name == "Trips 2026", message="renamed")
    wait(d, lambda d: "Trips 2026" in css(d, "#folder-list").text)

    # --- Like it and submit it for approval.
    like = card(d, guest_item_id).find_element(By.CSS_SELECTOR, ".like")
    like.click()
    wait(
        d,
        lambda d: (
            card(d, guest_item_id).find_element(By.CSS_SELECTOR, ".like").get_attribute("aria-pressed")
            == "true"
        ),
    )
    card(d, guest_item_id).find_element(By.CSS_SELECTOR, ".submit-approval").click()
    wait(
        d,
        lambda d: (
            card(d, guest_item_id).find_element(By.CSS_SELECTOR, ".approval").text == "Awaiting approval"
        ),
    )
    assert Item.objects.get(id=guest_item_id).public_approval_status == "pending"
    screenshot(d, "5-library-item")

    # --- Delete; restoring needs an administration key (an Admin operation); with one, it is back.
    card(d, guest_item_id).find_element(By.CSS_SELECTOR, ".delete").click()
    wait(d, lambda d: not css_all(d, f'#library-grid [data-item-id="{guest_item_id}"]'), message="deleted")
    assert Item.objects.get(id=guest_item_id).deleted_at is not None
    restore = wait(d, lambda d: css(d, f'#deleted-list [data-item-id="{guest_item_id}"] .restore'))
    restore.click()
    wait(d, lambda d: "administration key" in alert_text(d), message="restoring without a key is refused")
    UserFactory(email="staff@example.com", is_staff=True, roles=["admin"])
    _key, raw_key = admin_key_create(email="staff@example.com")
    open_screen(d, "account")
    css(d, "#admin-key").send_keys(raw_key, Keys.ENTER)
    wait(d, lambda d: css(d, "#admin-key-state").text == "A key is kept for this tab.")
    open_screen(d, "library")
    Select(css(d, "#library-folder")).select_by_visible_text("All items")
    css(d, f'#deleted-list [data-item-id="{guest_item_id}"] .restore').click()
    wait(d, lambda d: card(d, guest_item_id), message="restored into the grid")
    restored = Item.objects.get(id=guest_item_id)
    assert restored.deleted_at is None and restored.folder is None  # restored to the root folder
    assert not css_all(d, f'#deleted-list [data-item-id="{guest_item_id}"]')

    # --- The public gallery: another user's approved item in a public folder.
    public = ItemFactory(public=True, prompt="public fox")
    open_screen(d, "gallery")
    shown = wait(d, lambda d: card(d, str(public.id), grid="#gallery-grid"), message="the gallery")
    wait(d, lambda d: image_loaded(d, shown.find_element(By.CSS_SELECTOR, "img")))
    assert public.folder.name in [o.text.split(" (")[0] for o in Select(css(d, "#gallery-folder")).options]
    screenshot(d, "6-gallery")
    assert no_script_errors(d) == []


def test_on_a_phone_sized_screen_it_fits_reports_api_errors_and_takes_the_magic_link(
    studio, smtp_inbox, phone, screenshot
):
    d = phone
    d.get(studio + "/")
    wait_ready(d)
    fits = "return document.documentElement.scrollWidth <= window.innerWidth"
    assert d.execute_script(fits)
    css(d, "#prompt").send_keys("a small red boat")
    css(d, "#generate-button").click()
    job = wait(d, lambda d: css(d, '#jobs .job[data-status="completed"]'))
    wait(d, lambda d: image_loaded(d, job.find_element(By.CSS_SELECTOR, ".media img")))
    assert d.execute_script(fits)
    screenshot(d, "7-phone-generate")
    open_screen(d, "account")
    css(d, "#password-email").send_keys("nobody@example.com")
    css(d, "#password").send_keys("Wrong!Pass1", Keys.ENTER)
    error = wait(d, lambda d: css(d, "#password-error").text, message="the envelope's errorMessage")
    assert error.strip()
    assert d.execute_script(fits)
    screenshot(d, "8-phone-sign-in")
    open_screen(d, "library")
    wait(d, lambda d: css_all(d, "#library-grid > li"))
    assert d.execute_script(fits)
    # The emailed magic link (its b parameter) opened on the page signs the browser in.
    open_screen(d, "account")
    css(d, "#otp-email").send_keys("phone.person@example.com")
    css(d, "#otp-send").click()
    message = smtp_inbox.wait_for("phone.person@example.com")
    _code, link = code_and_link_from(message.get_body(preferencelist=("plain",)).get_content())
    b = link["link"].split("?b=", 1)[1]
    d.get(f"{studio}/?b={b}#library")
    wait(d, lambda d: css(d, "#who").text.startswith("Signed in as"), message="the magic link signs in")
    assert "?b=" not in d.current_url  # the code does not stay in the address bar
    wait(d, lambda d: css_all(d, "#library-grid > li"))  # the guest's image came along
    assert no_script_errors(d) == []
