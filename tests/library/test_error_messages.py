"""Error answers a newcomer meets first read well and stay envelopes."""

from tests.support.assertions import assert_envelope
from tests.support.factories.library import ItemFactory


def test_missing_media_is_a_404_envelope_even_with_debug_on(api, settings):
    settings.DEBUG = True
    response = assert_envelope(api.get("/media/items/ab/abcdef0123456789abcdef0123456789.png"), 404)
    assert response.error == "No such media."


def test_delete_items_without_ids_or_user_names_both_parameters(api, owner):
    response = assert_envelope(api.delete("/deleteItems", persona=owner), 400)
    assert response.error == "At least one of 'imageIDs' or 'userID' must be given."


def test_set_item_properties_without_a_property_names_both(api, owner):
    item = ItemFactory(owner=owner.user)
    response = assert_envelope(api.post("/setItemProperties", persona=owner, imageID=str(item.id)), 400)
    assert response.error == "At least one of 'isPublic' or 'publicApprovalStatus' must be given."
