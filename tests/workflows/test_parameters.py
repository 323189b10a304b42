"""Merging, validating and substituting workflow parameters (no database)."""

from __future__ import annotations

import json

import pytest

from aimg_site.api.exceptions import InvalidParameter
from generation.workflows.parameters import Given, as_text, merge, resolve, substitute, template_problems

FILES = {"loras": ["a.safetensors", "b.safetensors"]}


def param(name, data_type="string", marker=None, default="", optional=True, **extra):
    return {
        "name": name,
        "dataType": data_type,
        "description": name,
        "defaultValue": default,
        "replaceFromString": marker or "{{" + name.upper().replace(" ", "_") + "}}",
        "isOptional": optional,
        "optionName": name,
        "isAlwaysVisible": False,
        "isHidden": False,
        **extra,
    }


DEFINITIONS = [
    param("Positive Prompt", optional=False),
    param("Steps", "number", default="20", min="1", max="50", increment="1"),
    param("CFG Scale", "number", default="7", min="1", max="12", increment="0.5"),
    param(
        "Seed", "number", default="-1", min="-1", max="100", increment="1", extraData={"randomValue": "-1"}
    ),
    param("Sampler", "dropdown", default="euler", dropdownItems=["euler", "ddim"]),
    param("Lora 1", "filesGroup", default="a.safetensors", fileGroup="loras"),
    param("Lora 1 Strength", "number", default="0", min="-2", max="2", increment="0.05"),
    param("Hires", "boolean", default="false"),
    param("Frames", "number", default="17", min="5", max="33", increment="4"),
    param("Extra", "object", default="{}"),
]


def run(parameters=(), **explicit):
    given = merge(parameters=[{"name": n, "value": v} for n, v in parameters], explicit=explicit)
    return resolve(template_name="t", definitions=DEFINITIONS, given=given, file_groups=FILES).values


def test_defaults_fill_in_and_values_are_typed():
    values = run([("Positive Prompt", "a cat")])
    assert values["Steps"] == 20 and isinstance(values["Steps"], int)
    assert values["CFG Scale"] == 7.0 and isinstance(values["CFG Scale"], float)
    assert values["Hires"] is False and values["Extra"] == {}
    assert 0 <= values["Seed"] <= 100  # -1 is "pick one", and the pick is recorded


def test_explicit_fields_map_to_their_parameters_and_the_parameters_array_wins():
    values = run(
        [("Steps", "30")],
        prompt="from the body",
        steps=12,
        cfgscale=7.5,
        lora=["b.safetensors"],
        lora_strength=[0.75],
    )
    assert values["Positive Prompt"] == "from the body"
    assert values["Steps"] == 30  # the parameters entry wins over the explicit field
    assert values["CFG Scale"] == 7.5
    assert values["Lora 1"] == "b.safetensors" and values["Lora 1 Strength"] == 0.75


