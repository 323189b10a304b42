"""A request field's own pattern (a RegexField's, or a RegexValidator's) is the one the schema shows;
the wire layer's text patterns go only on string fields without one."""

from __future__ import annotations

from django.core.validators import RegexValidator
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers

from aimg_site.api.envelope import ok
from aimg_site.api.fields import NOT_BLANK_PATTERN
from aimg_site.api.views import ApiView, Caller, endpoint


class PatternedInput(serializers.Serializer):
    code = serializers.RegexField(r"^[a-z]{3}-[0-9]{2}$", max_length=6)
    slug = serializers.CharField(validators=[RegexValidator(r"^[a-z]+$")])
    note = serializers.CharField()


class PatternedQuery(serializers.Serializer):
    code = serializers.RegexField(r"^[A-Z]{2}$")
    note = serializers.CharField(required=False)


class PatternedPostApi(ApiView):
    operation_id = "patternedPost"
    caller = Caller.ANYONE
    body_serializer = PatternedInput

    def post(self, request):
        return ok({})


class PatternedGetApi(ApiView):
    operation_id = "patternedGet"
    caller = Caller.ANYONE
    query_serializer = PatternedQuery

    def get(self, request):
        return ok({})


def _schema() -> dict:
    generator = SchemaGenerator(patterns=[endpoint(PatternedPostApi), endpoint(PatternedGetApi)])
    return generator.get_schema(request=None, public=True)


def test_a_body_fields_own_pattern_wins():
    properties = _schema()["components"]["schemas"]["PatternedInputRequest"]["properties"]
    assert properties["code"]["pattern"] == r"^[a-z]{3}-[0-9]{2}$"
    assert properties["slug"]["pattern"] == r"^[a-z]+$"
    assert properties["note"]["pattern"] == NOT_BLANK_PATTERN


def test_a_query_fields_own_pattern_wins():
    parameters = {p["name"]: p["schema"] for p in _schema()["paths"]["/patternedGet"]["get"]["parameters"]}
    assert parameters["code"]["pattern"] == r"^[A-Z]{2}$"
    assert parameters["note"]["pattern"] == NOT_BLANK_PATTERN
