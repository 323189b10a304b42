"""Schemathesis fuzzes every operation of the OpenAPI schema through the WSGI app.

Checks: no 5xx, every status documented, every body matching its schema. It
runs twice: with a valid, signed-in X-Session-ID and no admin key (so
endpoints get past the session check, and admin-only endpoints must answer
their documented 403), and again with a valid X-Administration-Key (admin
paths fuzzed past the key check). Every endpoint added later is fuzzed
automatically.

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

from accounts.admin_keys.services import admin_key_create
from accounts.models import User
from accounts.sessions.services import session_rotate


def _load_schema():
    raw = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(raw)))
    loaded.app = get_wsgi_application()
    return loaded


schema = _load_schema()

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture
def _requests_in_test_transaction(db):
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def signed_in_session(_requests_in_test_transaction):
    user = User.objects.create_user(email=f"fuzz-{uuid.uuid4().hex[:8]}@example.com", username="fuzzer")
    key, _ = session_rotate(old_key=None, user=user)
    return str(key)


@pytest.fixture
def admin_headers(signed_in_session):
    _key, raw = admin_key_create(email="fuzz-admin@example.com")
    return {"X-Session-ID": signed_in_session, "X-Administration-Key": raw, "Host": "localhost"}


FUZZ_SETTINGS = settings(
    max_examples=int(os.environ.get("AIMG_FUZZ_EXAMPLES", "25")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)


@pytest.mark.schemathesis
@schema.parametrize()
@FUZZ_SETTINGS
def test_every_endpoint_survives_generated_input(case, signed_in_session):
    case.call_and_validate(headers={"X-Session-ID": signed_in_session, "Host": "localhost"}, checks=CHECKS)


@pytest.mark.schemathesis
@schema.parametrize()
@FUZZ_SETTINGS
def test_every_endpoint_survives_generated_input_from_an_admin(case, admin_headers):
    """The same with a valid X-Administration-Key, so admin-only paths are fuzzed past their 403."""
    case.call_and_validate(headers=admin_headers, checks=CHECKS)
