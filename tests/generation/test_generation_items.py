"""Generated items in the library: queued with a placeholder, completed with the real file and parameters; guests' follow them."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import pytest

from accounts.signin.otp import otp_create
from generation.models import GenerationJob
from library.models import Item
from tests.conftest import assert_envelope
from tests.support.personas import Persona

pytestmark = pytest.mark.usefixtures("catalog")

BODY = {
    "prompt": "a red fox",
    "negprompt": "blurry",
    "seed": 1234,
    "steps": 12,
    "sampler": "Euler a",
    "cfgscale": 6.5,
    "width": 640,
    "height": 512,
}


def listed(api, persona) -> dict:
    payload = assert_envelope(api.get("/getMyCreations", persona=persona)).payload
    rows = payload if isinstance(payload, list) else payload.get("items", payload)
    return {row["id"]: row for row in rows}


def test_a_queued_item_is_listed_with_a_placeholder_and_completes_in_place(
    api, owner, django_capture_on_commit_callbacks
):
    queued = assert_envelope(api.post("/generateImage", persona=owner, body=BODY)).payload
    before = listed(api, owner)[queued["imageID"]]
    assert before["url"]  # the placeholder
    job = GenerationJob.objects.get(item_id=queued["imageID"])
    with django_capture_on_commit_callbacks(execute=True):
        from generation import services

        assert services.job_run(job_id=job.pk, worker="w") == "completed"
    after = listed(api, owner)[queued["imageID"]]
    assert after["url"] != before["url"] and urlsplit(after["url"]).path.endswith(".png")
    details = assert_envelope(api.get("/getItemDetails", persona=owner, imageID=queued["imageID"])).payload
    echoed = {
        k: details[k] for k in ("prompt", "negprompt", "seed", "steps", "sampler", "cfgscale", "modelID")
    }
    assert echoed == {
        "prompt": "a red fox",
        "negprompt": "blurry",
        "seed": 1234,
        "steps": 12,
        "sampler": "Euler a",
        "cfgscale": 6.5,
        "modelID": "f222",
    }
    item = Item.objects.get(pk=queued["imageID"])
    assert (item.width, item.height) == (640, 512)


def test_what_a_guest_generated_moves_to_the_account_it_signs_up_to(api, guest):
    queued = assert_envelope(api.post("/generateImage", persona=guest, body={"prompt": "a fox"})).payload
    _row, code = otp_create(email="newcomer@example.com")
    signed_up = assert_envelope(
        api.post("/createUser", persona=guest, body={"email": "newcomer@example.com", "otp": code})
    ).payload
    member = Persona(session_id=signed_up["sessionID"])
    status = assert_envelope(api.get("/getItemStatus", persona=member, imageID=queued["imageID"])).payload
    assert status["status"] == "queued" and status["queuePosition"] == 1
    assert Item.objects.get(pk=queued["imageID"]).owner.email == "newcomer@example.com"
    assert queued["imageID"] in listed(api, member)
    assert_envelope(api.post("/cancelGeneration", persona=member, body={"imageID": queued["imageID"]}))
    stranger = Persona(session_id=str(uuid.uuid4()))
    assert_envelope(api.get("/getItemStatus", persona=stranger, imageID=queued["imageID"]), 404)
