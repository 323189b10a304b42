"""The OpenAPI schema validates, has no warnings, and wraps every response in the envelope."""

import io
import json

import pytest
from django.core.management import call_command


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    out = io.StringIO()
    with django_db_blocker.unblock():
        call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", stdout=out)
    return json.loads(out.getvalue())


def test_the_schema_validates_without_warnings(schema):
    assert schema["openapi"].startswith("3.")
    assert "/health" in schema["paths"]


def test_every_operation_has_its_documented_name_and_an_envelope(schema):
    components = schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("operationId"), (path, method)
            for status, response in operation["responses"].items():
                if not status.startswith("2"):
                    continue
                content = response.get("content", {}).get("application/json")
                if content is None:
                    continue
                ref = content["schema"]["$ref"].rsplit("/", 1)[-1]
                assert {"hasError", "payload"} <= set(components[ref]["properties"]), (path, method, ref)


def test_every_error_response_is_the_error_envelope(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    assert response["content"]["application/json"]["schema"]["$ref"].endswith(
                        "/ErrorEnvelope"
                    ), (path, method, status)


def test_the_schema_and_docs_are_served(client):
    response = client.get("/api/schema/", HTTP_HOST="api.freejourney.ai")
    assert response.status_code == 200
    response = client.get("/api/docs/", HTTP_HOST="api.freejourney.ai")
    assert response.status_code == 200 and b"swagger" in response.content.lower()
