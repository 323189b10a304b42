"""The catalog's ComfyUI templates go through API2's typed substitution, and load_catalog checks their markers."""

from __future__ import annotations

import json
import shutil
import uuid
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

import generation.catalog
from generation.backends import PermanentBackendError, RenderRequest
from generation.backends.comfyui import fill_template, load_template, request_graph
from generation.catalog import CatalogError, catalog_check, catalog_rows
from generation.models import GenerationModel

#: The graphs the catalog templates gave before they moved onto API2's substitution (recorded then).
RECORDED = Path(__file__).parent / "data" / "comfyui_catalog_graphs.json"


def _request(data: dict) -> RenderRequest:
    return RenderRequest(**{**data, "job_id": uuid.UUID(data["job_id"])})


def test_every_catalog_model_gets_the_same_graph_as_before():
    recorded = json.loads(RECORDED.read_text(encoding="utf-8"))
    assert {key.split("/")[0] for key in recorded} == {row["name"] for row in catalog_rows("models.json")}
    for key, case in recorded.items():
        graph = request_graph(_request(case["request"]))
        # json.dumps tells 7 from 7.0: the JSON types must be the same, not only the values.
        assert json.dumps(graph, sort_keys=True) == json.dumps(case["graph"], sort_keys=True), key


def test_numbers_stay_numbers_and_text_stays_one_intact_string():
    case = json.loads(RECORDED.read_text(encoding="utf-8"))["f222/1"]
    request = _request({**case["request"], "prompt": 'say "hi" \\ %seed% "}', "cfgscale": 7})
    graph = request_graph(request)
    sampler = graph["3"]["inputs"]
    assert type(sampler["seed"]) is int and type(sampler["steps"]) is int
    assert type(sampler["cfg"]) is float and sampler["cfg"] == 7.0
    assert type(graph["5"]["inputs"]["width"]) is int
    assert graph["6"]["inputs"]["text"] == 'say "hi" \\ %seed% "}'  # a marker inside a value is not re-filled
    assert json.loads(json.dumps(graph)) == graph


def test_a_marker_inside_a_longer_string_gets_the_values_text():
    graph = fill_template(
        {"1": {"class_type": "SaveImage", "inputs": {"p": "run-%seed%-%cfg%"}}}, {"seed": 5, "cfg": 7.5}
    )
    assert graph["1"]["inputs"]["p"] == "run-5-7.5"


def test_a_value_of_the_wrong_type_or_a_missing_value_is_a_readable_permanent_error():
    template = load_template("txt2img-basic")
    recorded = json.loads(RECORDED.read_text(encoding="utf-8"))["f222/0"]["request"]
    with pytest.raises(PermanentBackendError, match="'seed' needs a number"):
        request_graph(_request({**recorded, "seed": "42"}))
    with pytest.raises(PermanentBackendError, match="'steps' needs a whole number"):
        request_graph(_request({**recorded, "steps": 2.5}))
    with pytest.raises(PermanentBackendError, match="no value for the template parameter 'negprompt'"):
        fill_template(template, {"prompt": "x"})


@pytest.fixture
def catalog_copy(tmp_path, monkeypatch):
    """A copy of the catalog folder that the loader reads instead of the repository's."""
    copy = tmp_path / "catalog"
    shutil.copytree(
        generation.catalog.CATALOG_DIR, copy, ignore=shutil.ignore_patterns("*.py", "__pycache__")
    )
    monkeypatch.setattr(generation.catalog, "CATALOG_DIR", copy)
    return copy


def _edit(path: Path, old: str, new: str, *, last: bool = False) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    head, _, tail = text.rpartition(old) if last else text.partition(old)
    path.write_text(head + new + tail, encoding="utf-8")


def test_the_repository_catalog_passes_its_own_check():
    catalog_check()


@pytest.mark.django_db
def test_a_template_with_an_unknown_marker_fails_load_catalog_with_a_clear_message(catalog_copy):
    _edit(catalog_copy / "comfyui" / "txt2img-basic.json", '"%scheduler%"', '"%schedular%"')
    with pytest.raises(CommandError) as error:
        call_command("load_catalog", stdout=StringIO())
    message = str(error.value)
    assert "comfyui/txt2img-basic.json (model 'f222')" in message
    assert "unknown marker %schedular%" in message and "%scheduler%" in message  # names the known ones too
    assert not GenerationModel.all_domains.exists()  # nothing was loaded


@pytest.mark.django_db
def test_a_template_missing_a_marker_its_kind_needs_fails_load_catalog(catalog_copy, domain):
    _edit(catalog_copy / "comfyui" / "txt2vid-basic.json", '"%frames%"', "16")
    with pytest.raises(CatalogError, match=r"txt2vid-basic.json \(model 'model3'\): missing marker %frames%"):
        generation.catalog.catalog_load(domain=domain)
    assert not GenerationModel.all_domains.exists()


@pytest.mark.django_db
def test_a_model_naming_no_such_template_fails_load_catalog(catalog_copy):
    (catalog_copy / "comfyui" / "txt2img-sdxl.json").unlink()
    with pytest.raises(CommandError, match=r"txt2img-sdxl.*does not exist"):
        call_command("load_catalog", stdout=StringIO())


@pytest.mark.django_db
def test_an_api2_template_with_an_undeclared_marker_fails_load_catalog(catalog_copy):
    _edit(
        catalog_copy / "workflow_templates" / "txt2img-lora.json",
        '"{{SCHEDULER}}"',
        '"{{SCHEDULE}}"',
        last=True,
    )
    with pytest.raises(CommandError) as error:
        call_command("load_catalog", stdout=StringIO())
    assert "workflow_templates/txt2img-lora" in str(error.value)
    assert "unknown marker {{SCHEDULE}}" in str(error.value)
