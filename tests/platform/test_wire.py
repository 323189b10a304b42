"""Wire strictness (docs/decisions.md): one set of rules in the shared parameter layer, the same on
every endpoint, and the schema saying exactly what they accept."""

from __future__ import annotations

import json
import uuid
from urllib.parse import quote

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer

from tests.conftest import ApiResponse, assert_envelope

pytestmark = pytest.mark.urls("tests.platform.urls")

HOST = "api.freejourney.ai"
# Digits that str.isdigit() (and int()) take but that are not ASCII.
ARABIC_INDIC_123 = "\u0661\u0662\u0663"
ARABIC_INDIC_1 = "\u0661"
ARABIC_INDIC_10 = "\u0661\u0660"
ARABIC_INDIC_1_5 = "\u0661.\u0665"
FULLWIDTH_123 = "\uff11\uff12\uff13"


def raw_get(path: str, query: str, *, session: str | None = None) -> ApiResponse:
    """A GET with ``query`` sent exactly as written (repeated keys, percent-encoded digits)."""
    headers = {"X-Session-ID": session} if session else {}
    response = Client(HTTP_HOST=HOST).get(f"{path}?{query}", headers=headers)
    return ApiResponse(response.status_code, json.loads(response.content), dict(response.headers), response)


def wire_get(**query) -> ApiResponse:
    return raw_get("/testWire", "&".join(f"{key}={quote(value)}" for key, value in query.items()))


def wire_post(body) -> ApiResponse:
    response = Client(HTTP_HOST=HOST).post("/testWire", json.dumps(body), content_type="application/json")
    return ApiResponse(response.status_code, json.loads(response.content), {}, response)


def rejected(response: ApiResponse, name: str, words: str = "") -> str:
    assert_envelope(response, 400)
    assert f"'{name}'" in response.error, response
    assert words in response.error, response
    return response.error


# --- numbers: ASCII digits in a query string, JSON numbers in a body ---------------------------


@pytest.mark.parametrize(
    "text", ["²", ARABIC_INDIC_123, ARABIC_INDIC_1, "1_0", " 5", "5 ", "+5", "5.0", "0x10"]
)
def test_a_number_in_a_query_string_is_ascii_digits_only(text):
    rejected(wire_get(number=text), "number", "integer")


def test_ascii_digits_with_a_sign_are_a_number():
    assert assert_envelope(wire_get(number="-5")).payload == {"number": -5}
    assert assert_envelope(wire_get(number="0012")).payload == {"number": 12}


@pytest.mark.parametrize("value", ["5", True, [5], {"n": 5}, 5.5])
def test_a_number_in_a_json_body_is_a_json_integer(value):
    rejected(wire_post({"number": value}), "number")


def test_a_json_integer_or_an_integral_float_is_a_number():
    assert assert_envelope(wire_post({"number": 7})).payload == {"number": 7}
    assert assert_envelope(wire_post({"number": 7.0})).payload == {"number": 7}


@pytest.mark.parametrize("text", [ARABIC_INDIC_1_5, "1,5", "nan", "inf", "1e"])
def test_a_decimal_number_in_a_query_string_is_ascii_too(text):
    rejected(wire_get(ratio=text), "ratio", "number")


def test_a_nan_in_a_json_body_is_not_a_number():
    response = Client(HTTP_HOST=HOST).post("/testWire", '{"ratio": NaN}', content_type="application/json")
    assert response.status_code == 400


@pytest.mark.parametrize("index", ["²", "¹²", ARABIC_INDIC_123, FULLWIDTH_123])
def test_unicode_digits_in_pagination_index_are_a_400_not_a_500_or_an_echo(owner, index):
    for path in ("/getLatestItems", "/getMyCreations", "/getTagsList"):
        response = raw_get(path, f"paginationIndex={quote(index)}", session=owner.session_id)
        rejected(response, "paginationIndex", "ASCII digits")


