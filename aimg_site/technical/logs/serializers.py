"""Input of ingestLogs: the LogEntry type, bounded."""

from __future__ import annotations

import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

#: At most this many entries per call.
MAX_ENTRIES = 100
MAX_MESSAGE = 10_000
MAX_STACK = 20_000
MAX_SHORT = 200
MAX_URL = 2_000
#: Epoch milliseconds up to the year 2999 (a JavaScript Date is far wider; no log line needs it).
MAX_TIMESTAMP_MS = 32_503_680_000_000

#: ``FrontEnd/<client>/<domain display name>/<environment>``: four segments of plain characters.
SERVICE_NAME_PATTERN = r"^FrontEnd/[A-Za-z0-9._-]{1,64}/[A-Za-z0-9 ._-]{1,64}/[A-Za-z0-9._-]{1,32}$"
SERVICE_NAME_RE = re.compile(SERVICE_NAME_PATTERN)


class _Text(serializers.CharField):
    """Text that must be a JSON string (entries are nested: the shared wire rules see only the top)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError("must be a string")
        return super().to_internal_value(data)


class _Epoch(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            raise serializers.ValidationError("must be an integer (UNIX epoch milliseconds)")
        return super().to_internal_value(data)


class _Choice(serializers.ChoiceField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError("must be a string")
        return super().to_internal_value(data)


class LogEntryInput(serializers.Serializer):
    timestamp = _Epoch(
        required=False, min_value=0, max_value=MAX_TIMESTAMP_MS, help_text="UNIX epoch, in milliseconds."
    )
    message = _Text(max_length=MAX_MESSAGE, trim_whitespace=False)
    level = _Choice(choices=["info", "warn", "error"], required=False, default="info")
    apiSubscope = _Text(required=False, max_length=MAX_SHORT)
    httpMethod = _Choice(choices=["GET", "POST", "PUT", "PATCH", "DELETE"], required=False)
    httpPath = _Text(required=False, max_length=MAX_URL)
    httpUrl = _Text(required=False, max_length=MAX_URL)
    errorName = _Text(required=False, max_length=MAX_SHORT)
    errorMessage = _Text(required=False, max_length=MAX_MESSAGE, trim_whitespace=False)
    errorStack = _Text(required=False, max_length=MAX_STACK, trim_whitespace=False)

    class Meta:
        ref_name = "LogEntry"


@extend_schema_field({"type": "string", "pattern": SERVICE_NAME_PATTERN, "maxLength": 200})
class _ServiceName(serializers.RegexField):
    pass


class IngestLogsInput(serializers.Serializer):
    serviceName = _ServiceName(
        SERVICE_NAME_PATTERN,
        required=False,
        max_length=200,
        help_text=(
            "Defaults to FrontEnd/Client/{DomainDisplayName}/{EnvironmentIdentifier}; when given, four "
            "'/'-separated segments: 'FrontEnd', then letters, digits, '.', '_', '-' (and spaces in the third)."
        ),
        error_messages={
            "invalid": "must look like FrontEnd/Client/{DomainDisplayName}/{EnvironmentIdentifier}"
        },
    )
    logs = serializers.ListField(
        child=LogEntryInput(), min_length=1, max_length=MAX_ENTRIES, help_text="1 to 100 entries."
    )

    def validate_serviceName(self, value: str) -> str:
        if not SERVICE_NAME_RE.fullmatch(value):  # the pattern's "$" would let a final newline through
            raise serializers.ValidationError(
                "must look like FrontEnd/Client/{DomainDisplayName}/{EnvironmentIdentifier}"
            )
        return value


class IngestLogsOutput(serializers.Serializer):
    success = serializers.BooleanField()
