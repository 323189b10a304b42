"""GET /2/getWorkflowStatus: one WorkflowStateObject or an array, for the caller's runs only."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import pytest

from generation import services as engine
from generation.models import GenerationJob
from generation.workflows import local
from library.models import Item
from tests.support.assertions import assert_envelope

pytestmark = pytest.mark.usefixtures("catalog")

STATE_FIELDS = {
    "_id",
    "publicId",
    "runParamaters",
    "isStarted",
    "isComplete",
    "isError",
    "outputFiles",
    "log",
    "workflowJsonString",
    "state",
    "status",
    "startTime",
    "endTime",
    "api2userEmail",
    "itemIds",
}


def status(api, persona, **params):
    return api.get("/2/getWorkflowStatus", persona=persona, **params)


def test_a_completed_run_reports_every_documented_field(api, pro, enqueue):
    payload = assert_envelope(enqueue(pro, prompt="a cat", batchSize=2)).payload
    state = assert_envelope(status(api, pro, workflowId=payload["workflowId"])).payload
    assert set(state) == STATE_FIELDS
    job = GenerationJob.objects.get(workflow_id=payload["workflowId"])
    assert state["_id"] == str(job.pk) and state["publicId"] == payload["workflowId"]
    assert state["runParamaters"]["publicId"] is None
    assert state["runParamaters"]["workflowTemplateName"] == "txt2img-lora"
    assert {"name": "Positive Prompt", "value": "a cat"} in state["runParamaters"]["parameters"]
    assert {"name": "Batch Size", "value": "2"} in state["runParamaters"]["parameters"]
    assert (state["isStarted"], state["isComplete"], state["isError"], state["state"]) == (
        True,
        True,
        False,
        "completed",
    )
    assert state["startTime"].endswith("Z") and state["endTime"] >= state["startTime"]
    assert state["api2userEmail"] == "owner@example.com" and state["itemIds"] == payload["itemIds"]
    assert [line.split(" ", 1)[1].split(":")[0] for line in state["log"]] == [
        "queued",
        "running (attempt 1)",
        "completed (attempt 1)",
    ]
    assert len(state["outputFiles"]) == 2
    for entry, item_id in zip(state["outputFiles"], payload["itemIds"], strict=True):
        item = Item.objects.get(pk=item_id)
        assert entry["isMainOutput"] is True and entry["type"] == "image/png" and entry["itemId"] == item_id
        assert (entry["width"], entry["height"]) == (512, 512) and entry["size"] == item.media.size > 0
        assert urlsplit(entry["downloadURL"]).path.endswith(item.media.name) and entry["fileName"]


def test_workflow_ids_give_an_array_in_the_order_asked(api, pro, enqueue):
    first = enqueue(pro, prompt="one").payload["workflowId"]
    second = enqueue(pro, prompt="two").payload["workflowId"]
    states = assert_envelope(status(api, pro, workflowIds=f"{second}, {first}")).payload
    assert [s["publicId"] for s in states] == [second, first]
    assert [s["publicId"] for s in status(api, pro, workflowIds=first).payload] == [first]


def test_a_queued_run_is_not_started_and_its_items_have_a_queue_position(api, pro, enqueue):
    payload = assert_envelope(enqueue(pro, run=False, prompt="later", batchSize=2)).payload
    state = status(api, pro, workflowId=payload["workflowId"]).payload
    assert (state["isStarted"], state["isComplete"], state["isError"], state["state"], state["status"]) == (
        False,
        False,
        False,
        "running",
        "queued",
    )
    assert state["startTime"] is None and state["endTime"] is None and state["outputFiles"] == []
    for item_id in payload["itemIds"]:
        item_status = assert_envelope(api.get("/getItemStatus", persona=pro, imageID=item_id)).payload
        assert item_status["status"] == "queued" and item_status["queuePosition"] == 1


def test_a_cancelled_run_is_an_error(api, pro, enqueue):
    payload = assert_envelope(enqueue(pro, run=False, prompt="never mind", batchSize=2)).payload
    assert_envelope(api.post("/cancelGeneration", persona=pro, body={"imageID": payload["itemIds"][1]}))
    state = status(api, pro, workflowId=payload["workflowId"]).payload
    assert (state["isComplete"], state["isError"], state["state"], state["status"]) == (
        True,
        True,
        "error",
        "cancelled",
    )
    assert state["errorMessage"] == "The workflow was cancelled."
    job = GenerationJob.objects.get(workflow_id=payload["workflowId"])
    assert engine.job_run(job_id=job.pk, worker="late") == "skipped"


def test_a_failed_run_reports_its_error_message_and_log(api, pro, enqueue, monkeypatch):
    def broken(**kwargs):
        raise local.UnrunnableWorkflow("the workflow has no KSampler node")

    monkeypatch.setattr(local, "execute", broken)
    payload = assert_envelope(enqueue(pro, prompt="doomed")).payload
    state = status(api, pro, workflowId=payload["workflowId"]).payload
    assert (state["isStarted"], state["isComplete"], state["isError"], state["state"]) == (
        True,
        True,
        True,
        "error",
    )
    assert "no KSampler node" in state["errorMessage"] and "no KSampler node" in state["log"][-1]
    assert state["outputFiles"] == []


def test_another_users_workflow_is_a_404_alone_or_in_a_list(api, pro, other_user, enqueue):
    mine = enqueue(pro, prompt="mine").payload["workflowId"]
    theirs = enqueue(other_user, prompt="theirs").payload["workflowId"]
    assert_envelope(status(api, pro, workflowId=theirs), 404)
    response = assert_envelope(status(api, pro, workflowIds=f"{mine},{theirs}"), 404)
    assert theirs in response.error
    assert_envelope(status(api, pro, workflowId=str(uuid.uuid4())), 404)
    # an Item id is not a workflow id
    assert_envelope(status(api, pro, workflowId=enqueue(pro, prompt="x").payload["itemIds"][0]), 404)
    # and another user's Items are a 404 on getItemStatus too
    their_item = GenerationJob.objects.get(workflow_id=theirs).item_id
    assert_envelope(api.get("/getItemStatus", persona=pro, imageID=str(their_item)), 404)


def test_an_admin_reads_any_workflow(api, pro, admin, enqueue):
    workflow_id = enqueue(pro, prompt="mine").payload["workflowId"]
    state = assert_envelope(status(api, admin, workflowId=workflow_id)).payload
    assert state["api2userEmail"] == "owner@example.com"


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"workflowId": "not-a-uuid"}, "workflowId"),
        ({"workflowIds": "not-a-uuid"}, "workflowIds"),
        ({"workflowIds": f"{uuid.uuid4()},x"}, "workflowIds"),
        ({"workflowIds": ",".join(str(uuid.uuid4()) for _ in range(101))}, "workflowIds"),
        ({"workflowIds": ""}, "workflowIds"),
        ({}, "workflowId"),
        ({"workflowId": str(uuid.uuid4()), "workflowIds": str(uuid.uuid4())}, "workflowIds"),
    ],
)
def test_malformed_ids_are_a_400_naming_the_parameter(api, pro, params, named):
    response = assert_envelope(status(api, pro, **params), 400)
    assert named in response.error, response.error


def test_a_hundred_ids_are_accepted(api, pro, enqueue):
    from generation.models import GenerationModel

    GenerationModel.objects.filter(name="f222").update(tier1_concurrent=100)
    ids = [enqueue(pro, run=False, prompt=f"p{i}").payload["workflowId"] for i in range(3)]
    ids += [str(uuid.uuid4()) for _ in range(97)]
    assert_envelope(status(api, pro, workflowIds=",".join(ids)), 404)  # 97 unknown ones
    assert len(assert_envelope(status(api, pro, workflowIds=",".join(ids[:3]))).payload) == 3
