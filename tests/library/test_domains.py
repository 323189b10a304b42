"""Nothing of the library crosses domains."""

import uuid

from aimg_site.core.scoping import domain_context
from tests.support.assertions import assert_envelope
from tests.support.client import ApiClient
from tests.support.factories.library import ItemFactory
from tests.support.personas import Persona


def test_public_items_of_another_site_never_show(api, guest, other_domain):
    here = ItemFactory(public=True)
    with domain_context(other_domain):
        there = ItemFactory(public=True)
    for path in ("/getPublicCreations", "/getLatestItems", "/getSampleItems"):
        assert [row["id"] for row in assert_envelope(api.get(path, persona=guest)).payload] == [str(here.id)]
        other_site = ApiClient("api.sexy.ai").get(path, persona=Persona(session_id=str(uuid.uuid4())))
        assert [row["id"] for row in assert_envelope(other_site).payload] == [str(there.id)]
    assert_envelope(api.get("/getItem", persona=guest, imageID=str(there.id)), 404)
    resp = assert_envelope(api.post("/likeItems", persona=guest, imageIDs=[str(there.id)]))
    assert resp.payload[0]["success"] is False


def test_an_admin_key_of_one_site_cannot_act_on_another(api, admin, other_domain):
    with domain_context(other_domain):
        there = ItemFactory()
    resp = assert_envelope(api.post("/setProtected", persona=admin, imageIDs=[str(there.id)]))
    assert resp.payload[0]["success"] is False
    there.refresh_from_db()
    assert there.is_protected is False
