"""POST /2/enqueueWorkflow end to end on the local back end, and the Items it makes."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from aimg_site.api.errors import ErrorCode
from generation import video
from generation.models import GenerationEvent, GenerationJob, GenerationModel
from library.models import Folder, Item
from tests.support.assertions import assert_envelope
from tests.support.concurrency import race

pytestmark = pytest.mark.usefixtures("catalog")

NASTY = 'she said "hi" \\ C:\\path\\ \n second line "} ] }, {"class_type": "X"} \t end 🦊'


def params(**values) -> list[dict]:
    return [{"name": name, "value": value} for name, value in values.items()]


def test_a_batch_of_three_images_runs_end_to_end(api, pro, enqueue):
    body = {"prompt": "a red fox in the snow", "batchSize": 3, "seed": 1234, "width": 640, "height": 512}
    payload = assert_envelope(enqueue(pro, **body)).payload
    assert set(payload) == {"itemIds", "workflowId"} and len(payload["itemIds"]) == 3
    job = GenerationJob.objects.get(workflow_id=payload["workflowId"])
    assert job.status == "completed" and job.queue_name == "f222-p1-main" and job.priority == 1
    assert [e.status for e in GenerationEvent.objects.filter(job=job)] == ["queued", "running", "completed"]
    items = [Item.objects.get(pk=i) for i in payload["itemIds"]]
    assert len({item.batch_id for item in items}) == 1
    pictures = []
    for item in items:
        image = Image.open(io.BytesIO(item.media.read()))
        assert image.size == (640, 512) == (item.width, item.height)
        assert json.loads(image.info["parameters"])["prompt"] == "a red fox in the snow"
        pictures.append(image.tobytes())
        status = assert_envelope(api.get("/getItemStatus", persona=pro, imageID=str(item.pk))).payload
        assert status["imageID"] == str(item.pk) and status["status"] == "completed" and status["url"]
    assert len(set(pictures)) == 3  # one picture per batch element (seed, seed + 1, seed + 2)


def test_workflow_items_report_generator_version_2_in_image_info(api, pro, enqueue):
    payload = assert_envelope(
        enqueue(
            pro,
            prompt="a lighthouse",
            seed=7,
            steps=12,
            lora=["film_grain.safetensors"],
            lora_strength=[0.35],
        )
    ).payload
    info = assert_envelope(api.get("/getItemDetails", persona=pro, imageID=payload["itemIds"][0])).payload
    assert info["generatorVersion"] == "2" and info["workflowTemplateName"] == "txt2img-lora"
    run = {p["name"]: p["value"] for p in info["workflowRunParameters"]}
    assert run["Positive Prompt"] == "a lighthouse" and run["Seed"] == "7" and run["Steps"] == "12"
    assert run["Lora 1"] == "film_grain.safetensors" and run["Lora 1 Strength"] == "0.35"
    assert run["Lora 2 Strength"] == "0" and run["Sampler"] == "dpmpp_2m"
    assert all(isinstance(v, str) for v in run.values())
    assert info["prompt"] == "a lighthouse" and info["seed"] == 7 and info["steps"] == 12
    assert info["lora"][0] == "film_grain.safetensors" and info["lora_strength"][0] == 0.35


def test_a_hostile_prompt_reaches_the_workflow_intact(api, pro, enqueue):
    payload = assert_envelope(
        enqueue(pro, parameters=params(**{"Positive Prompt": NASTY, "Negative Prompt": '"}'}))
    ).payload
    job = GenerationJob.objects.get(workflow_id=payload["workflowId"])
    assert job.status == "completed"
    graph = job.workflow_graph
    assert graph["6"]["inputs"]["text"] == NASTY and graph["7"]["inputs"]["text"] == '"}'
    assert set(graph) == {"3", "4", "5", "6", "7", "8", "9", "10", "11"}
    assert graph["3"]["inputs"]["steps"] == 20 and graph["5"]["inputs"]["batch_size"] == 1
    state = assert_envelope(
        api.get("/2/getWorkflowStatus", persona=pro, workflowId=payload["workflowId"])
    ).payload
    assert json.loads(state["workflowJsonString"]) == graph
    image = Image.open(Item.objects.get(pk=payload["itemIds"][0]).media.open("rb"))
    assert json.loads(image.info["parameters"])["prompt"] == NASTY


def test_the_parameters_array_wins_over_the_explicit_field(pro, enqueue):
    payload = assert_envelope(
        enqueue(
            pro, prompt="explicit", steps=10, parameters=params(**{"Positive Prompt": "array", "Steps": "25"})
        )
    ).payload
    job = GenerationJob.objects.get(workflow_id=payload["workflowId"])
    assert (
        job.workflow_graph["6"]["inputs"]["text"] == "array"
        and job.workflow_graph["3"]["inputs"]["steps"] == 25
    )


def test_explicit_fields_are_substituted_as_typed_values(pro, enqueue):
    body = {
        "prompt": "p",
        "negprompt": "n",
        "seed": 99,
        "steps": 9,
        "cfgscale": 6.5,
        "modelName": "dreamshaper_8.safetensors",
        "lora": ["watercolor_style.safetensors", "add_detail.safetensors"],
        "lora_strength": [0.5, -1],
        "width": 768,
        "height": 320,
        "batchSize": 2,
    }
    payload = assert_envelope(enqueue(pro, run=False, **body)).payload
    graph = GenerationJob.objects.get(workflow_id=payload["workflowId"]).workflow_graph
    assert graph["3"]["inputs"] | {} == {**graph["3"]["inputs"], "seed": 99, "steps": 9, "cfg": 6.5}
    assert graph["4"]["inputs"]["ckpt_name"] == "dreamshaper_8.safetensors"
    assert (
        graph["10"]["inputs"]["lora_name"] == "watercolor_style.safetensors"
        and graph["10"]["inputs"]["strength_model"] == 0.5
    )
    assert graph["11"]["inputs"]["strength_clip"] == -1.0
    assert graph["5"]["inputs"] == {"width": 768, "height": 320, "batch_size": 2}
    assert graph["7"]["inputs"]["text"] == "n"


def test_seed_minus_one_picks_a_seed_and_records_it(api, pro, enqueue):
    payload = assert_envelope(enqueue(pro, prompt="p", seed=-1)).payload
    job = GenerationJob.objects.get(workflow_id=payload["workflowId"])
    seed = job.workflow_graph["3"]["inputs"]["seed"]
    assert isinstance(seed, int) and seed >= 0
    assert {"name": "Seed", "value": str(seed)} in job.workflow_run_parameters


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"batchSize": 5}, "batchSize"),
        ({"parameters": [{"name": "Batch Size", "value": "5"}]}, "Batch Size"),
        ({"batchSize": 0}, "batchSize"),
        ({"steps": 51}, "steps"),
        ({"width": 500}, "width"),
        ({"cfgscale": 7.25}, "cfgscale"),
        ({"modelName": "sdxl.safetensors"}, "modelName"),
        ({"lora": ["add_detail.safetensors"], "lora_strength": [0.5, 0.5]}, "lora_strength"),
        ({"lora": ["nope.safetensors"], "lora_strength": [0.5]}, "lora[0]"),
        ({"subseed": 1}, "subseed"),
        ({"parameters": [{"name": "Sampler", "value": "heun"}]}, "Sampler"),
        ({"parameters": [{"name": "Frames", "value": "9"}]}, "Frames"),
        ({"parameters": [{"name": "Steps"}]}, "'value'"),
        ({"parameters": "Steps=3"}, "parameters"),
        ({"prompt": ""}, "prompt"),
        ({"prompt": 5}, "prompt"),
        ({"workflowTemplateName": "nope"}, "workflowTemplateName"),
        ({"workflowTemplateName": None}, "workflowTemplateName"),
        ({"folderID": "not-a-folder"}, "folderID"),
    ],
)
def test_bad_input_is_a_400_naming_the_parameter(pro, enqueue, body, named):
    body = {"prompt": "a cat", **body}
    if body.get("workflowTemplateName", "") is None:
        del body["workflowTemplateName"]
        response = assert_envelope(enqueue(pro, workflowTemplateName=None, **body), 400)
    else:
        response = assert_envelope(enqueue(pro, **body), 400)
    assert named in response.error, response.error
    assert not GenerationJob.objects.exists() and not Item.objects.exists()


def test_a_missing_prompt_is_a_400_naming_positive_prompt(pro, enqueue):
    response = assert_envelope(enqueue(pro), 400)
    assert "Positive Prompt" in response.error and "required" in response.error


def test_folder_id_puts_every_item_in_the_callers_folder(api, pro, other_user, enqueue):
    folder = Folder.objects.create(owner=pro.user, name="Workflows")
    payload = assert_envelope(enqueue(pro, prompt="p", batchSize=2, folderID=str(folder.pk))).payload
    assert {i.folder_id for i in Item.objects.filter(pk__in=payload["itemIds"])} == {folder.pk}
    assert_envelope(enqueue(other_user, prompt="p", folderID=str(folder.pk)), 404)
    assert GenerationJob.objects.filter(user=other_user.user).count() == 0


def test_the_tier_concurrency_limit_is_a_429(pro, enqueue):
    GenerationModel.objects.filter(name="f222").update(tier1_concurrent=1)
    assert_envelope(enqueue(pro, run=False, prompt="first"))
    response = assert_envelope(enqueue(pro, run=False, prompt="second"), 429)
    assert response.body["errorCode"] == ErrorCode.GENERATION_CONCURRENCY_LIMIT
    assert GenerationJob.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_enqueues_never_pass_the_limit_on_postgresql(catalog, owner, tiers):
    from aimg_site.api.exceptions import RateLimited
    from generation.workflows.services import WorkflowRequest, workflow_enqueue

    tiers[owner.user.pk] = 1
    GenerationModel.objects.filter(name="f222").update(tier1_concurrent=2)

    def attempt(i):
        return workflow_enqueue(
            owner=owner.user, req=WorkflowRequest(template_name="txt2img-lora", explicit={"prompt": f"p{i}"})
        )

    results = race(6, attempt)
    assert sum(isinstance(r, GenerationJob) for r in results) == 2
    assert all(isinstance(r, GenerationJob | RateLimited) for r in results), results
    assert GenerationJob.objects.filter(user=owner.user).count() == 2


def test_a_video_template_runs_end_to_end_on_the_local_back_end(api, pro, enqueue):
    body = {
        "workflowTemplateName": "txt2vid-basic",
        "prompt": "waves at dusk",
        "parameters": params(Frames="8", FPS="8"),
        "width": 256,
        "height": 256,
    }
    payload = assert_envelope(enqueue(pro, **body)).payload
    assert len(payload["itemIds"]) == 1
    job = GenerationJob.objects.get(workflow_id=payload["workflowId"])
    assert job.status == "completed" and job.queue_name == "model3-p1-main"
    item = Item.objects.get(pk=payload["itemIds"][0])
    assert item.mtype == "video" and item.media_type == "Video" and item.media.name.endswith(".mp4")
    assert video.video_facts(item.media.read()) == (256, 256, 8) and (item.width, item.height) == (256, 256)
    status = assert_envelope(api.get("/getItemStatus", persona=pro, imageID=str(item.pk))).payload
    assert status["mtype"] == "video" and status["status"] == "completed"
    assert len(status["frames"]) == 8 and status["frames"][0]["frameCount"] == 8
    state = assert_envelope(
        api.get("/2/getWorkflowStatus", persona=pro, workflowId=payload["workflowId"])
    ).payload
    assert state["outputFiles"][0]["type"] == "video/mp4"


def test_filtered_words_are_removed_from_the_prompt_before_substitution(pro, enqueue):
    from generation.models import FilteredWord

    FilteredWord.objects.create(word="ugly")
    payload = assert_envelope(enqueue(pro, prompt="an ugly duck")).payload
    job = GenerationJob.objects.get(workflow_id=payload["workflowId"])
    assert job.workflow_graph["6"]["inputs"]["text"] == "an duck" and job.raw_prompt == "an ugly duck"
    assert job.ignored_words == ["ugly"]
