"""Failed and cancelled generations leave the listings; a guest's jobs in flight follow it to its account."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from accounts.signin.otp import otp_create
from accounts.signin.services import user_sign_in
from generation import services
from generation.backends import local
from generation.models import GenerationJob, GenerationModel
from library.folders.ids import folder_wire_id
from library.models import Item
from tests.conftest import assert_envelope
from tests.support.factories.library import FolderFactory
from tests.support.personas import Persona

pytestmark = pytest.mark.usefixtures("catalog")


def queued(api, persona, prompt="a fox") -> str:
    return assert_envelope(api.post("/generateImage", persona=persona, body={"prompt": prompt})).payload[
        "imageID"
    ]


def listed(api, persona) -> set[str]:
    payload = assert_envelope(api.get("/getMyCreations", persona=persona)).payload
    rows = payload if isinstance(payload, list) else payload.get("items", payload)
    return {row["id"] for row in rows}


def status(api, persona, item_id) -> dict:
    return assert_envelope(api.get("/getItemStatus", persona=persona, imageID=item_id)).payload


# ---------------------------------------------------------------- failed and cancelled items


def test_a_failed_generation_leaves_the_listings_and_its_status_keeps_the_message(api, owner, monkeypatch):
    GenerationModel.objects.update(tier0_concurrent=5)
    failing, kept = queued(api, owner, "a broken fox"), queued(api, owner, "a fine fox")
    assert {failing, kept} <= listed(api, owner)  # queued: listed with the placeholder

    def broken(**kwargs):
        raise ValueError("out of paint")

    with monkeypatch.context() as patch:
        patch.setattr(local, "render_image", broken)
        assert services.job_run(job_id=GenerationJob.objects.get(item_id=failing).pk, worker="w1") == "failed"
    assert services.job_run(job_id=GenerationJob.objects.get(item_id=kept).pk, worker="w1") == "completed"
    assert failing not in listed(api, owner) and kept in listed(api, owner)
    body = status(api, owner, failing)
    assert body["status"] == "failed" and "out of paint" in body["errorMessage"] and "url" not in body
    assert Item.objects.get(pk=failing).deleted_at is not None
    assert_envelope(api.get("/getItemDetails", persona=owner, imageID=failing), 404)


def test_a_cancelled_generation_leaves_the_listings_and_still_answers_cancelled(api, owner, other_user):
    item_id = queued(api, owner)
    assert_envelope(api.post("/cancelGeneration", persona=owner, body={"imageID": item_id}))
    assert item_id not in listed(api, owner)
    assert status(api, owner, item_id)["status"] == "cancelled"
    assert_envelope(api.get("/getItemStatus", persona=other_user, imageID=item_id), 404)


def test_a_running_job_cancelled_then_its_item_is_gone_from_the_folder_too(api, owner):
    folder = FolderFactory(owner=owner.user)
    folder_id = folder_wire_id(folder.pk, is_public=folder.is_public)
    item_id = assert_envelope(
        api.post("/generateImage", persona=owner, body={"prompt": "a fox", "folderID": folder_id})
    ).payload["imageID"]
    assert Item.objects.get(pk=item_id).folder_id is not None
    assert services.job_claim(job_id=GenerationJob.objects.get(item_id=item_id).pk, worker="w1")
    assert_envelope(api.post("/cancelGeneration", persona=owner, body={"imageID": item_id}))
    item = Item.objects.get(pk=item_id)
    assert item.deleted_at is not None and item.folder_id is None


def test_a_job_failed_by_the_reclaimer_leaves_the_listings(api, owner, settings):
    settings.AIMG_GENERATION_MAX_ATTEMPTS = 1
    item_id = queued(api, owner)
    job = GenerationJob.objects.get(item_id=item_id)
    assert services.job_claim(job_id=job.pk, worker="dead")
    GenerationJob.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
    services.jobs_reclaim()
    assert status(api, owner, item_id)["status"] == "failed"
    assert item_id not in listed(api, owner)


# ---------------------------------------------------------------- a guest signs up with jobs in flight


def sign_up(api, guest, email="newcomer@example.com") -> Persona:
    _row, code = otp_create(email=email)
    signed_up = assert_envelope(
        api.post("/createUser", persona=guest, body={"email": email, "otp": code})
    ).payload
    return Persona(session_id=signed_up["sessionID"])


def test_a_guests_queued_job_counts_against_the_account_it_signs_up_to(api, guest):
    GenerationModel.objects.filter(name="f222").update(tier0_concurrent=1)
    item_id = queued(api, guest)
    guest_user = Item.objects.get(pk=item_id).owner
    member = sign_up(api, guest)
    job = GenerationJob.objects.get(item_id=item_id)
    assert job.user.email == "newcomer@example.com" and job.user_id != guest_user.pk
    # the account's limit counts the job it brought along
    refused = api.post("/generateImage", persona=member, body={"prompt": "another fox"})
    assert_envelope(refused, 429)
    assert "tier0Concurrent" in refused.body["errorMessage"]
    # the account cancels it, and may generate again
    assert_envelope(api.post("/cancelGeneration", persona=member, body={"imageID": item_id}))
    assert status(api, member, item_id)["status"] == "cancelled"
    assert_envelope(api.post("/generateImage", persona=member, body={"prompt": "another fox"}))
    assert not GenerationJob.objects.filter(user=guest_user).exists()


def test_a_guests_jobs_take_their_turns_behind_the_accounts_own(api, guest, owner, other_user):
    GenerationModel.objects.update(tier0_concurrent=10)
    mine = [queued(api, owner) for _ in range(2)]  # owner's turns 1, 2
    theirs = queued(api, other_user)  # turn 1
    brought = [queued(api, guest) for _ in range(2)]  # the guest's turns 1, 2
    guest_key = uuid.UUID(guest.session_id)
    user_sign_in(user=owner.user, old_session_key=guest_key, login_provider="OTP")
    turns = {i: GenerationJob.objects.get(item_id=i).turn for i in [*mine, *brought]}
    assert [turns[i] for i in mine] == [1, 2] and [turns[i] for i in brought] == [3, 4]
    assert status(api, other_user, theirs)["queuePosition"] == 2  # behind owner's first job only
    assert [status(api, owner, i)["queuePosition"] for i in [*mine, *brought]] == [1, 3, 4, 5]


def test_a_guests_failed_job_is_still_readable_by_the_account(api, guest, monkeypatch):
    item_id = queued(api, guest)

    def broken(**kwargs):
        raise ValueError("out of paint")

    monkeypatch.setattr(local, "render_image", broken)
    assert services.job_run(job_id=GenerationJob.objects.get(item_id=item_id).pk, worker="w1") == "failed"
    member = sign_up(api, guest)
    body = status(api, member, item_id)
    assert body["status"] == "failed" and "out of paint" in body["errorMessage"]
    assert item_id not in listed(api, member)


# ---------------------------------------------------------------- migrateLibrary moves the jobs too


def test_migrate_library_moves_jobs_in_flight_with_the_items(api, admin, owner, other_user):
    GenerationModel.objects.filter(name="f222").update(tier0_concurrent=1)
    item_id = queued(api, owner)
    assert_envelope(
        api.post(
            "/migrateLibrary",
            persona=admin,
            body={"sourceUserID": str(owner.user.id), "destinationUserID": str(other_user.user.id)},
        )
    )
    assert GenerationJob.objects.get(item_id=item_id).user_id == other_user.user.id
    # the job counts against the destination, which follows and cancels it; the source no longer can
    assert_envelope(api.post("/generateImage", persona=other_user, body={"prompt": "another fox"}), 429)
    assert_envelope(api.get("/getItemStatus", persona=owner, imageID=item_id), 404)
    assert status(api, other_user, item_id)["status"] == "queued"
    assert_envelope(api.post("/cancelGeneration", persona=owner, body={"imageID": item_id}), 404)
    assert_envelope(api.post("/cancelGeneration", persona=other_user, body={"imageID": item_id}))
    assert_envelope(api.post("/generateImage", persona=owner, body={"prompt": "a new fox"}))
