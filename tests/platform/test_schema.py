"""The OpenAPI schema validates, has no warnings, and wraps every response in the envelope."""

import io
import json
import re

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
            if operation.get("x-aimg-not-enveloped"):
                continue  # answers an outside service's own format (the Civitai details link)
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


def test_the_two_headers_are_api_key_security_schemes(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["SessionID"] | {"description": ""} == {
        "type": "apiKey",
        "in": "header",
        "name": "X-Session-ID",
        "description": "",
    }
    assert (schemes["AdministrationKey"]["type"], schemes["AdministrationKey"]["in"]) == ("apiKey", "header")
    assert schemes["AdministrationKey"]["name"] == "X-Administration-Key"


def test_no_operation_asks_for_the_headers_as_parameters_so_authorize_once_is_enough(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            required_headers = [
                p["name"]
                for p in operation.get("parameters", [])
                if p["in"] == "header" and p.get("required")
            ]
            assert required_headers == [], (path, method)


def _operation(schema, operation_id):
    for operations in schema["paths"].values():
        for operation in operations.values():
            if operation["operationId"] == operation_id:
                return operation
    raise AssertionError(operation_id)


@pytest.mark.parametrize(
    ("operation_id", "security"),
    [
        ("getUserKVP", [{"SessionID": []}]),  # session required
        ("getSelfUser", [{"SessionID": []}, {}]),  # a session is created when missing
        ("health", None),  # no credentials
        ("setUserAbuseLevel", [{"SessionID": [], "AdministrationKey": []}]),  # admin required
        ("getUser", [{"SessionID": [], "AdministrationKey": []}, {"SessionID": []}]),  # admin optional
        ("authLoginProvider", [{"SessionID": []}, {}]),  # a session is created when missing
    ],
)
def test_each_operation_lists_the_security_its_policies_need(schema, operation_id, security):
    assert _operation(schema, operation_id).get("security") == security


def test_the_security_follows_the_policies_of_every_view():
    from aimg_site.api.authentication import AdminPolicy, SessionPolicy
    from aimg_site.api.schema import security_requirements

    assert security_requirements(SessionPolicy.NONE, AdminPolicy.NONE) == []
    assert security_requirements(SessionPolicy.CREATE, AdminPolicy.OPTIONAL) == [
        {"SessionID": [], "AdministrationKey": []},
        {"SessionID": []},
        {"AdministrationKey": []},
        {},
    ]
    assert security_requirements(SessionPolicy.NONE, AdminPolicy.REQUIRED) == [{"AdministrationKey": []}]


def test_the_schema_answers_json_when_asked_with_format_json(client):
    response = client.get("/api/schema/?format=json", HTTP_HOST="api.freejourney.ai")
    assert response.status_code == 200
    assert "json" in response.headers["Content-Type"]
    assert json.loads(response.content)["openapi"].startswith("3.")
    yaml_response = client.get("/api/schema/", HTTP_HOST="api.freejourney.ai")
    assert yaml_response.content.startswith(b"openapi: 3.")


@pytest.mark.parametrize("debug", [False, True])
def test_the_docs_load_swagger_ui_from_the_pinned_package_not_a_cdn(client, settings, debug):
    settings.DEBUG = debug
    page = client.get("/api/docs/", HTTP_HOST="api.freejourney.ai").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets and all(a.startswith("/static/drf_spectacular_sidecar/swagger-ui-dist/") for a in assets)
    for asset in assets:
        response = client.get(asset, HTTP_HOST="api.freejourney.ai")
        assert response.status_code == 200, asset
        assert b"".join(response.streaming_content)


def test_the_asset_route_serves_nothing_outside_the_package(client):
    for path in ("../../settings.py", "%2e%2e/%2e%2e/settings.py", "swagger-ui-dist/../../../__init__.py"):
        response = client.get(f"/static/drf_spectacular_sidecar/{path}", HTTP_HOST="api.freejourney.ai")
        assert response.status_code == 404, path
