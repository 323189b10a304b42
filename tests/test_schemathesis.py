"""Schemathesis fuzzes every operation of the OpenAPI schema through the WSGI app.

Checks: no 5xx, every status documented, every body matching its schema. It
runs with a valid, signed-in X-Session-ID (so endpoints get past the
session check) and without an admin key (admin-only endpoints must answer
their documented 403). Every endpoint added later is fuzzed automatically.

More examples per operation: ``AIMG_FUZZ_EXAMPLES=300 pytest -m schemathesis -k <operationId>``.

Known traps (schemathesis 4.x): the schema is loaded at module level (not
through ``schemathesis.pytest.from_fixture``), and Django's
``close_old_connections`` is disconnected from the request signals, as
Django's own test client does, so requests stay inside the test transaction.
"""

from __future__ import annotations

import json
import os
import uuid

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from accounts.models import User
from accounts.sessions import session_rotate


def _load_schema():
    raw = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(raw)))
    loaded.app = get_wsgi_application()
    return loaded


schema = _load_schema()

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture
def signed_in_session(db):
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    user = User.objects.create_user(email=f"fuzz-{uuid.uuid4().hex[:8]}@example.com", username="fuzzer")
    key, _ = session_rotate(old_key=None, user=user)
    yield str(key)
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.schemathesis
@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("AIMG_FUZZ_EXAMPLES", "25")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_every_endpoint_survives_generated_input(case, signed_in_session):
    case.call_and_validate(headers={"X-Session-ID": signed_in_session, "Host": "localhost"}, checks=CHECKS)
