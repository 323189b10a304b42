from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from accounts.users.abuse import ABUSE_LEVEL_NO_GENERATION
from aimg_site.api.errors import ErrorCode
from generation.models import FilteredWord, GenerationEvent, GenerationJob, GenerationModel
from library.models import Folder, Item
from tests.conftest import assert_envelope

pytestmark = pytest.mark.usefixtures("catalog")


@pytest.fixture
def generate(django_capture_on_commit_callbacks):
    """POST /generateImage and run what it queued on commit (eager Celery), as after a real commit."""

    def call(api, persona, **body):
        with django_capture_on_commit_callbacks(execute=True):
            return api.post(
                "/generateImage", persona=persona, body={"prompt": "a red fox in the snow", **body}
            )

    return call


def test_it_generates_an_image_end_to_end_with_the_documented_defaults(api, owner, generate):
    payload = assert_envelope(generate(api, owner)).payload
    # tests run Celery eagerly: the job ran on commit, before the response
    job = GenerationJob.objects.get(item_id=payload["imageID"])
    assert job.status == "completed" and job.attempt == 1
    assert job.model.name == "f222" and job.queue_name == "f222-p0-main"
    assert job.parameters["steps"] == 20 and job.parameters["sampler"] == "DPM++ 2M Karras"
    assert job.parameters["cfgscale"] == 7
    assert [e.status for e in GenerationEvent.objects.filter(job=job)] == ["queued", "running", "completed"]
    status = assert_envelope(api.get("/getItemStatus", persona=owner, imageID=payload["imageID"])).payload
    assert status["status"] == "completed" and status["mtype"] == "image" and status["url"]
    assert "queuePosition" not in status
    item = Item.objects.get(pk=payload["imageID"])
    image = Image.open(io.BytesIO(item.media.read()))
    assert image.size == (512, 512) == (item.width, item.height)
    params = json.loads(image.info["parameters"])
    assert params["prompt"] == "a red fox in the snow" and params["model"] == "f222"
    assert params["seed"] == item.seed


def test_the_local_renderer_is_deterministic_for_prompt_seed_and_model(api, owner, generate):
    def pixels(**body):
        item_id = assert_envelope(generate(api, owner, seed=42, **body)).payload["imageID"]
        return Image.open(Item.objects.get(pk=item_id).media.open("rb")).tobytes()

    first = pixels()
    assert pixels() == first
    assert pixels(prompt="another prompt") != first


def test_it_renders_the_requested_size(api, owner, generate):
    payload = assert_envelope(generate(api, owner, width=768, height=512)).payload
    item = Item.objects.get(pk=payload["imageID"])
    assert Image.open(item.media.open("rb")).size == (768, 512)


def test_an_anonymous_session_generates_as_a_guest_with_a_model_without_registration_wall(
    api, guest, generate
):
    payload = assert_envelope(generate(api, guest)).payload
    item = Item.objects.get(pk=payload["imageID"])
    assert item.owner.is_guest


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        ({"steps": 51}, "steps"),
        ({"steps": 0}, "steps"),
        ({"width": 500}, "width"),
        ({"height": 1000}, "height"),
        ({"width": 768, "height": 768}, "width"),
        ({"sampler": "Heun"}, "sampler"),
        ({"cfgscale": 13}, "cfgscale"),
        ({"cfgscale": 0.5}, "cfgscale"),
        ({"modelName": "nope"}, "modelName"),
        ({"modelName": "model3"}, "modelName"),
        ({"prompt": ""}, "prompt"),
        ({"folderID": "not-a-folder"}, "folderID"),
    ],
)
def test_it_rejects_parameters_outside_the_models_limits_naming_them(api, owner, body, parameter, generate):
    response = generate(api, owner, **body)
    assert_envelope(response, 400)
    assert parameter in response.error
    assert not GenerationJob.objects.exists() and not Item.objects.exists()


