"""One rule for folder ids on the wire (``library.folders.ids``), whichever endpoint reads them.

The rule: an optional ``p-`` prefix in either case (a public folder), then a
canonical hyphenated UUID with hex digits in either case; nothing else.
getMyCreations, getPublicCreations, setTagsForItem, moveItemsBetweenFolders
and the folder endpoints accept and refuse exactly the same forms.
"""

from __future__ import annotations

import uuid

import pytest

from library.folders.ids import FolderRef, folder_ref_parse, folder_wire_id
from library.models import ApprovalStatus
from tests.library.conftest_folders import make_folder, make_item, wire_id
from tests.support.assertions import assert_envelope

U = uuid.UUID("0b6f6a3e-2c4d-4e5f-8a9b-1c2d3e4f5a6b")

#: A well-formed id of the other kind of folder: endpoints taking either kind look for a folder of
#: that kind (404), endpoints taking one kind refuse it (400).
OTHER_KIND = "other kind"

#: Forms of a public folder's id (``{id}``: its canonical UUID): accepted, refused, or OTHER_KIND.
PUBLIC_FORMS = [
    ("p-{id}", True),
    ("P-{id}", True),
    ("p-{upper}", True),
    ("P-{upper}", True),
    ("{id}", OTHER_KIND),  # a bare UUID names a private folder
    ("p-{hex}", False),  # 32 digits without hyphens
    ("p-{{{id}}}", False),  # braces
    ("p-urn:uuid:{id}", False),
    ("urn:uuid:p-{id}", False),
    (" p-{id}", False),
    ("p-{id} ", False),
    ("p- {id}", False),
    ("p_{id}", False),
    ("pp-{id}", False),
    ("p-{id}0", False),
    ("p-", False),
]

#: Forms of a private folder's id.
PRIVATE_FORMS = [
    ("{id}", True),
    ("{upper}", True),
    ("p-{id}", OTHER_KIND),  # names a public folder
    ("P-{id}", OTHER_KIND),
    ("{hex}", False),
    ("{{{id}}}", False),
    ("urn:uuid:{id}", False),
    (" {id}", False),
    ("{id} ", False),
    ("{id}\n", False),
]


def _form(template: str, folder_id: uuid.UUID) -> str:
    return template.format(id=folder_id, upper=str(folder_id).upper(), hex=folder_id.hex)


FORMS = [(True, *form) for form in PUBLIC_FORMS] + [(False, *form) for form in PRIVATE_FORMS]


@pytest.mark.parametrize(("is_public", "template", "accepted"), FORMS)
def test_the_parser_accepts_exactly_the_rules_forms(is_public, template, accepted):
    value = _form(template, U)
    if accepted is True:
        assert folder_ref_parse(value, is_public=is_public) == FolderRef(id=U, is_public=is_public)
        assert folder_ref_parse(value) == FolderRef(id=U, is_public=is_public)
    elif accepted is OTHER_KIND:
        with pytest.raises(ValueError):
            folder_ref_parse(value, is_public=is_public)
        assert folder_ref_parse(value) == FolderRef(id=U, is_public=not is_public)
    else:
        for kind in (is_public, None):
            with pytest.raises(ValueError):
                folder_ref_parse(value, is_public=kind)


@pytest.mark.parametrize("value", [None, 42, ["p-" + str(U)], {"id": str(U)}, "", "root"])
def test_the_parser_refuses_what_is_not_a_string_id(value):
    with pytest.raises(ValueError):
        folder_ref_parse(value)


def test_the_kind_asked_for_must_match_the_form():
    assert folder_ref_parse(f"P-{U}", is_public=True) == FolderRef(id=U, is_public=True)
    assert folder_ref_parse(str(U), is_public=False) == FolderRef(id=U, is_public=False)
    with pytest.raises(ValueError):
        folder_ref_parse(f"p-{U}", is_public=False)
    with pytest.raises(ValueError):
        folder_ref_parse(str(U), is_public=True)


