from __future__ import annotations

import pytest

from aimg_site.core.selectors import domain_get
from generation.catalog import catalog_rows
from generation.models import GenerationModel, SamplePrompt
from tests.conftest import assert_envelope

pytestmark = pytest.mark.usefixtures("catalog")

MODEL_FIELDS = {
    "modelID",
    "name",
    "description",
    "mediaType",
    "minTier",
    "tier0Concurrent",
    "tier1Concurrent",
    "tier2Concurrent",
    "positiveTokens",
    "negativeTokens",
    "sampleImages",
    "minSteps",
    "maxSteps",
    "allowedWidths",
    "allowedHeights",
    "maxResolution",
    "defaultResolution",
    "allowedSamplers",
    "defaultSampler",
    "minCfgScale",
    "maxCfgScale",
    "supportsVariations",
    "registrationWall",
    "defaultFaceFix",
}


def test_get_models_lists_every_model_in_catalog_order_with_every_mandatory_field(api, guest):
    payload = assert_envelope(api.get("/getModels", persona=guest)).payload
    assert [m["modelID"] for m in payload] == [r["name"] for r in catalog_rows("models.json")]
    for model in payload:
        assert set(model) >= MODEL_FIELDS
    f222 = payload[0]
    assert f222["defaultResolution"] == [512, 512] and f222["wikiURL"].startswith("https://")
    assert "wikiURL" not in payload[1]


def test_get_models_filters_by_model_ids_and_hides_inactive_models(api, owner):
    GenerationModel.objects.filter(name="sdxl").update(is_active=False)
    payload = assert_envelope(api.get("/getModels", persona=owner, modelIDs="model3, sdxl")).payload
    assert [m["modelID"] for m in payload] == ["model3"]


def test_get_models_shows_only_the_sites_own_models(api, owner):
    GenerationModel.objects.for_domain(domain_get("sexy.ai")).filter(name="f222").update(label="Sexy F222")
    payload = assert_envelope(api.get("/getModels", persona=owner, modelIDs="f222")).payload
    assert payload[0]["name"] == "F222"


def test_get_sample_prompts_lists_them_and_omits_empty_optional_fields(api, guest):
    payload = assert_envelope(api.get("/getSamplePrompts", persona=guest)).payload
    assert len(payload) == len(catalog_rows("sample_prompts.json"))
    assert payload[0]["positivePrompt"] and payload[0]["negativePrompt"]
    assert "negativePrompt" not in payload[1] and "userID" not in payload[0]


def test_get_sample_prompts_random_one_returns_exactly_one(api, guest):
    for _ in range(3):
        payload = assert_envelope(api.get("/getSamplePrompts", persona=guest, randomOne=True)).payload
        assert len(payload) == 1
    SamplePrompt.objects.all().delete()
    assert assert_envelope(api.get("/getSamplePrompts", persona=guest, randomOne="1")).payload == []


def test_get_sample_prompts_rejects_a_bad_boolean(api, guest):
    response = api.get("/getSamplePrompts", persona=guest, randomOne="maybe")
    assert_envelope(response, 400)
    assert "randomOne" in response.error


def test_get_queues_length_reports_a_free_and_a_pro_queue_per_model(api, guest):
    payload = assert_envelope(api.get("/getQueuesLength", persona=guest, modelIDs="f222")).payload
    assert payload == [
        {"modelID": "f222", "queueID": "f222-p1-main", "queueLength": 0},
        {"modelID": "f222", "queueID": "f222-p0-main", "queueLength": 0},
    ]
    everything = assert_envelope(api.get("/getQueuesLength", persona=guest)).payload
    assert len(everything) == 2 * GenerationModel.objects.count()


def test_model_ids_outside_their_pattern_are_a_400(api, owner):
    for path in ("/getModels", "/getQueuesLength"):
        response = assert_envelope(api.get(path, persona=owner, modelIDs="\u00d7\u00f8"), 400)
        assert "modelIDs" in (response.error or "")