@pytest.mark.parametrize(
    ("parameters", "explicit", "named", "problem"),
    [
        ([], {}, "Positive Prompt", "is required"),
        ([("Positive Prompt", "  ")], {}, "Positive Prompt", "must not be empty"),
        ([("Positive Prompt", "x"), ("Steps", "abc")], {}, "Steps", "must be a number"),
        ([("Positive Prompt", "x"), ("Steps", "7.5")], {}, "Steps", "whole number"),
        ([("Positive Prompt", "x"), ("Steps", "51")], {}, "Steps", "at most 50"),
        ([("Positive Prompt", "x"), ("Steps", "0")], {}, "Steps", "at least 1"),
        ([("Positive Prompt", "x"), ("CFG Scale", "7.3")], {}, "CFG Scale", "multiple of 0.5"),
        ([("Positive Prompt", "x"), ("Frames", "6")], {}, "Frames", "multiple of 4"),
        ([("Positive Prompt", "x"), ("Sampler", "heun")], {}, "Sampler", "one of euler, ddim"),
        ([("Positive Prompt", "x"), ("Lora 1", "c.safetensors")], {}, "Lora 1", "group 'loras'"),
        ([("Positive Prompt", "x"), ("Hires", "maybe")], {}, "Hires", "true, false"),
        ([("Positive Prompt", "x"), ("Extra", "[1]")], {}, "Extra", "JSON object"),
        ([("Positive Prompt", "x"), ("Unknown", "1")], {}, "Unknown", "not a parameter"),
        ([("Positive Prompt", "x")], {"subseed": 3}, "subseed", "not a parameter"),
        (
            [("Positive Prompt", "x")],
            {"lora": ["a.safetensors"], "lora_strength": []},
            "lora_strength",
            "one strength per name",
        ),
        (
            [("Positive Prompt", "x")],
            {"lora": ["a.safetensors", "b.safetensors"], "lora_strength": [1, 1]},
            "lora[1]",
            "not a parameter",
        ),
        ([("Positive Prompt", "x"), ("Positive Prompt", "y")], {}, "parameters[1]", "second time"),
    ],
)
def test_each_failure_names_the_parameter(parameters, explicit, named, problem):
    with pytest.raises(InvalidParameter) as raised:
        run(parameters, **explicit)
    assert raised.value.parameter.endswith(named) and problem in raised.value.message, raised.value.message


NASTY = 'a "quoted" \\ back\\slash\nnew line\r\t tab "} ], {"class_type": "Evil"} {{STEPS}} \u2028 é 🦊'


def test_a_hostile_prompt_stays_one_intact_json_string_and_numbers_stay_numbers():
    workflow = {
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "{{POSITIVE_PROMPT}}", "clip": ["4", 1]}},
        "7": {
            "class_type": "CLIPTextEncode",
            "inputs": {"text": "masterpiece, {{POSITIVE_PROMPT}}", "clip": ["4", 1]},
        },
        "3": {
            "class_type": "KSampler",
            "inputs": {"steps": "{{STEPS}}", "cfg": "{{CFG_SCALE}}", "positive": ["6", 0]},
        },
    }
    values = run([("Positive Prompt", NASTY), ("Steps", "30")])
    markers = {d["replaceFromString"]: values[d["name"]] for d in DEFINITIONS}
    graph = substitute(workflow, markers)
    text = json.dumps(graph)
    again = json.loads(text)
    assert again == graph and set(again) == {"6", "7", "3"}
    assert again["6"]["inputs"]["text"] == NASTY  # intact, "{{STEPS}}" in it not substituted again
    assert again["7"]["inputs"]["text"] == "masterpiece, " + NASTY
    assert again["3"]["inputs"] == {"steps": 30, "cfg": 7.0, "positive": ["6", 0]}
    assert "Evil" not in {node["class_type"] for node in again.values()}
    assert workflow["6"]["inputs"]["text"] == "{{POSITIVE_PROMPT}}"  # the template is not changed


def test_run_parameter_values_are_strings():
    assert [as_text(v) for v in (True, 20, 7.5, 7.0, {"a": 1}, "x")] == [
        "true",
        "20",
        "7.5",
        "7",
        '{"a":1}',
        "x",
    ]


def test_template_problems_finds_a_missing_marker_a_bad_default_and_a_dangling_link():
    definitions = [param("Steps", "number", default="99", max="50"), param("Nowhere")]
    workflow = {"3": {"class_type": "KSampler", "inputs": {"steps": "{{STEPS}}", "model": ["9", 0]}}}
    problems = template_problems(definitions=definitions, workflow=workflow, file_groups={}, max_batch_size=1)
    assert any("Steps: default" in p for p in problems)
    assert any("Nowhere: marker" in p for p in problems)
    assert any("missing node 9" in p for p in problems)


def test_given_keeps_the_name_the_request_used():
    given = merge(parameters=[], explicit={"prompt": "x"})
    assert given["Positive Prompt"] == Given("x", "prompt")
