"""API2 workflows on the ``comfyui`` back end: the substituted graph goes to the ComfyUI stand-in (a real
HTTP server on loopback that validates graphs as ComfyUI does) and every output maps to its Item."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from generation import video
from generation.models import GenerationEvent, GenerationJob, WorkflowTemplate
from generation.workflows.parameters import Given, Resolved, markers_of, resolve, substitute
from generation.workflows.selectors import file_groups_map
from library.models import Item
from tests.support import comfyui_standin
from tests.support.assertions import assert_envelope
from tests.support.comfyui_standin import ComfyUIStandIn

pytestmark = pytest.mark.usefixtures("catalog")

NASTY = 'a "quoted" \\ prompt\nwith "} ] }, {"class_type": "Evil"} inside'


@pytest.fixture
def comfy(settings, monkeypatch):
    # this suite's stand-ins listen in its own port range
    monkeypatch.setattr(comfyui_standin, "PORT_RANGE", range(18300, 18400))
    with ComfyUIStandIn() as server:
        settings.AIMG_GENERATION_BACKEND = "comfyui"
        settings.COMFYUI_URL = server.url
        settings.COMFYUI_POLL_SECONDS = 0.01
        yield server


def test_every_catalog_template_is_accepted_with_its_defaults_and_every_file_of_its_groups():
    groups = file_groups_map()
    for template in WorkflowTemplate.objects.all():
        definitions = list(template.parameters)
        given = {"Positive Prompt": Given("x", "test")}
        base = resolve(template_name=template.name, definitions=definitions, given=given, file_groups=groups)
        variants = [base]
        for d in definitions:
            for name in groups.get(d.get("fileGroup") or "", []) if d["dataType"] == "filesGroup" else []:
                variants.append(Resolved(values={**base.values, d["name"]: name}))
        for resolved in variants:
            error, node_errors = comfyui_standin.validate(
                substitute(template.workflow, markers_of(definitions, resolved))
            )
            assert error is None and not node_errors, (template.name, error, node_errors)


def test_a_batch_of_four_images_is_one_prompt_and_each_output_goes_to_its_item(api, pro, enqueue, comfy):
    body = {
        "prompt": NASTY,
        "batchSize": 4,
        "seed": 11,
        "width": 576,
        "height": 448,
        "lora": ["watercolor_style.safetensors", "add_detail.safetensors"],
        "lora_strength": [0.6, 0.2],
    }
    payload = assert_envelope(enqueue(pro, **body)).payload
    job = GenerationJob.objects.get(workflow_id=payload["workflowId"])
    assert job.status == "completed", job.error_message
    assert comfy.submitted == [str(job.pk)]  # one prompt per workflow, under the job's id
    graph = comfy.history[str(job.pk)]["prompt"][2]
    assert graph == job.workflow_graph and graph["6"]["inputs"]["text"] == NASTY
    assert graph["5"]["inputs"]["batch_size"] == 4 and graph["10"]["inputs"]["strength_model"] == 0.6
    pictures = set()
    for item_id in payload["itemIds"]:
        item = Item.objects.get(pk=item_id)
        image = Image.open(io.BytesIO(item.media.read()))
        assert image.size == (576, 448) == (item.width, item.height)
        pictures.add(image.tobytes())
        status = assert_envelope(api.get("/getItemStatus", persona=pro, imageID=item_id)).payload
        assert status["status"] == "completed" and status["url"]
    assert len(pictures) == 4  # the stand-in draws each batch element differently
    state = assert_envelope(
        api.get("/2/getWorkflowStatus", persona=pro, workflowId=payload["workflowId"])
    ).payload
    assert state["state"] == "completed" and len(state["outputFiles"]) == 4
    assert [f["itemId"] for f in state["outputFiles"]] == payload["itemIds"]


def test_a_video_workflow_runs_through_comfyui(api, pro, enqueue, comfy):
    body = {"workflowTemplateName": "txt2vid-basic", "prompt": "waves", "width": 256, "height": 256}
    body["parameters"] = [{"name": "Frames", "value": "8"}, {"name": "FPS", "value": "8"}]
    payload = assert_envelope(enqueue(pro, **body)).payload
    job = GenerationJob.objects.get(workflow_id=payload["workflowId"])
    assert job.status == "completed", job.error_message
    item = Item.objects.get(pk=payload["itemIds"][0])
    assert item.mtype == "video" and item.media.name.endswith(".mp4")
    assert video.video_facts(item.media.read()) == (256, 256, 8)
    status = assert_envelope(api.get("/getItemStatus", persona=pro, imageID=str(item.pk))).payload
    assert len(status["frames"]) == 8


def test_a_graph_comfyui_refuses_fails_the_run_with_its_reason(api, pro, enqueue, comfy):
    WorkflowTemplate.objects.filter(name="txt2img-lora").update(
        workflow={
            **WorkflowTemplate.objects.get(name="txt2img-lora").workflow,
            "99": {"class_type": "NoSuchNode", "inputs": {}},
        }
    )
    payload = assert_envelope(enqueue(pro, prompt="x")).payload
    state = assert_envelope(
        api.get("/2/getWorkflowStatus", persona=pro, workflowId=payload["workflowId"])
    ).payload
    assert state["state"] == "error" and "NoSuchNode" in state["errorMessage"]


def test_an_unreachable_comfyui_is_retried_not_failed(api, pro, enqueue, comfy, settings):
    settings.COMFYUI_URL = f"http://127.0.0.1:{comfyui_standin.free_port_unused()}"
    payload = assert_envelope(enqueue(pro, prompt="x")).payload
    job = GenerationJob.objects.get(workflow_id=payload["workflowId"])
    assert job.status == "queued" and job.attempt == 1
    assert [e.status for e in GenerationEvent.objects.filter(job=job)] == ["queued", "running", "retrying"]


def test_a_template_may_name_its_back_end(api, pro, enqueue, settings, monkeypatch):
    monkeypatch.setattr(comfyui_standin, "PORT_RANGE", range(18300, 18400))
    with ComfyUIStandIn() as comfy:
        settings.COMFYUI_URL, settings.COMFYUI_POLL_SECONDS = comfy.url, 0.01
        assert settings.AIMG_GENERATION_BACKEND == "local"
        WorkflowTemplate.objects.filter(name="txt2img-lora").update(backend="comfyui")
        payload = assert_envelope(enqueue(pro, prompt="x")).payload
        job = GenerationJob.objects.get(workflow_id=payload["workflowId"])
        assert job.status == "completed" and comfy.submitted == [str(job.pk)]
