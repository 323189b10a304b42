"""createSelfFolder / createPublicFolder."""

from __future__ import annotations

import uuid

import pytest

from aimg_site.core.scoping import domain_context
from library.models import Folder
from tests.library.conftest_folders import KINDS
from tests.support.assertions import assert_envelope
from tests.support.client import ApiClient
from tests.support.factories.accounts import UserFactory, signed_in

FOLDER_KEYS = {
    "id",
    "name",
    "description",
    "userID",
    "isPublic",
    "imageCount",
    "sampleImages",
    "thumbnails",
    "createdDate",
    "updatedDate",
    "tags",
}


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_it_creates_an_empty_folder_of_the_endpoints_kind_owned_by_the_caller(api, owner, kind):
    resp = assert_envelope(
        api.post(kind.op("create{kind}Folder"), persona=owner, name="Foxes", description="red")
    )
    folder = resp.payload
    assert set(folder) == FOLDER_KEYS
    row = Folder.objects.get()
    assert row.owner_id == owner.user.id and row.is_public is kind.is_public
    assert folder["id"] == (f"p-{row.id}" if kind.is_public else str(row.id))
    assert folder["name"] == "Foxes" and folder["description"] == "red"
    assert folder["userID"] == owner.id and folder["isPublic"] is kind.is_public
    assert folder["imageCount"] == 0
    assert folder["sampleImages"] == [] and folder["thumbnails"] == [] and folder["tags"] == []
    assert folder["createdDate"] == folder["updatedDate"]
    assert folder["createdDate"].endswith("Z")


def test_a_private_folder_id_is_a_bare_uuid_and_a_public_one_is_p_dash_uuid(api, owner):
    private = api.post("/createSelfFolder", persona=owner, name="a").payload["id"]
    public = api.post("/createPublicFolder", persona=owner, name="b").payload["id"]
    assert str(uuid.UUID(private)) == private
    assert public.startswith("p-") and str(uuid.UUID(public[2:])) == public[2:]


def test_the_description_is_optional_and_defaults_to_empty(api, owner):
    resp = assert_envelope(api.post("/createSelfFolder", persona=owner, name="plain"))
    assert resp.payload["description"] == ""


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_a_guest_session_creates_a_folder_under_a_guest_user_and_lists_it(api, guest, kind):
    resp = assert_envelope(api.post(kind.op("create{kind}Folder"), persona=guest, name="mine"))
    row = Folder.objects.get()
    assert row.owner.is_guest
    assert resp.payload["userID"] == str(row.owner_id)
    listing = api.get(kind.op("get{kind}Folders"), persona=guest, userID=str(row.owner_id))
    assert [f["id"] for f in assert_envelope(listing).payload] == [resp.payload["id"]]


def test_an_admin_creates_an_ordinary_folder_of_their_own(api, admin):
    resp = assert_envelope(api.post("/createSelfFolder", persona=admin, name="staff"))
    assert resp.payload["userID"] == admin.id


@pytest.mark.parametrize(
    "body, parameter",
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": 5 * [1]}, "name"),
        ({"name": "ok", "description": "d" * 5001}, "description"),
    ],
)
@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_it_rejects_a_bad_name_or_description_naming_the_parameter(api, owner, kind, body, parameter):
    resp = assert_envelope(api.post(kind.op("create{kind}Folder"), persona=owner, body=body), 400)
    assert f"'{parameter}'" in resp.error
    assert not Folder.objects.exists()


def test_it_keeps_the_name_trimmed_and_allows_two_folders_with_one_name(api, owner):
    first = api.post("/createSelfFolder", persona=owner, name="  Trip  ").payload
    second = api.post("/createSelfFolder", persona=owner, name="Trip").payload
    assert first["name"] == second["name"] == "Trip" and first["id"] != second["id"]


def test_it_needs_a_session_header(api):
    resp = assert_envelope(api.post("/createSelfFolder", name="x"), 400)
    assert "X-Session-ID" in resp.error


def test_get_is_not_allowed_on_a_create_endpoint(api, owner):
    assert_envelope(api.get("/createPublicFolder", persona=owner, name="x"), 405)


def test_folders_belong_to_the_domain_they_were_created_in(api, owner, other_domain):
    with domain_context(other_domain):
        there = signed_in(UserFactory(email="owner@example.com"))
    created = assert_envelope(ApiClient("api.sexy.ai").post("/createPublicFolder", persona=there, name="x"))
    assert Folder.all_domains.get(id=created.payload["id"][2:]).domain_id == other_domain.id
    assert not Folder.objects.exists()  # nothing in freejourney.ai
    assert assert_envelope(api.get("/getPublicFolders", persona=owner, userID=owner.id)).payload == []
