"""Input and output of pgQuery (the output mirrors node-postgres's ``Result``)."""

from __future__ import annotations

from rest_framework import serializers

MAX_QUERY_TEXT = 100_000
MAX_PARAMS = 1000


class PgQueryInput(serializers.Serializer):
    queryText = serializers.CharField(
        max_length=MAX_QUERY_TEXT,
        trim_whitespace=False,
        help_text="One SQL statement; parameters are $1, $2...",
    )
    queryParams = serializers.ListField(
        child=serializers.JSONField(allow_null=True),
        required=False,
        max_length=MAX_PARAMS,
        help_text="Values of $1, $2..., sent as text as node-postgres does.",
    )


class PgQueryFieldOutput(serializers.Serializer):
    name = serializers.CharField()
    tableID = serializers.IntegerField()
    columnID = serializers.IntegerField()
    dataTypeID = serializers.IntegerField(help_text="The PostgreSQL type OID.")
    dataTypeSize = serializers.IntegerField()
    dataTypeModifier = serializers.IntegerField()
    format = serializers.CharField()


class PgQueryOutput(serializers.Serializer):
    command = serializers.CharField(allow_null=True, help_text="The command tag's verb (SELECT, SHOW...).")
    rowCount = serializers.IntegerField(allow_null=True)
    oid = serializers.IntegerField(allow_null=True)
    rows = serializers.ListField(child=serializers.DictField(child=serializers.JSONField(allow_null=True)))
    fields = PgQueryFieldOutput(many=True)  # type: ignore[assignment]  # the wire name; DRF keeps it declared