@pytest.mark.parametrize("is_public", [False, True])
def test_rendering_gives_the_canonical_form_that_parses_back(is_public):
    rendered = folder_wire_id(U, is_public=is_public)
    assert rendered == (f"p-{U}" if is_public else str(U))
    assert folder_ref_parse(rendered) == FolderRef(id=U, is_public=is_public)


# --- every endpoint that reads a folder id applies the same rule ----------------------------------


def _folder_with_item(owner, *, is_public: bool):
    folder = make_folder(owner, is_public=is_public)
    item = make_item(owner, public=is_public, folder=folder)
    return folder, item


#: The endpoints below that take a folder id of one kind only.
ONE_KIND = ("FolderProperties", "ThumbnailImagesFor", "getPublicCreations")


def _answers(api, owner, folder, item, raw: str) -> dict[str, int]:
    """The status each endpoint answers for the folder id ``raw``; a 400 names the parameter."""
    kind = "Public" if folder.is_public else "Self"
    answers = {
        "getMyCreations": api.get("/getMyCreations", persona=owner, folderID=raw),
        "setTagsForItem": api.post("/setTagsForItem", persona=owner, folderID=raw, tags=["t"]),
        f"set{kind}FolderProperties": api.post(
            f"/set{kind}FolderProperties", persona=owner, folderID=raw, folderDescription="d"
        ),
        f"addThumbnailImagesFor{kind}Folder": api.post(
            f"/addThumbnailImagesFor{kind}Folder", persona=owner, folderID=raw, imageIDs=[str(item.id)]
        ),
        "moveItemsBetweenFolders": api.post(
            "/moveItemsBetweenFolders",
            persona=owner,
            body={"sourceFolderID": raw, "destinationFolderID": None, "imageIDs": [str(item.id)]},
        ),
    }
    if folder.is_public:
        answers["getPublicCreations"] = api.get("/getPublicCreations", persona=owner, folderID=raw)
    statuses = {}
    for name, resp in answers.items():
        statuses[name] = resp.status
        if resp.status == 400:
            assert "'folderID'" in resp.error or "'sourceFolderID'" in resp.error, (name, resp)
    return statuses


@pytest.mark.parametrize(("is_public", "template", "accepted"), FORMS)
def test_every_endpoint_accepts_and_refuses_the_same_forms(api, owner, is_public, template, accepted):
    folder, item = _folder_with_item(owner, is_public=is_public)
    statuses = _answers(api, owner, folder, item, _form(template, folder.id))
    if accepted is OTHER_KIND:
        expected = {name: 400 if any(part in name for part in ONE_KIND) else 404 for name in statuses}
    else:
        expected = dict.fromkeys(statuses, 200 if accepted else 400)
    assert statuses == expected
    folder.refresh_from_db()
    assert folder.description == ("d" if accepted is True else "")


def test_an_upper_case_public_id_finds_the_folder_everywhere_and_is_shown_canonical(api, owner):
    folder, item = _folder_with_item(owner, is_public=True)
    assert item.public_approval_status == ApprovalStatus.APPROVED
    raw = f"P-{str(folder.id).upper()}"
    mine = assert_envelope(api.get("/getMyCreations", persona=owner, folderID=raw))
    assert [row["id"] for row in mine.payload] == [str(item.id)]
    assert mine.payload[0]["folderID"] == wire_id(folder)
    public = assert_envelope(api.get("/getPublicCreations", persona=owner, folderID=raw))
    assert [row["id"] for row in public.payload] == [str(item.id)]
    tagged = assert_envelope(api.post("/setTagsForItem", persona=owner, folderID=raw, tags=["sky"]))
    assert tagged.payload["actual"] == ["sky"]
    edited = assert_envelope(
        api.post("/setPublicFolderProperties", persona=owner, folderID=raw, folderName="renamed")
    )
    assert edited.payload["id"] == wire_id(folder) == f"p-{folder.id}"
    listed = assert_envelope(api.get("/getPublicFolders", persona=owner, userID=owner.id, folderIDs=raw))
    assert [row["id"] for row in listed.payload] == [wire_id(folder)]
