"""Workflow parameters: merge a request's values, validate them against a template, substitute them.

A template's ``parameters`` are the reference's WorkflowTemplateParameter
objects. ``merge`` folds the request's ``parameters`` array and its explicit
body fields (``prompt`` → "Positive Prompt", ``lora``/``lora_strength`` →
"Lora N"/"Lora N Strength"...) into one value per parameter name; an entry of
the ``parameters`` array wins over the explicit field for the same name.
``resolve`` checks every value against its definition (data type, min/max/
increment, dropdown items, file-group membership, required or optional) and
fills in defaults, giving typed Python values. ``substitute`` walks the parsed
ComfyUI workflow and replaces each node input that *is* a ``replaceFromString``
marker by the typed value (a number stays a JSON number, a prompt a JSON
string), and a marker *inside* a longer string by the value's text, on the
parsed string; the workflow is never built by pasting text into JSON, so a
prompt holding quotes, backslashes, newlines or ``"}`` stays one intact string.

The engine's own ComfyUI templates (``generation/catalog/comfyui``, ``%name%``
markers) go through the same substitution: ``fill`` types the server's values
by their definitions (:func:`typed`) and calls ``substitute``, and
``marker_problems`` finds unknown and missing markers (``load_catalog`` refuses
such a template).
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from aimg_site.api.exceptions import InvalidParameter

#: Explicit body fields of enqueueWorkflow and the template parameter each one stands for.
EXPLICIT_FIELDS: dict[str, str] = {
    "prompt": "Positive Prompt",
    "negprompt": "Negative Prompt",
    "seed": "Seed",
    "subseed": "Subseed",
    "subseed_strength": "Subseed Strength",
    "steps": "Steps",
    "cfgscale": "CFG Scale",
    "modelName": "Model",
    "height": "Height",
    "width": "Width",
    "batchSize": "Batch Size",
}
BATCH_SIZE = "Batch Size"
DATA_TYPES = frozenset(
    {"string", "number", "boolean", "array", "object", "file", "files", "filesGroup", "dropdown"}
)
#: The longest text value a parameter takes (prompts included).
MAX_TEXT_LENGTH = 8000
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_TRUE, _FALSE = frozenset({"true", "1"}), frozenset({"false", "0"})


def lora_name(index: int) -> str:
    return f"Lora {index}"


def lora_strength_name(index: int) -> str:
    return f"Lora {index} Strength"


@dataclass(frozen=True)
class Given:
    """A value the request gave for a parameter, and what the request called it (for messages)."""

    value: Any
    source: str


def merge(*, parameters: list[dict], explicit: Mapping[str, Any]) -> dict[str, Given]:
    """One value per template parameter name; the ``parameters`` array wins over explicit fields.

    ``explicit`` holds the body fields that were given (``lora`` and ``lora_strength`` as lists).
    Raises a 400 for a name given twice in ``parameters`` and for ``lora``/``lora_strength`` of
    different lengths.
    """
    given: dict[str, Given] = {}
    for index, entry in enumerate(parameters):
        name = entry["name"]
        if name in given:
            raise InvalidParameter(f"parameters[{index}]", f"names '{name}' a second time")
        given[name] = Given(entry["value"], f"parameters: {name}")
    fallback: dict[str, Given] = {}
    for field, name in EXPLICIT_FIELDS.items():
        if field in explicit and explicit[field] is not None:
            fallback[name] = Given(explicit[field], field)
    loras = explicit.get("lora")
    strengths = explicit.get("lora_strength")
    if loras is not None or strengths is not None:
        loras, strengths = list(loras or []), list(strengths or [])
        if len(loras) != len(strengths):
            raise InvalidParameter(
                "lora_strength",
                f"must have one strength per name of 'lora' ({len(loras)} names, {len(strengths)} strengths)",
            )
        for index, (lora, strength) in enumerate(zip(loras, strengths, strict=True), start=1):
            fallback[lora_name(index)] = Given(lora, f"lora[{index - 1}]")
            fallback[lora_strength_name(index)] = Given(strength, f"lora_strength[{index - 1}]")
    for name, value in fallback.items():
        given.setdefault(name, value)
    return given


# ---------------------------------------------------------------- validation


def _decimal(text: str | None) -> Decimal | None:
    if text is None or text == "":
        return None
    return Decimal(str(text))


def is_whole_number(definition: Mapping[str, Any]) -> bool:
    """True when a ``number`` parameter takes whole numbers only (its increment, or else its bounds and
    default, are whole): its value is substituted as a JSON integer."""
    increment = _decimal(definition.get("increment"))
    if increment is not None:
        return increment == increment.to_integral_value()
    bounds = [_decimal(definition.get(key)) for key in ("defaultValue", "min", "max")]
    return all(b == b.to_integral_value() for b in bounds if b is not None)


def _number(definition: Mapping[str, Any], value: Any, source: str) -> int | float:
    if isinstance(value, bool):
        raise InvalidParameter(source, "must be a number")
    if isinstance(value, int | float):
        text = repr(value)
        if not _NUMBER.fullmatch(text):
            raise InvalidParameter(source, "must be a finite number")
        number = Decimal(text)
    elif isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        number = Decimal(value.strip())
    else:
        raise InvalidParameter(source, "must be a number (e.g. '20' or '7.5')")
    whole = is_whole_number(definition)
    if whole and number != number.to_integral_value():
        raise InvalidParameter(source, "must be a whole number")
    random_value = _decimal((definition.get("extraData") or {}).get("randomValue"))
    low, high = _decimal(definition.get("min")), _decimal(definition.get("max"))
    if low is not None and number < low:
        raise InvalidParameter(source, f"must be at least {definition['min']}")
    if high is not None and number > high:
        raise InvalidParameter(source, f"must be at most {definition['max']}")
    increment = _decimal(definition.get("increment"))
    if increment is not None and increment > 0:
        base = low if low is not None else Decimal(0)
        if (number - base) % increment != 0:
            raise InvalidParameter(
                source, f"must be {definition.get('min') or 0} plus a multiple of {increment}"
            )
    if random_value is not None and number == random_value:
        # "pick one for me": a random value in the range, recorded so the run can be repeated
        start = max(int(low) if low is not None else 0, int(random_value) + 1)
        stop = int(high) if high is not None else 2**32 - 1
        return start + secrets.randbelow(stop - start + 1)
    return int(number) if whole else float(number)


def _text(value: Any, source: str) -> str:
    if not isinstance(value, str):
        raise InvalidParameter(source, "must be a string")
    if len(value) > MAX_TEXT_LENGTH:
        raise InvalidParameter(source, f"must be at most {MAX_TEXT_LENGTH} characters long")
    if "\x00" in value:
        raise InvalidParameter(source, "must not contain NUL characters")
    return value


def _json_value(value: Any, source: str, kind: type, label: str) -> Any:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise InvalidParameter(source, f"must be a JSON {label}") from None
    if not isinstance(value, kind):
        raise InvalidParameter(source, f"must be a JSON {label}")
    return value


def coerce(
    definition: Mapping[str, Any], value: Any, source: str, *, file_groups: Mapping[str, list[str]]
) -> Any:
    """``value`` as the typed value of the parameter ``definition``; a 400 naming ``source`` if it is not one."""
    data_type = definition["dataType"]
    if data_type == "string":
        text = _text(value, source)
        if not definition.get("isOptional") and not text.strip():
            raise InvalidParameter(source, "must not be empty")
        return text
    if data_type == "number":
        return _number(definition, value, source)
    if data_type == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower() if isinstance(value, str | int) else ""
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise InvalidParameter(source, "must be true, false, 1 or 0")
    if data_type == "dropdown":
        text = _text(value, source)
        items = [str(item) for item in definition.get("dropdownItems") or []]
        if text not in items:
            raise InvalidParameter(source, f"must be one of {', '.join(items)}")
        return text
    if data_type == "filesGroup":
        text = _text(value, source)
        group = definition.get("fileGroup") or ""
        if text not in file_groups.get(group, ()):
            raise InvalidParameter(source, f"must be a file of group '{group}' (see getFileGroupItems)")
        return text
    if data_type == "file":
        text = _text(value, source)
        if not text.strip():
            raise InvalidParameter(source, "must name a file")
        return text
    if data_type in ("array", "files"):
        items = _json_value(value, source, list, "array")
        if data_type == "files" and not all(isinstance(item, str) and item for item in items):
            raise InvalidParameter(source, "must be a JSON array of file names")
        return items
    if data_type == "object":
        return _json_value(value, source, dict, "object")
    raise ValueError(f"parameter {definition['name']!r} has an unknown dataType {data_type!r}")


def as_text(value: Any) -> str:
    """A typed value as WorkflowRunParameter ``value``: always a string (``true``, ``20``, ``7.5``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f")
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


@dataclass(frozen=True)
class Resolved:
    """Every parameter of a template with its typed value (request's or default), in template order."""

    values: dict[str, Any]

    def run_parameters(self) -> list[dict[str, str]]:
        """The WorkflowRunParameter list: name and stringified value of each parameter."""
        return [{"name": name, "value": as_text(value)} for name, value in self.values.items()]


def resolve(
    *,
    template_name: str,
    definitions: list[dict],
    given: Mapping[str, Given],
    file_groups: Mapping[str, list[str]],
) -> Resolved:
    """Validate ``given`` against ``definitions`` and fill in defaults (400 naming the parameter).

    A parameter the template does not define is a 400; so is a required one
    (``isOptional`` false) given no value when its default is empty.
    """
    names = {d["name"] for d in definitions}
    for name, value in given.items():
        if name not in names:
            raise InvalidParameter(value.source, f"is not a parameter of workflow template '{template_name}'")
    values: dict[str, Any] = {}
    for definition in definitions:
        name = definition["name"]
        entry = given.get(name)
        if entry is None:
            default = definition.get("defaultValue", "")
            if not definition.get("isOptional") and default == "":
                raise InvalidParameter(name, f"is required by workflow template '{template_name}'")
            entry = Given(default, f"{name} (default)")
        values[name] = coerce(definition, entry.value, entry.source, file_groups=file_groups)
    return Resolved(values=values)


# ---------------------------------------------------------------- substitution


def substitute(workflow: Any, markers: Mapping[str, Any]) -> Any:
    """A copy of the parsed ``workflow`` with every marker replaced by its typed value.

    A string that is exactly a marker becomes the value itself (any JSON type);
    markers inside a longer string are replaced by the value's text in one pass
    (a value that contains another marker is not substituted again). Dict keys
    are left alone.
    """
    if not markers:
        return json.loads(json.dumps(workflow))
    pattern = re.compile("|".join(re.escape(m) for m in sorted(markers, key=len, reverse=True)))

    def walk(node: Any) -> Any:
        if isinstance(node, str):
            if node in markers:
                return json.loads(json.dumps(markers[node]))
            return pattern.sub(lambda match: as_text(markers[match.group(0)]), node)
        if isinstance(node, list):
            return [walk(child) for child in node]
        if isinstance(node, dict):
            return {key: walk(child) for key, child in node.items()}
        return node

    return walk(workflow)


def typed(definition: Mapping[str, Any], value: Any) -> Any:
    """A value the server itself built, as the JSON type its definition says (no range checks).

    The engine's catalog templates use this instead of :func:`coerce`: their values are already
    validated by the engine, and only their JSON type matters here. ``number`` follows
    :func:`is_whole_number` (a whole-number parameter becomes an int, any other a float), as a
    request's value does; ``string``/``dropdown`` must be text; ``boolean`` a bool. Raises
    ``ValueError`` naming the parameter for a value of the wrong kind.
    """
    name, data_type = definition.get("name", "?"), definition.get("dataType")
    if data_type == "number":
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            raise ValueError(f"parameter {name!r} needs a number, not {value!r}")
        if is_whole_number(definition):
            if value != int(value):
                raise ValueError(f"parameter {name!r} needs a whole number, not {value!r}")
            return int(value)
        return float(value)
    if data_type in ("string", "dropdown", "filesGroup", "file"):
        if not isinstance(value, str):
            raise ValueError(f"parameter {name!r} needs text, not {value!r}")
        return value
    if data_type == "boolean":
        if not isinstance(value, bool):
            raise ValueError(f"parameter {name!r} needs true or false, not {value!r}")
        return value
    raise ValueError(f"parameter {name!r} has a data type the engine does not fill: {data_type!r}")


def marker_problems(
    *, workflow: Any, definitions: list[dict], syntax: re.Pattern[str], required: set[str] | frozenset[str]
) -> list[str]:
    """The marker errors of a template: markers of ``syntax`` no definition declares (unknown), and
    the markers of ``required`` parameter names that the workflow does not contain (missing)."""
    declared = {d["replaceFromString"]: d["name"] for d in definitions if d.get("replaceFromString")}
    texts = list(strings_in(workflow))
    problems: list[str] = []
    unknown = sorted({m.group(0) for text in texts for m in syntax.finditer(text)} - set(declared))
    if unknown:
        problems.append(
            f"unknown marker{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} "
            f"(known: {', '.join(sorted(declared))})"
        )
    for marker, name in declared.items():
        if name in required and not any(marker in text for text in texts):
            problems.append(f"missing marker {marker} (the {name!r} value would be lost)")
    return problems


def fill(workflow: Any, definitions: list[dict], values: Mapping[str, Any]) -> Any:
    """:func:`substitute` with server-built ``values`` (``{name: value}``) typed by :func:`typed`.

    Every marker the workflow contains must have a value (``ValueError`` naming it otherwise).
    """
    texts = list(strings_in(workflow))
    markers: dict[str, Any] = {}
    for definition in definitions:
        marker = definition.get("replaceFromString")
        if not marker or not any(marker in text for text in texts):
            continue
        if definition["name"] not in values:
            raise ValueError(f"no value for the template parameter {definition['name']!r} ({marker})")
        markers[marker] = typed(definition, values[definition["name"]])
    return substitute(workflow, markers)


def markers_of(definitions: list[dict], resolved: Resolved) -> dict[str, Any]:
    """``replaceFromString`` → typed value, for every parameter that has a marker."""
    return {
        d["replaceFromString"]: resolved.values[d["name"]] for d in definitions if d.get("replaceFromString")
    }


def strings_in(node: Any):
    """Every string of a parsed JSON value (values only, not keys)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for child in node:
            yield from strings_in(child)
    elif isinstance(node, dict):
        for child in node.values():
            yield from strings_in(child)


def template_problems(
    *, definitions: list[dict], workflow: Any, file_groups: Mapping[str, list[str]], max_batch_size: int
) -> list[str]:
    """What is wrong with a template (an empty list for a usable one): the catalog's self-check.

    Each parameter has the documented mandatory fields and a known data type,
    its marker occurs in the workflow, its default is valid (unless it is
    required), and ``Batch Size`` cannot exceed ``max_batch_size``; every link
    (``["node id", output index]``) points at a node of the workflow.
    """
    problems: list[str] = []
    texts = list(strings_in(workflow))
    mandatory = ("name", "dataType", "description", "defaultValue", "replaceFromString", "isOptional")
    for definition in definitions:
        name = definition.get("name", "?")
        missing = [key for key in mandatory if key not in definition]
        if missing:
            problems.append(f"{name}: missing {', '.join(missing)}")
            continue
        if definition["dataType"] not in DATA_TYPES:
            problems.append(f"{name}: unknown dataType {definition['dataType']}")
            continue
        marker = definition["replaceFromString"]
        if not any(marker in text for text in texts):
            problems.append(f"{name}: marker {marker} is not in the workflow")
        if definition["dataType"] == "filesGroup" and definition.get("fileGroup") not in file_groups:
            problems.append(f"{name}: unknown file group {definition.get('fileGroup')}")
            continue
        if definition["isOptional"] or definition["defaultValue"] != "":
            try:
                coerce(definition, definition["defaultValue"], name, file_groups=file_groups)
            except InvalidParameter as exc:
                problems.append(f"{name}: default {exc.message}")
        if name == BATCH_SIZE:
            high = _decimal(definition.get("max"))
            if high is None or high > max_batch_size:
                problems.append(f"{name}: max must be set and at most {max_batch_size}")
    if isinstance(workflow, dict):
        for node_id, node in workflow.items():
            if not isinstance(node, dict) or "class_type" not in node:
                problems.append(f"node {node_id}: no class_type")
                continue
            for input_name, value in (node.get("inputs") or {}).items():
                if _is_link(value) and value[0] not in workflow:
                    problems.append(f"node {node_id}.{input_name}: links to missing node {value[0]}")
    else:
        problems.append("the workflow is not a JSON object of nodes")
    return problems


def _is_link(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], str)
        and isinstance(value[1], int)
        and not isinstance(value[1], bool)
    )


def decimal_or_none(text: Any) -> Decimal | None:
    try:
        return _decimal(text)
    except InvalidOperation:
        return None
