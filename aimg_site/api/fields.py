"""Serializer fields that speak the wire contract, and the rules applied to DRF's own fields.

Use these fields in input serializers (``CreateFolderInput`` etc.); drf-spectacular
documents them, and a bad value becomes a 400 naming the parameter. ``wire_data``
applies the same rules (``aimg_site.api.params``) to every declared field of an
input serializer before DRF validates it, DRF's own fields included, so that
``ApiView.input()`` treats every endpoint alike:

* a query (or form) parameter is given at most once, and never empty unless its
  field allows blank text (``allow_blank=True``: the reference's meaningful ``""``);
* in a JSON body, a text field takes only a JSON string, a number field only a JSON
  number; in a query string a number is ASCII digits; a boolean is ``true``, ``false``,
  ``1`` or ``0`` (in a body as a JSON boolean, number or string);
* UUIDs are in the canonical 8-4-4-4-12 form.

``aimg_site.api.schema`` documents the same rules (patterns, the text form of lists).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from django.http import QueryDict
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from . import params
from .exceptions import InvalidParameter

#: The characters Python's ``str.strip()`` removes (DRF trims text fields with it), as an
#: ECMA-262 character class body: ``\s`` differs (it lacks U+001C-U+001F and U+0085).
PY_WHITESPACE = "\\t\\n\\u000b\\u000c\\r\\u001c-\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
#: DRF's text fields refuse NUL characters (``+``: drf-spectacular documents the blank text a
#: field allows as a second ``oneOf`` branch, which must not match it as well).
NO_NUL_PATTERN = "^[^\\u0000]+$"
#: ... and, when they trim and do not allow blank text, text that is only whitespace.
NOT_BLANK_PATTERN = f"^[^\\u0000]*[^\\u0000{PY_WHITESPACE}][^\\u0000]*$"
_FLOAT_TEXT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")


def _as_validation_error(exc: InvalidParameter) -> serializers.ValidationError:
    # The handler prefixes the parameter name; keep only the problem here.
    text = str(exc.message)
    prefix = f"Parameter '{exc.parameter}' "
    return serializers.ValidationError(text[len(prefix) :] if text.startswith(prefix) else text)


class WireField(serializers.Field):
    """A field that applies the wire rules itself (``wire_data`` leaves its values alone)."""


#: CONTRACT.md: "Booleans accept true/false/1/0", as JSON values and as text, in a body too.
BOOL_SCHEMA = {
    "oneOf": [
        {"type": "boolean"},
        {"type": "integer", "enum": [0, 1]},
        {"type": "string", "enum": sorted(params.BOOL_TEXTS)},
    ]
}


@extend_schema_field(BOOL_SCHEMA)
class BoolParam(WireField, serializers.BooleanField):
    """``true``, ``false``, ``1`` or ``0``; absent stays absent (DRF would read a missing query
    flag as false)."""

    default_empty_html = empty

    def to_internal_value(self, data):
        try:
            return params.parse_bool(data, self.field_name)
        except InvalidParameter as exc:
            raise _as_validation_error(exc) from None


class CommaListField(WireField):
    """A JSON array of strings or a comma-separated string (items trimmed of spaces, empty ones
    dropped).

    Subclasses narrow the items with ``item_pattern`` (an ECMA-262 regex body, documented in the
    schema) and ``item_max_length``; the server's own check of an item stays in
    ``to_internal_value``. ``text_schema()`` is the query-string form, ``json_schema()`` the body's.
    """

    #: One item: no comma, no leading or trailing space.
    item_pattern = "[^ ,](?:[^,]*[^ ,])?"
    item_max_length: int | None = None
    item_format: str | None = None
    #: False: at least one item (``[]``, ``""`` and ``","`` are a 400), documented as such.
    allow_empty = True

    def __init__(self, *, max_items: int | None = None, allow_empty: bool | None = None, **kwargs):
        self.max_items = max_items
        if allow_empty is not None:
            self.allow_empty = allow_empty
        super().__init__(**kwargs)

    @property
    def max_length(self) -> int | None:
        """The longest comma-separated form accepted: every item at its longest, each followed by ", "."""
        if self.max_items is None or self.item_max_length is None:
            return None
        return self.max_items * (self.item_max_length + 2)

    def to_internal_value(self, data):
        if isinstance(data, str) and self.max_length is not None and len(data) > self.max_length:
            raise serializers.ValidationError(f"must be at most {self.max_length} characters long")
        try:
            items = params.parse_list(data, self.field_name, max_items=self.max_items)
        except InvalidParameter as exc:
            raise _as_validation_error(exc) from None
        if not items and not self.allow_empty:
            raise serializers.ValidationError("must hold at least one value")
        return items

    def to_representation(self, value):
        return list(value)

    def item_schema(self) -> dict:
        schema: dict[str, Any] = {"type": "string", "pattern": f"^{self.item_pattern}$"}
        if self.item_format:
            schema["format"] = self.item_format
        if self.item_max_length is not None:
            schema["maxLength"] = self.item_max_length
        return schema

    def text_schema(self) -> dict:
        # Slots between commas hold an item or nothing (" a, ,b," is a and b: empty ones are
        # dropped); without allow_empty one slot must hold an item. Items never start with a space,
        # so each slot matches one way only.
        item = f"(?:{self.item_pattern}) *"
        slot = f" *(?:{item})?"
        pattern = f"^{slot}(?:,{slot})*$" if self.allow_empty else f"^(?:{slot},)* *{item}(?:,{slot})*$"
        schema: dict[str, Any] = {"type": "string", "pattern": pattern, "description": "comma-separated"}
        if self.max_length is not None:
            schema["maxLength"] = self.max_length
        return schema

    def json_schema(self) -> dict:
        array: dict[str, Any] = {"type": "array", "items": self.item_schema()}
        if not self.allow_empty:
            array["minItems"] = 1
        if self.max_items is not None:
            array["maxItems"] = self.max_items
        return {"oneOf": [array, self.text_schema()]}


class UUIDListField(CommaListField):
    """Like ``CommaListField`` but every item must be a UUID; duplicates are dropped."""

    item_pattern = params.UUID_PATTERN
    item_max_length = 36
    item_format = "uuid"

    def to_internal_value(self, data):
        items = super().to_internal_value(data)
        try:
            return params.parse_uuid_list(items, self.field_name)
        except InvalidParameter as exc:
            raise _as_validation_error(exc) from None


PAGINATION_INDEX_DIGITS = 60


@extend_schema_field({"type": "string", "pattern": f"^[0-9]{{1,{PAGINATION_INDEX_DIGITS}}}$"})
class PaginationIndexField(WireField):
    """A stringified non-negative integer of ASCII digits (see ``aimg_site.api.pagination``)."""

    def to_internal_value(self, data):
        if (
            not isinstance(data, str)
            or not data.isascii()
            or not data.isdigit()
            or len(data) > PAGINATION_INDEX_DIGITS
        ):
            raise serializers.ValidationError(
                f"must be a stringified non-negative integer (at most {PAGINATION_INDEX_DIGITS} ASCII digits)"
            )
        return data

    def to_representation(self, value):
        return str(value)


# --- the rules for DRF's own fields -------------------------------------------------------------


def _check_value(field: serializers.Field, name: str, value: Any, *, text: bool) -> None:
    """Raise ``InvalidParameter`` when ``value`` is not of the wire type of ``field``."""
    if value is None and field.allow_null and not text:
        return
    if isinstance(field, serializers.BooleanField):
        params.parse_bool(value, name)
    elif isinstance(field, WireField | serializers.MultipleChoiceField):
        return
    elif isinstance(field, serializers.IntegerField):
        params.parse_int(value, name, text=text)
    elif isinstance(field, serializers.FloatField | serializers.DecimalField):
        if text:
            if not _FLOAT_TEXT.fullmatch(value):
                raise InvalidParameter(name, "must be a number (ASCII digits)")
        elif isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise InvalidParameter(name, "must be a number (a JSON number)")
    elif isinstance(field, serializers.UUIDField):
        params.parse_uuid(value, name)
    elif isinstance(field, serializers.CharField | serializers.ChoiceField | serializers.DateTimeField):
        if not isinstance(value, str):
            raise InvalidParameter(name, "must be a string")
        # DRF measures text after trimming it; the schema's maxLength (and a client) measures what
        # is sent. The text as sent must fit.
        max_length = getattr(field, "max_length", None)
        if max_length is not None and len(value) > max_length:
            raise InvalidParameter(name, f"must be at most {max_length} characters long")


def wire_data(fields: dict[str, serializers.Field], raw: Any) -> Any:
    """``raw`` (a ``QueryDict`` of a query string or form, or a parsed JSON object) checked
    against the declared ``fields``, ready for the serializer: a plain dict for text input
    (so DRF no longer reads an empty value as an absent one). Undeclared parameters are left
    as they are (ignored by the serializer). A list in a query string is a ``CommaListField``:
    DRF's ``ListField`` reads repeated parameters, which are refused here."""
    text = isinstance(raw, QueryDict)
    data = raw.dict() if text else raw
    for name, field in fields.items():
        if field.read_only or name not in raw:
            continue
        value = data[name]
        if text:
            if len(raw.getlist(name)) > 1:
                raise InvalidParameter(name, "must be given only once")
            if value == "" and not getattr(field, "allow_blank", False):
                raise InvalidParameter(name, "must not be empty")
        _check_value(field, name, value, text=text)
    return data


def iso_utc(value: dt.datetime | None) -> str | None:
    """What DRF's ``DateTimeField`` writes for an aware datetime with ``TIME_ZONE = "UTC"``
    (ISO 8601 in UTC, ``Z`` for ``+00:00``), without its per-call time-zone lookups."""
    if not value:
        return None
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