@pytest.mark.parametrize("name", ["limit", "skipCount"])
def test_unicode_digits_in_limit_and_skip_count_are_a_400(owner, name):
    response = raw_get("/getPublicCreations", f"{name}={quote(ARABIC_INDIC_10)}", session=owner.session_id)
    rejected(response, name, "integer")


# --- empty and repeated query values ------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/getLatestItems", "limit"),
        ("/getLatestItems", "paginationIndex"),
        ("/getLatestItems", "reversePagination"),
        ("/getPublicCreations", "userID"),
        ("/getPublicFolders", "userID"),
        ("/getMyCreations", "publicApprovalStatus"),
        ("/getSampleItems", "limit"),
        ("/getSelfFolders", "folderIDs"),
    ],
)
def test_an_empty_query_value_is_a_400_naming_it(owner, path, name):
    rejected(raw_get(path, f"{name}=", session=owner.session_id), name, "must not be empty")


def test_an_empty_value_is_kept_where_the_field_allows_blank_text():
    assert assert_envelope(wire_get(note="")).payload == {"note": ""}


def test_a_parameter_given_twice_is_a_400(owner):
    rejected(raw_get("/getLatestItems", "limit=1&limit=2", session=owner.session_id), "limit", "once")


def test_an_unknown_parameter_may_repeat(owner):
    assert_envelope(raw_get("/getLatestItems", "foo=1&foo=2&limit=1", session=owner.session_id))


# --- UUIDs: the canonical form only --------------------------------------------------------------


@pytest.mark.parametrize(
    "form",
    [
        lambda u: u.hex,
        lambda u: "{" + str(u) + "}",
        lambda u: f"urn:uuid:{u}",
        lambda u: f" {u}",
        lambda u: str(u.int),
    ],
)
def test_a_uuid_in_another_form_is_a_400(owner, form):
    value = form(uuid.uuid4())
    for path in ("/getPublicCreations", "/getPublicFolders"):
        rejected(raw_get(path, f"userID={quote(value)}", session=owner.session_id), "userID", "UUID")
    rejected(wire_post({"id": value}), "id", "UUID")


def test_a_uuid_as_a_json_number_is_a_400():
    rejected(wire_post({"id": uuid.uuid4().int}), "id", "UUID")


def test_the_canonical_form_in_either_case_is_a_uuid():
    value = uuid.uuid4()
    assert assert_envelope(wire_get(id=str(value).upper())).payload == {"id": str(value)}


def test_a_session_id_in_another_form_is_a_400():
    response = Client(HTTP_HOST=HOST).get("/getSelfUser", headers={"X-Session-ID": uuid.uuid4().hex})
    assert response.status_code == 400 and "X-Session-ID" in response.json()["errorMessage"]


# --- text, booleans, lists -------------------------------------------------------------------------


@pytest.mark.parametrize("value", [123456, 1.5, True, ["a"], {"a": 1}])
def test_a_text_parameter_takes_only_a_json_string(value):
    rejected(wire_post({"text": value}), "text", "must be a string")
    rejected(wire_post({"kind": value}), "kind", "must be a string")


def test_a_folder_description_sent_as_a_number_is_refused_like_an_otp(owner, api):
    response = api.post("/createSelfFolder", persona=owner, name="Trips", description=123)
    rejected(response, "description", "must be a string")
    response = api.post("/authenticateUser", persona=owner, email="someone@example.com", otp=123456)
    rejected(response, "otp", "must be a string")


def test_a_text_longer_than_its_maximum_is_refused_even_if_trimming_would_make_it_fit(api, owner):
    rejected(wire_post({"text": " " * 15 + "x" * 10}), "text", "at most 20")
    rejected(api.post("/createSelfFolder", persona=owner, name="\r" + "n" * 200), "name", "at most 200")
    assert assert_envelope(wire_post({"text": "  padded  "})).payload == {"text": "padded"}