def test_it_rejects_cfgscale_beyond_a_models_narrower_range(api, owner, generate):
    GenerationModel.objects.filter(name="f222").update(max_cfg_scale=9)
    response = generate(api, owner, cfgscale=10)
    assert_envelope(response, 400)
    assert "cfgscale" in response.error


def test_a_model_behind_the_registration_wall_refuses_guests_with_401(api, guest, generate):
    GenerationModel.objects.filter(name="f222").update(registration_wall=True)
    response = generate(api, guest)
    assert_envelope(response, 401)
    assert response.body["errorCode"] == ErrorCode.GENERATION_REGISTRATION_WALL


def test_a_model_above_the_users_tier_is_a_403(api, owner, generate):
    response = generate(api, owner, modelName="sdxl", width=1024, height=1024)
    assert_envelope(response, 403)
    assert response.body["errorCode"] == ErrorCode.GENERATION_TIER_TOO_LOW


def test_an_abusive_user_may_not_generate(api, owner, generate):
    owner.user.abuse_level = ABUSE_LEVEL_NO_GENERATION
    owner.user.save(update_fields=["abuse_level"])
    assert_envelope(generate(api, owner), 403)


def test_the_tier_concurrency_limit_is_a_429(api, owner, generate):
    GenerationModel.objects.filter(name="f222").update(tier0_concurrent=1)
    first = assert_envelope(generate(api, owner)).payload
    GenerationJob.objects.filter(item_id=first["imageID"]).update(status="queued")
    response = generate(api, owner)
    assert_envelope(response, 429)
    assert response.body["errorCode"] == ErrorCode.GENERATION_CONCURRENCY_LIMIT
    assert "tier0Concurrent" in response.error


def test_another_users_folder_is_a_404(api, owner, other_user, generate):
    folder = Folder.objects.create(owner=other_user.user, name="theirs")
    response = generate(api, owner, folderID=str(folder.pk))
    assert_envelope(response, 404)
    mine = Folder.objects.create(owner=owner.user, name="mine")
    payload = assert_envelope(generate(api, owner, folderID=str(mine.pk))).payload
    assert payload["folderID"] == str(mine.pk)
    assert Item.objects.get(pk=payload["imageID"]).folder_id == mine.pk


def test_filtered_words_are_removed_and_reported_and_both_prompts_kept(api, owner, generate):
    FilteredWord.objects.create(word="red")
    payload = assert_envelope(generate(api, owner, prompt="a Red fox, red sky")).payload
    assert payload["ignoredWords"] == "red"
    job = GenerationJob.objects.get(item_id=payload["imageID"])
    assert job.raw_prompt == "a Red fox, red sky" and job.prompt == "a fox, sky"
    assert Item.objects.get(pk=payload["imageID"]).prompt == "a fox, sky"


def test_get_item_status_of_another_users_item_is_a_404(api, owner, other_user, generate):
    payload = assert_envelope(generate(api, owner)).payload
    assert_envelope(api.get("/getItemStatus", persona=other_user, imageID=payload["imageID"]), 404)


def test_a_queued_job_shows_its_queue_position_and_counts_in_its_queue_length(api, owner, other_user):
    # Without running the on-commit callbacks the jobs stay queued (no worker took them).
    body = {"prompt": "a lighthouse"}
    a = assert_envelope(api.post("/generateImage", persona=other_user, body=body)).payload
    b = assert_envelope(api.post("/generateImage", persona=owner, body=body)).payload
    assert a["status"] == "queued" and a["queuePosition"] == 1
    assert b["queuePosition"] == 2
    status = assert_envelope(api.get("/getItemStatus", persona=owner, imageID=b["imageID"])).payload
    assert status["status"] == "queued" and status["queuePosition"] == 2 and "url" not in status
    lengths = assert_envelope(api.get("/getQueuesLength", persona=owner, modelIDs="f222")).payload
    assert {q["queueID"]: q["queueLength"] for q in lengths} == {"f222-p1-main": 0, "f222-p0-main": 2}
