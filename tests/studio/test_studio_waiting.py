"""What a user waits through, in a real browser with a real Celery worker whose local back end
is slowed down (``AIMG_LOCAL_SECONDS_PER_STEP``), as on a GPU: the card of a job queued behind
other people's shows its place in the queue (and the place moves up), then a progress bar that
moves while it runs; Cancel stops it through ``cancelGeneration``; the next job runs to its image.
"""

from __future__ import annotations

import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from generation.models import GenerationJob, JobStatus
from library.models import Item
from tests.accounts.conftest import code_and_link_from
from tests.studio.test_studio_browser import (
    EMAIL,
    css,
    css_all,
    image_loaded,
    no_script_errors,
    open_screen,
    wait,
    wait_ready,
)
from tests.support.assertions import assert_envelope

pytestmark = pytest.mark.django_db(transaction=True)

SECONDS_PER_STEP = 0.2
#: 3 s a job ahead: the 6 s the two take are more than the card's longest wait between two
#: getItemStatus calls while queued (5 s), so the card shows its place move up.
AHEAD_STEPS = 15


def job_card(driver, item_id: str):
    return css(driver, f'#jobs .job[data-item-id="{item_id}"]')


def card_state(driver, item_id: str) -> dict:
    """What the card shows: its status, text, progress bar and Cancel button."""
    return driver.execute_script(
        """
        const card = document.querySelector(`#jobs .job[data-item-id="${arguments[0]}"]`);
        const bar = card.querySelector("progress");
        return {status: card.dataset.status, text: card.querySelector(".status").textContent,
                progress: bar.hidden ? null : bar.value, cancel: !card.querySelector(".cancel").hidden,
                error: card.querySelector(".error").textContent};
        """,
        item_id,
    )


def generate(driver, prompt: str, steps: int) -> str:
    """Generate from the form; the new card's item id."""
    before = {c.get_attribute("data-item-id") for c in driver.find_elements(By.CSS_SELECTOR, "#jobs .job")}
    css(driver, "#prompt").clear()
    css(driver, "#prompt").send_keys(prompt)
    css(driver, "#steps").clear()
    css(driver, "#steps").send_keys(str(steps))
    css(driver, "#generate-button").click()

    def new_card(d):
        if error := css(d, "#generate-error").text:
            pytest.fail(f"generateImage refused: {error}")
        ids = {c.get_attribute("data-item-id") for c in d.find_elements(By.CSS_SELECTOR, "#jobs .job")}
        return (ids - before).pop() if ids - before else None

    return wait(driver, new_card, timeout=15, message="the new job's card")


