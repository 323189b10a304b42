"""generateVideo: a real MP4 with its frames, on the local back end and on ComfyUI (stand-in)."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import av
import pytest
from PIL import Image

from generation.models import GenerationJob, GenerationModel
from generation.video import video_facts
from library.models import Item
from tests.conftest import assert_envelope
from tests.support.comfyui_standin import ComfyUIStandIn

pytestmark = pytest.mark.usefixtures("catalog")


@pytest.fixture(autouse=True)
def _short_clips(catalog):
    GenerationModel.objects.filter(name="model3").update(
        frame_count=6, fps=6, allowed_widths=[64], allowed_heights=[64], default_width=64, default_height=64
    )


@pytest.fixture
def generate(django_capture_on_commit_callbacks):
    def call(api, persona, **body):
        with django_capture_on_commit_callbacks(execute=True):
            return api.post("/generateVideo", persona=persona, body={"prompt": "a fox running", **body})

    return call


def test_it_generates_a_real_mp4_with_its_frames_using_model3_by_default(api, owner, generate):
    payload = assert_envelope(generate(api, owner, seed=3)).payload
    assert payload["mtype"] == "video"
    job = GenerationJob.objects.get(item_id=payload["imageID"])
    assert job.model.name == "model3" and job.status == "completed"
    assert job.parameters["frames"] == 6 and job.parameters["fps"] == 6
    item = Item.objects.get(pk=payload["imageID"])
    assert item.mtype == "video" and item.media_type == "Video" and item.media.name.endswith(".mp4")
    content = item.media.read()
    assert video_facts(content) == (64, 64, 6)
    with av.open(io.BytesIO(content)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        assert '"prompt": "a fox running"' in container.metadata.get("comment", "")
    status = assert_envelope(api.get("/getItemStatus", persona=owner, imageID=payload["imageID"])).payload
    assert status["status"] == "completed" and urlsplit(status["url"]).path.endswith(".mp4")
    frames = status["frames"]
    assert [f["frameNumber"] for f in frames] == list(range(6)) and {f["frameCount"] for f in frames} == {6}
    frame_url = urlsplit(frames[0]["frameUrl"])
    served = api.client.get(f"{frame_url.path}?{frame_url.query}")
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    stored = [Image.open(item.media.storage.open(name)) for name in job.frames]
    assert all(im.size == (64, 64) for im in stored)
    assert stored[0].tobytes() != stored[-1].tobytes()  # the shapes move


def test_the_same_prompt_seed_and_model_give_the_same_frames(api, owner, generate, settings):
    GenerationModel.objects.filter(name="model3").update(tier0_concurrent=5)

    def frames():
        item_id = assert_envelope(generate(api, owner, seed=11)).payload["imageID"]
        job = GenerationJob.objects.get(item_id=item_id)
        return [Image.open(Item.objects.get(pk=item_id).media.storage.open(n)).tobytes() for n in job.frames]

    assert frames() == frames()


def test_a_guest_meets_model3s_registration_wall(api, guest, generate):
    assert_envelope(generate(api, guest), 401)


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        ({"modelName": "f222"}, "modelName"),
        ({"steps": 41}, "steps"),
        ({"prompt": ""}, "prompt"),
        ({"seed": -1}, "seed"),
        ({"restoreFaces": "perhaps"}, "restoreFaces"),
    ],
)
def test_it_rejects_bad_parameters_naming_them(api, owner, generate, body, parameter):
    response = generate(api, owner, **body)
    assert_envelope(response, 400)
    assert parameter in response.error
    assert not GenerationJob.objects.exists()


def test_input_and_control_net_preset_are_stored_with_the_parameters(api, owner, generate):
    payload = assert_envelope(generate(api, owner, input="zoom", controlNetPreset="depth")).payload
    params = GenerationJob.objects.get(item_id=payload["imageID"]).parameters
    assert params["input"] == "zoom" and params["control_net_preset"] == "depth"


def test_a_queued_video_is_in_the_library_with_a_placeholder_and_no_frames(api, owner):
    payload = assert_envelope(api.post("/generateVideo", persona=owner, body={"prompt": "waves"})).payload
    assert payload["status"] == "queued" and "frames" not in payload and "url" not in payload


def test_a_video_renders_on_comfyui_and_its_frames_are_decoded_from_the_mp4(api, owner, generate, settings):
    with ComfyUIStandIn() as comfy:
        settings.AIMG_GENERATION_BACKEND, settings.COMFYUI_URL = "comfyui", comfy.url
        settings.COMFYUI_POLL_SECONDS = 0.01
        payload = assert_envelope(generate(api, owner)).payload
        job = GenerationJob.objects.get(item_id=payload["imageID"])
        assert job.status == "completed", job.error_message
        graph = comfy.history[str(job.pk)]["prompt"][2]
        assert graph["5"]["inputs"]["batch_size"] == 6 and graph["10"]["inputs"]["fps"] == 6
        item = Item.objects.get(pk=job.item_id)
        assert item.media.name.endswith(".mp4") and video_facts(item.media.read()) == (64, 64, 6)
        assert len(job.frames) == 6 and (item.width, item.height) == (64, 64)
