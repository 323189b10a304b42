"""Input of ingestLogs: the LogEntry type, bounded."""

from __future__ import annotations

import re

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


class LogEntryInput(serializers.Serializer):
    timestamp = serializers.IntegerField(
        required=False, min_value=0, max_value=MAX_TIMESTAMP_MS, help_text="UNIX epoch, in milliseconds."
    )
    message = serializers.CharField(max_length=MAX_MESSAGE, trim_whitespace=False)
    level = serializers.ChoiceField(choices=["info", "warn", "error"], required=False, default="info")
    apiSubscope = serializers.CharField(required=False, max_length=MAX_SHORT)
    httpMethod = serializers.ChoiceField(choices=["GET", "POST", "PUT", "PATCH", "DELETE"], required=False)
    httpPath = serializers.CharField(required=False, max_length=MAX_URL)
    httpUrl = serializers.CharField(required=False, max_length=MAX_URL)
    errorName = serializers.CharField(required=False, max_length=MAX_SHORT)
    errorMessage = serializers.CharField(required=False, max_length=MAX_MESSAGE, trim_whitespace=False)
    errorStack = serializers.CharField(required=False, max_length=MAX_STACK, trim_whitespace=False)

    class Meta:
        ref_name = "LogEntry"


class IngestLogsInput(serializers.Serializer):
    serviceName = serializers.RegexField(
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
    logs = LogEntryInput(many=True, allow_empty=False, max_length=MAX_ENTRIES)


class IngestLogsOutput(serializers.Serializer):
    success = serializers.BooleanField()