@pytest.mark.parametrize("text", ["yes", "no", "on", "TRUE", "False", "2", ""])
def test_a_boolean_in_a_query_string_is_true_false_1_or_0(text):
    rejected(wire_get(flag=text), "flag")
    rejected(wire_get(plain=text), "plain")


@pytest.mark.parametrize(("text", "value"), [("true", True), ("false", False), ("1", True), ("0", False)])
def test_the_four_boolean_texts(text, value):
    assert assert_envelope(wire_get(flag=text, plain=text)).payload == {"flag": value, "plain": value}


def test_a_boolean_in_a_json_body_is_one_of_the_four_as_json_or_as_text():
    assert assert_envelope(wire_post({"flag": True, "plain": 0})).payload == {"flag": True, "plain": False}
    assert assert_envelope(wire_post({"flag": "false", "plain": "1"})).payload == {
        "flag": False,
        "plain": True,
    }
    for value in ("yes", 2, "TRUE", [True], None):
        rejected(wire_post({"flag": value}), "flag")
        rejected(wire_post({"plain": value}), "plain")


@pytest.mark.parametrize("value", [[1, 2], ["a", ""], [["a"]], {"a": "b"}, 3])
def test_a_json_list_holds_non_empty_strings_only(value):
    rejected(wire_post({"words": value}), "words")


def test_a_comma_separated_list_is_trimmed_of_spaces():
    assert assert_envelope(wire_get(words=" a , b c,")).payload == {"words": ["a", "b c"]}


def test_limit_sent_as_an_array_or_an_object_is_a_400(owner):
    rejected(raw_get("/getLatestItems", "limit=1&limit=5", session=owner.session_id), "limit")
    for shape in ([5], {"limit": 5}):
        rejected(wire_post({"number": shape}), "number")


def test_a_form_encoded_body_is_a_415_on_a_json_endpoint(owner):
    response = Client(HTTP_HOST=HOST).post(
        "/createSelfFolder",
        "name=Trips",
        content_type="application/x-www-form-urlencoded",
        headers={"X-Session-ID": owner.session_id},
    )
    assert response.status_code == 415 and response.json()["hasError"] is True


def test_an_unreadable_abuse_level_reads_as_none_instead_of_a_500(api, admin, make_user):
    target = make_user("target@example.com")
    for value in ("²", ARABIC_INDIC_1, "1_0"):
        response = assert_envelope(
            api.post("/setUserAbuseLevel", persona=admin, userID=target.id, abuse=value)
        )
        assert response.payload["abuse"] == 0


# --- undeclared methods: 405 before authentication ------------------------------------------------


@pytest.mark.parametrize("method", ["TRACE", "PATCH", "PUT"])
@pytest.mark.parametrize("path", ["/getItems", "/restoreItems", "/setUserAbuseLevel", "/testAdminOnly"])
def test_an_undeclared_method_on_an_admin_endpoint_is_a_405_without_a_key(method, path):
    response = Client(HTTP_HOST=HOST).generic(method, path)
    assert response.status_code == 405, response.content
    body = response.json()
    assert body["hasError"] is True and body["payload"] is None and method in body["errorMessage"]
    assert response.headers["Allow"]


def test_an_undeclared_method_is_a_405_before_the_session_header_is_asked_for():
    response = Client(HTTP_HOST=HOST).generic("PATCH", "/getSelfUser")
    assert response.status_code == 405


def test_a_declared_method_still_checks_the_key_first():
    assert (
        Client(HTTP_HOST=HOST).get("/getItems", headers={"X-Session-ID": str(uuid.uuid4())}).status_code
        == 403
    )


# --- the schema says what the server accepts ------------------------------------------------------


@pytest.fixture(scope="module")
def openapi():
    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