def test_a_queued_job_shows_its_place_then_a_moving_progress_bar_and_cancel_stops_it(
    studio, browser, screenshot, api, other_user, make_user, start_worker
):
    d = browser
    # Two other people's jobs are queued first (no worker yet, so nothing starts).
    ahead = [
        assert_envelope(
            api.post(
                "/generateImage",
                persona=persona,
                body={"prompt": f"someone else's {n}", "modelName": "f222", "steps": AHEAD_STEPS},
            )
        ).payload["imageID"]
        for n, persona in enumerate([other_user, make_user("third@example.com")])
    ]
    d.get(studio + "/")
    wait_ready(d)
    mine = generate(d, "a slow lighthouse", steps=40)
    queued = card_state(d, mine)
    assert queued["status"] == "queued" and queued["text"].startswith("Queued: position 3"), queued
    assert queued["cancel"] and queued["progress"] is None  # no bar until it runs
    placeholder = Item.objects.get(id=mine).media.name  # the library's stand-in until it completes
    screenshot(d, "9-queued")

    # A real worker, one job at a time: the two ahead run, then mine (8 s: it is cancelled long before).
    worker = start_worker(AIMG_LOCAL_SECONDS_PER_STEP=str(SECONDS_PER_STEP))
    texts, progress = [], []
    deadline = time.monotonic() + 60
    while len(set(progress)) < 2:  # until the bar has moved once
        state = card_state(d, mine)
        if not texts or texts[-1] != state["text"]:
            texts.append(state["text"])
        if state["status"] == "running" and state["progress"] is not None:
            progress.append(state["progress"])
        assert state["status"] in ("queued", "running"), state
        assert state["cancel"], state
        assert time.monotonic() < deadline, f"{texts} {progress}\n{worker.tail()}"
        time.sleep(0.1)
    assert progress == sorted(progress) and 0 <= progress[0] < progress[-1] < 1, progress
    queue_texts = [t for t in texts if t.startswith("Queued")]
    assert queue_texts[0].startswith("Queued: position 3")
    assert len(queue_texts) >= 2 and queue_texts[-1] != queue_texts[0], texts  # the place moved up
    assert texts[-1].startswith("Generating… ") and texts[-1].endswith("%"), texts
    assert GenerationJob.objects.filter(item__id__in=ahead, status=JobStatus.COMPLETED).count() == 2
    screenshot(d, "10-running")

    # Cancel while it runs: the card says so at once, and the worker stops the render.
    job_card(d, mine).find_element(By.CSS_SELECTOR, ".cancel").click()
    wait(d, lambda d: card_state(d, mine)["status"] == "cancelled", timeout=10, message="cancelled")
    state = card_state(d, mine)
    assert state == {
        "status": "cancelled",
        "text": "Cancelled",
        "progress": None,
        "cancel": False,
        "error": "",
    }
    job = GenerationJob.objects.get(item_id=mine)
    assert job.status == JobStatus.CANCELLED
    screenshot(d, "11-cancelled")

    # The worker is free again at its next step: another job runs to its image meanwhile.
    done = generate(d, "a quick boat", steps=3)
    wait(
        d,
        lambda d: card_state(d, done)["status"] == "completed",
        timeout=30,
        message="the next job completes",
    )
    wait(d, lambda d: image_loaded(d, job_card(d, done).find_element(By.CSS_SELECTOR, ".media img")))
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert Item.objects.get(id=mine).media.name == placeholder  # the cancelled render wrote nothing
    assert card_state(d, mine)["status"] == "cancelled"  # still, after a poll
    assert no_script_errors(d) == []


def test_a_guest_who_signs_in_while_a_job_runs_sees_it_finish_in_the_card_and_the_library(
    studio, browser, smtp_inbox, start_worker
):
    """The newcomer's path (README): generate as a guest, sign in, browse the library; here the
    job is still running when the guest signs in and opens the library."""
    d = browser
    # The worker sends the sign-in email too (a Celery task, to the test's SMTP server), beside the job.
    worker = start_worker(
        concurrency=2,
        AIMG_LOCAL_SECONDS_PER_STEP=str(SECONDS_PER_STEP),
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_inbox.port}",
    )
    d.get(studio + "/")
    wait_ready(d)
    mine = generate(d, "a harbour at dawn", steps=40)  # 8 s once it starts
    placeholder = Item.objects.get(id=mine).media.name

    open_screen(d, "account")
    css(d, "#otp-email").send_keys(EMAIL)
    css(d, "#otp-send").click()
    wait(d, lambda d: css(d, "#otp-code").is_displayed())
    code, _link = code_and_link_from(
        smtp_inbox.wait_for(EMAIL).get_body(preferencelist=("plain",)).get_content()
    )
    css(d, "#otp-code").send_keys(code, Keys.ENTER)
    wait(d, lambda d: css(d, "#signed-in").is_displayed(), message="signed in")
    assert card_state(d, mine)["status"] in ("queued", "running")  # signed in before it ended
    assert Item.objects.get(id=mine).owner.email == EMAIL  # the guest's job is the account's now

    # The library lists it at once (its stand-in picture), and shows the image once it is done.
    open_screen(d, "library")
    in_library = wait(d, lambda d: css(d, f'#library-grid [data-item-id="{mine}"] img'), message="listed")
    assert placeholder in in_library.get_attribute("src")
    # The card (its screen hidden) keeps checking the job with the new session id.
    wait(
        d,
        lambda d: card_state(d, mine)["status"] == "completed",
        timeout=60,
        message=f"the card sees the job complete\n{worker.tail()}",
    )
    final = Item.objects.get(id=mine).media.name
    assert final != placeholder
    shown = wait(
        d,
        lambda d: (
            (img := css(d, f'#library-grid [data-item-id="{mine}"] img')).get_attribute("src").count(final)
            and img
        ),
        timeout=10,
        message="the library card shows the finished image",
    )
    wait(d, lambda d: image_loaded(d, shown))
    assert len(css_all(d, f'#library-grid [data-item-id="{mine}"]')) == 1
    assert no_script_errors(d) == []
