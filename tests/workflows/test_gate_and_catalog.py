"""The API2 gate on every workflow endpoint, the templates listing and file groups."""

from __future__ import annotations

import uuid

import pytest

from aimg_site.core.models import Domain
from aimg_site.core.selectors import domain_clear_cache
from generation.catalog import catalog_rows
from generation.models import WorkflowTemplate
from generation.workflows.parameters import template_problems
from generation.workflows.selectors import file_groups_map
from tests.support.assertions import assert_envelope

pytestmark = pytest.mark.usefixtures("catalog")

CALLS = [
    ("get", "/2/getAggregatedWorkflowTemplates", {}),
    ("get", "/2/getFileGroupItems", {"fileGroup": "loras"}),
    ("get", "/2/getWorkflowStatus", {"workflowId": str(uuid.uuid4())}),
    ("post", "/2/enqueueWorkflow", {"body": {"workflowTemplateName": "txt2img-lora", "prompt": "a cat"}}),
]


@pytest.mark.parametrize(("method", "path", "params"), CALLS)
def test_anonymous_sessions_and_guests_get_401_and_tier_0_gets_403(
    api, guest, guest_user, owner, tiers, method, path, params
):
    assert_envelope(getattr(api, method)(path, persona=guest, **params), 401)
    assert_envelope(getattr(api, method)(path, persona=guest_user, **params), 401)  # a guest on a PRO tier
    response = assert_envelope(getattr(api, method)(path, persona=owner, **params), 403)
    assert "PRO tier of 1" in response.error and "API2" in response.error
    tiers[owner.user.pk] = 1
    assert getattr(api, method)(path, persona=owner, **params).status in (200, 404)


@pytest.mark.parametrize(("method", "path", "params"), CALLS)
def test_an_admin_key_does_not_open_api2_to_tier_0_except_reading_workflow_status(
    api, admin, method, path, params
):
    response = getattr(api, method)(path, persona=admin, **params)
    if path == "/2/getWorkflowStatus":
        assert_envelope(response, 404)  # past the gate: the id is unknown
    else:
        assert_envelope(response, 403)


def test_templates_list_every_documented_field(api, pro):
    payload = assert_envelope(api.get("/2/getAggregatedWorkflowTemplates", persona=pro)).payload
    by_name = {t["name"]: t for t in payload}
    assert {"txt2img-lora", "txt2vid-basic"} <= set(by_name)
    image = by_name["txt2img-lora"]
    assert set(image) == {"name", "deployments", "parameters", "workflowTemplateFiles"}
    assert image["deployments"] == ["a2stage", "a2prod"]
    prompt = next(p for p in image["parameters"] if p["name"] == "Positive Prompt")
    assert prompt == {
        "name": "Positive Prompt",
        "type": "input",
        "dataType": "string",
        "uiType": "textarea",
        "description": "What to generate.",
        "defaultValue": "",
        "replaceFromString": "{{POSITIVE_PROMPT}}",
        "isOptional": False,
        "optionName": "Positive Prompt",
        "isAlwaysVisible": True,
        "isHidden": False,
    }
    steps = next(p for p in image["parameters"] if p["name"] == "Steps")
    assert (steps["min"], steps["max"], steps["increment"], steps["defaultValue"]) == ("1", "50", "1", "20")
    sampler = next(p for p in image["parameters"] if p["name"] == "Sampler")
    assert "dpmpp_2m" in sampler["dropdownItems"]
    lora = next(p for p in image["parameters"] if p["name"] == "Lora 1")
    assert lora["fileGroup"] == "loras" and lora["fileGroupDestination"] == "models/loras"
    assert image["workflowTemplateFiles"]["loras"] == {
        "fileNames": ["add_detail.safetensors", "film_grain.safetensors", "watercolor_style.safetensors"],
        "supportFileType": "lora",
    }
    assert set(image["workflowTemplateFiles"]) == {"checkpoints", "loras"}
    assert "workflow" not in image  # the graph itself is not part of WorkflowTemplate


def test_templates_filter_by_name(api, pro):
    payload = assert_envelope(
        api.get("/2/getAggregatedWorkflowTemplates", persona=pro, workflowTemplateNames="txt2vid-basic, nope")
    ).payload
    assert [t["name"] for t in payload] == ["txt2vid-basic"]


def test_only_templates_deployed_to_the_sites_environment_are_listed_and_run(api, pro, enqueue):
    WorkflowTemplate.objects.filter(name="txt2vid-basic").update(deployments=["a2stage"])
    names = lambda: [t["name"] for t in api.get("/2/getAggregatedWorkflowTemplates", persona=pro).payload]  # noqa: E731
    assert "txt2vid-basic" not in names()  # freejourney.ai is a production site
    response = assert_envelope(enqueue(pro, workflowTemplateName="txt2vid-basic", prompt="x"), 400)
    assert "workflowTemplateName" in response.error
    Domain.objects.filter(name="freejourney.ai").update(environment="staging")
    domain_clear_cache()
    assert "txt2vid-basic" in names() and "txt2img-lora" in names()


def test_templates_are_per_site(api, pro):
    WorkflowTemplate.objects.filter(name="txt2img-lora").update(is_active=False)  # freejourney.ai only
    assert "txt2img-lora" not in [
        t["name"] for t in api.get("/2/getAggregatedWorkflowTemplates", persona=pro).payload
    ]
    assert WorkflowTemplate.all_domains.filter(name="txt2img-lora", is_active=True).count() == 1


def test_file_group_items(api, pro):
    payload = assert_envelope(api.get("/2/getFileGroupItems", persona=pro, fileGroup="checkpoints")).payload
    assert payload == {
        "fileNames": ["f222.safetensors", "realisticVisionV51.safetensors", "dreamshaper_8.safetensors"]
    }


def test_an_unknown_file_group_is_a_404_and_a_missing_one_a_400(api, pro):
    assert (
        "nope" in assert_envelope(api.get("/2/getFileGroupItems", persona=pro, fileGroup="nope"), 404).error
    )
    assert "fileGroup" in assert_envelope(api.get("/2/getFileGroupItems", persona=pro), 400).error


def test_every_catalog_template_is_consistent(db):
    groups = file_groups_map()
    templates = catalog_rows("workflow_templates")
    assert any(t["kind"] == "video" for t in templates)
    assert any(
        t["kind"] == "image" and any(p["name"] == "Positive Prompt" for p in t["parameters"])
        for t in templates
    )
    for row in templates:
        problems = template_problems(
            definitions=row["parameters"],
            workflow=row["workflow"],
            file_groups=groups,
            max_batch_size=row["max_batch_size"],
        )
        assert problems == [], (row["name"], problems)


def test_load_catalog_is_idempotent_for_templates_and_file_groups(domain):
    from generation.catalog import catalog_load

    report = catalog_load(domain=domain)
    assert report["workflow_templates"] == {"created": 0, "updated": 2}
    assert report["file_groups.json"]["created"] == 0
    assert WorkflowTemplate.objects.count() == 2