def _operations(openapi):
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_no_query_parameter_is_an_array_or_an_object(openapi):
    for path, method, operation in _operations(openapi):
        for parameter in operation.get("parameters", []):
            schema = parameter["schema"]
            types = {schema.get("type")} | {branch.get("type") for branch in schema.get("oneOf", [])}
            assert not types & {"array", "object"}, (path, method, parameter)


def test_request_bodies_are_json_except_the_oauth_form_post(openapi):
    for path, method, operation in _operations(openapi):
        content = operation.get("requestBody", {}).get("content", {})
        allowed = {"application/json"}
        if path == "/auth/{loginProvider}":
            allowed.add("application/x-www-form-urlencoded")
        if path == "/uploadFile":  # the reference: multipart/form-data with the file
            allowed = {"multipart/form-data"}
        assert set(content) <= allowed, (path, method, set(content))


def test_the_schema_documents_the_pagination_index_and_the_text_form_of_lists(openapi):
    parameters = {p["name"]: p["schema"] for p in openapi["paths"]["/getSelfFolders"]["get"]["parameters"]}
    assert parameters["paginationIndex"]["pattern"] == "^[0-9]{1,60}$"
    assert parameters["folderIDs"]["type"] == "string" and "pattern" in parameters["folderIDs"]
    assert parameters["folderIDs"]["minLength"] == 1
    delete = {p["name"]: p["schema"] for p in openapi["paths"]["/deleteItems"]["delete"]["parameters"]}
    assert delete["userID"]["pattern"].startswith("^[0-9a-fA-F]{8}-")


def test_every_text_field_of_a_request_body_carries_a_pattern(openapi):
    for name, component in openapi["components"]["schemas"].items():
        if not name.endswith("Request"):
            continue
        for field, schema in component.get("properties", {}).items():
            branches = schema.get("oneOf", [schema])
            for branch in branches:
                if branch.get("type") == "string" and branch.get("maxLength") != 0 and "enum" not in branch:
                    assert "pattern" in branch or "format" in branch, (name, field, branch)


def test_a_list_that_needs_an_item_says_so_in_both_forms(openapi):
    import re

    image_ids = openapi["components"]["schemas"]["ImageIdsInputRequest"]["properties"]["imageIDs"]["oneOf"]
    array, text = image_ids
    assert array["minItems"] == 1
    assert not re.match(text["pattern"], "") and not re.match(text["pattern"], " , ,")
    assert re.match(text["pattern"], f", {uuid.uuid4()} ,")


@pytest.mark.parametrize("value", [[], "", " , "])
def test_an_empty_list_where_one_item_is_needed_is_a_400(api, owner, value):
    rejected(api.post("/likeItems", persona=owner, imageIDs=value), "imageIDs", "at least one")


def test_a_too_long_request_line_and_the_admin_key_are_documented(openapi):
    for path, method, operation in _operations(openapi):
        if any(p["in"] == "query" for p in operation.get("parameters", [])):
            assert "414" in operation["responses"], (path, method)
        for parameter in operation.get("parameters", []):
            if parameter["name"] == "X-Administration-Key":
                assert parameter["schema"]["maxLength"] <= 8190


def test_an_empty_session_header_starts_a_session_where_a_missing_one_does():
    response = Client(HTTP_HOST=HOST).get("/getSelfUser", headers={"X-Session-ID": ""})
    assert response.status_code == 200 and uuid.UUID(response.json()["payload"]["sessionID"])
    response = Client(HTTP_HOST=HOST).get(
        "/getItem", {"imageID": str(uuid.uuid4())}, headers={"X-Session-ID": ""}
    )
    assert response.status_code == 400 and "X-Session-ID" in response.json()["errorMessage"]


def test_an_empty_admin_key_header_is_no_key():
    response = Client(HTTP_HOST=HOST).get(
        "/testAdminOptional", headers={"X-Session-ID": str(uuid.uuid4()), "X-Administration-Key": ""}
    )
    assert response.status_code == 200 and response.json()["payload"] == {"isAdmin": False}
