"""setSelfFolderProperties / setPublicFolderProperties, and the folder id forms every folder endpoint checks."""

from __future__ import annotations

import uuid

import pytest

from library.models import Folder
from tests.library.conftest_folders import KINDS, PRIVATE, PUBLIC, make_folder, when, wire_id
from tests.support.assertions import assert_envelope

SET = "set{kind}FolderProperties"


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_renaming_changes_the_name_and_the_updated_date_only(api, owner, kind):
    folder = make_folder(owner, is_public=kind.is_public, name="old", description="keep")
    before = api.get(kind.op("get{kind}Folders"), persona=owner, userID=owner.id).payload[0]
    resp = assert_envelope(api.post(kind.op(SET), persona=owner, folderID=wire_id(folder), folderName="new"))
    assert resp.payload["name"] == "new" and resp.payload["description"] == "keep"
    assert resp.payload["createdDate"] == before["createdDate"]
    assert when(resp.payload["updatedDate"]) > when(before["updatedDate"])
    folder.refresh_from_db()
    assert folder.name == "new"


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_an_empty_description_clears_it_and_keeps_the_name(api, owner, kind):
    folder = make_folder(owner, is_public=kind.is_public, name="n", description="text")
    resp = api.post(kind.op(SET), persona=owner, folderID=wire_id(folder), folderDescription="")
    assert assert_envelope(resp).payload["description"] == "" and resp.payload["name"] == "n"


def test_both_properties_change_in_one_call(api, owner):
    folder = make_folder(owner)
    resp = api.post(
        "/setSelfFolderProperties",
        persona=owner,
        body={"folderID": str(folder.id), "folderName": "N", "folderDescription": "D"},
    )
    assert (resp.payload["name"], resp.payload["description"]) == ("N", "D")


@pytest.mark.parametrize(
    "body, parameter",
    [
        ({}, "folderName"),
        ({"folderName": ""}, "folderName"),
        ({"folderName": "x" * 201}, "folderName"),
        ({"folderDescription": "x" * 5001}, "folderDescription"),
    ],
)
def test_it_needs_at_least_one_valid_property(api, owner, body, parameter):
    folder = make_folder(owner, name="same")
    resp = assert_envelope(
        api.post("/setSelfFolderProperties", persona=owner, body={"folderID": str(folder.id), **body}), 400
    )
    assert f"'{parameter}'" in resp.error
    folder.refresh_from_db()
    assert folder.name == "same"


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_another_users_folder_is_a_404_for_them_for_a_guest_and_for_an_admin(
    api, owner, other_user, guest, admin, kind
):
    folder = make_folder(owner, is_public=kind.is_public, name="mine")
    for persona in (other_user, guest, admin):
        resp = api.post(kind.op(SET), persona=persona, folderID=wire_id(folder), folderName="taken")
        assert_envelope(resp, 404)
    folder.refresh_from_db()
    assert folder.name == "mine"


def test_an_unknown_folder_is_a_404(api, owner):
    assert_envelope(
        api.post("/setSelfFolderProperties", persona=owner, folderID=str(uuid.uuid4()), folderName="x"), 404
    )
    assert_envelope(
        api.post("/setPublicFolderProperties", persona=owner, folderID=f"p-{uuid.uuid4()}", folderName="x"),
        404,
    )


@pytest.mark.parametrize(
    "kind, value",
    [
        (PRIVATE, "p-{id}"),  # a public id on a private endpoint
        (PUBLIC, "{id}"),  # a bare UUID on a public endpoint
        (PRIVATE, "not-a-uuid"),
        (PUBLIC, "p-not-a-uuid"),
        (PUBLIC, "q-{id}"),
        (PRIVATE, "{hex}"),  # UUIDs only in their canonical dashed form
    ],
)
def test_an_id_of_the_wrong_form_is_a_400_naming_folder_id(api, owner, kind, value):
    folder = make_folder(owner, is_public=not kind.is_public)
    raw = value.format(id=folder.id, hex=folder.id.hex)
    resp = assert_envelope(api.post(kind.op(SET), persona=owner, folderID=raw, folderName="x"), 400)
    assert "'folderID'" in resp.error


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_a_well_formed_id_of_a_folder_of_the_other_kind_is_a_404(api, owner, kind):
    other_kind = make_folder(owner, is_public=not kind.is_public, name="kept")
    raw = f"p-{other_kind.id}" if kind.is_public else str(other_kind.id)
    assert_envelope(api.post(kind.op(SET), persona=owner, folderID=raw, folderName="x"), 404)
    assert Folder.objects.get().name == "kept"


def test_the_folder_id_is_required(api, owner):
    resp = assert_envelope(api.post("/setSelfFolderProperties", persona=owner, folderName="x"), 400)
    assert "'folderID'" in resp.error
