"""The accounts' admin endpoints fuzzed *with* a valid administration key.

``tests/test_schemathesis.py`` fuzzes every operation without a key, so the
admin-only endpoints there only ever answer their 403. Here the same schema
is fuzzed with an Admin's key (and a target user that exists), so the admin
code paths see generated input too: never a 5xx, only documented statuses,
bodies matching the schema. Half of the generated cases are pointed at the
existing user (its email or id replaces the generated lookup), so the
generated values (levels, notes, flags) reach the services and the database.

More examples: ``AIMG_FUZZ_EXAMPLES=200 pytest -m schemathesis tests/accounts/test_admin_fuzz.py``.
"""

from __future__ import annotations

import os
import uuid

import pytest
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from accounts.admin_keys.services import admin_key_create
from accounts.models import User
from accounts.sessions.services import session_rotate
from tests.test_schemathesis import CHECKS, schema

ADMIN_OPERATIONS = [
    "setProfilePictureBanned",
    "setUserAdditionalInformation",
    "setUserAbuseLevel",
    "getUser",
    "deleteUser",
]


@pytest.fixture
def admin_headers(db):
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    target = User.objects.create_user(email="target@example.com", username="target")
    row, raw_key = admin_key_create(email=f"fuzz-admin-{uuid.uuid4().hex[:8]}@example.com", name="fuzz")
    key, _ = session_rotate(old_key=None, user=row.user)
    yield target, {"X-Session-ID": str(key), "X-Administration-Key": raw_key, "Host": "localhost"}
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.schemathesis
@schema.include(operation_id=ADMIN_OPERATIONS).parametrize()
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
def test_admin_endpoints_survive_generated_input_with_a_valid_key(case, admin_headers):
    target, headers = admin_headers
    aim = len(repr(case.body)) + len(repr(case.query)) if case.body is not None else len(repr(case.query))
    if aim % 2 == 0:
        if isinstance(case.body, dict):
            case.body.pop("userID", None)
            case.body["email"] = target.email
        elif isinstance(case.query, dict):
            for name in ("email", "username"):
                case.query.pop(name, None)
            case.query["userID"] = str(target.pk)
    case.call_and_validate(headers=headers, checks=CHECKS)
