"""Serializer fields that speak the wire contract.

Use them in input serializers (``CreateFolderInput`` etc.); drf-spectacular
documents them, and a bad value becomes a 400 naming the parameter.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from . import params
from .exceptions import InvalidParameter


def _as_validation_error(exc: InvalidParameter) -> serializers.ValidationError:
    # The handler prefixes the parameter name; keep only the problem here.
    text = str(exc.message)
    prefix = f"Parameter '{exc.parameter}' "
    return serializers.ValidationError(text[len(prefix) :] if text.startswith(prefix) else text)


class BoolParam(serializers.BooleanField):
    """``true/false/1/0``; absent stays absent (DRF would read a missing query flag as false)."""

    default_empty_html = empty

    def to_internal_value(self, data):
        try:
            return params.parse_bool(data, self.field_name)
        except InvalidParameter as exc:
            raise _as_validation_error(exc) from None


@extend_schema_field(
    {
        "oneOf": [
            {"type": "array", "items": {"type": "string"}},
            {"type": "string", "description": "comma-separated"},
        ]
    }
)
class CommaListField(serializers.Field):
    """A JSON array of strings or a comma-separated string (trimmed, empties dropped)."""

    def __init__(self, *, max_items: int | None = None, **kwargs):
        self.max_items = max_items
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        try:
            return params.parse_list(data, self.field_name, max_items=self.max_items)
        except InvalidParameter as exc:
            raise _as_validation_error(exc) from None

    def to_representation(self, value):
        return list(value)


@extend_schema_field(
    {
        "oneOf": [
            {"type": "array", "items": {"type": "string", "format": "uuid"}},
            {"type": "string", "description": "comma-separated UUIDs"},
        ]
    }
)
class UUIDListField(CommaListField):
    """Like ``CommaListField`` but every item must be a UUID; duplicates are dropped."""

    def to_internal_value(self, data):
        try:
            return params.parse_uuid_list(data, self.field_name, max_items=self.max_items)
        except InvalidParameter as exc:
            raise _as_validation_error(exc) from None


@extend_schema_field(OpenApiTypes.STR)
class PaginationIndexField(serializers.Field):
    """A stringified non-negative integer (see ``aimg_site.api.pagination``)."""

    def to_internal_value(self, data):
        if isinstance(data, int) and not isinstance(data, bool):
            data = str(data)
        if not isinstance(data, str) or not data.strip().isdigit() or len(data.strip()) > 60:
            raise serializers.ValidationError("must be a stringified non-negative integer")
        return data.strip()

    def to_representation(self, value):
        return str(value)
